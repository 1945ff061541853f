// Unit tests of the proxy (node:test) against a real local HTTP server standing in for a service.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { forward } from "./proxy";

let server: http.Server;
let base = "";
let release: () => void = () => {};

before(async () => {
  server = http.createServer((req, res) => {
    if (req.url?.includes("/stream")) {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(`event: snapshot\nid: 1\ndata: {"last":${JSON.stringify(req.headers["last-event-id"] ?? null)}}\n\n`);
      release = () => res.end("event: seats\nid: 2\ndata: {}\n\n");
      return;
    }
    const chunks: Buffer[] = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      res.writeHead(201, { "content-type": "application/json", location: "/x" });
      res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString() }));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => { release(); server.close(); });

test("a request is forwarded with its method, path, query, body and the API's headers", async () => {
  const req = new Request("http://localhost:3000/api/v1/orders?x=1", {
    method: "POST",
    body: '{"session_id":"s"}',
    headers: {
      authorization: "Bearer t", "idempotency-key": "k", "content-type": "application/json",
      "stripe-signature": "sig", cookie: "secret=1",
    },
  });
  const res = await forward(req, { ORDER_URL: base });
  assert.equal(res.status, 201);
  assert.equal(res.headers.get("location"), "/x");
  const got = await res.json();
  assert.equal(got.method, "POST");
  assert.equal(got.url, "/api/v1/orders?x=1");
  assert.equal(got.body, '{"session_id":"s"}');
  assert.equal(got.headers.authorization, "Bearer t");
  assert.equal(got.headers["idempotency-key"], "k");
  assert.equal(got.headers["stripe-signature"], "sig");
  assert.equal(got.headers["content-type"], "application/json");
  assert.equal(got.headers.cookie, undefined, "cookies stay at the edge");
});

test("an SSE stream is passed through as it comes, with Last-Event-ID, unbuffered", async () => {
  const req = new Request("http://localhost:3000/api/v1/sessions/abc/stream", { headers: { "last-event-id": "41" } });
  const res = await forward(req, { EVENT_QUERY_URL: base });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("x-accel-buffering"), "no");
  const reader = res.body!.getReader();
  // The first event arrives while the service still holds the stream open.
  const first = new TextDecoder().decode((await reader.read()).value);
  assert.match(first, /event: snapshot/);
  assert.match(first, /"last":"41"/);
  release();
  let rest = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    rest += new TextDecoder().decode(value);
  }
  assert.match(rest, /event: seats/);
});

test("a service that is down is answered 502 in the API's error shape", async () => {
  const res = await forward(new Request("http://localhost:3000/api/v1/orders"), { ORDER_URL: "http://127.0.0.1:1" });
  assert.equal(res.status, 502);
  const body = await res.json();
  assert.equal(body.error.code, "unavailable");
  assert.match(body.error.message, /order/);
});

test("a path no service owns is answered 404 in the API's error shape", async () => {
  const res = await forward(new Request("http://localhost:3000/api/v1/nope"), {});
  assert.equal(res.status, 404);
  assert.equal((await res.json()).error.code, "not_found");
});
