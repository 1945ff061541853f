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

// The browser's session: a stub loader stands in for lib/session-store.ts.
const signedIn = {
  origin: undefined,
  secureCookies: false,
  load: async (cookies: Map<string, string>) => ({
    accessToken: cookies.get("tl_session.0") === "valid" ? "from-cookie" : null,
    setCookie: [{ name: "tl_session.0", value: "renewed", maxAge: 60, path: "/" }],
  }),
};

test("a request with the session cookie and no Authorization gets the session's bearer token", async () => {
  const req = new Request("http://localhost:3000/api/v1/orders", { headers: { cookie: "a=1; tl_session.0=valid", host: "localhost:3000" } });
  const res = await forward(req, { ORDER_URL: base }, signedIn);
  const got = await res.json();
  assert.equal(got.headers.authorization, "Bearer from-cookie");
  assert.equal(got.headers.cookie, undefined, "the cookie itself stays at the edge");
  assert.match(res.headers.get("set-cookie") ?? "", /^tl_session\.0=renewed; Path=\/; Max-Age=60; HttpOnly; SameSite=Lax$/);
});

test("a same-origin POST with the session cookie is forwarded with the token", async () => {
  const req = new Request("http://localhost:3000/api/v1/orders", {
    method: "POST", body: "{}", headers: { cookie: "tl_session.0=valid", host: "localhost:3000", origin: "http://localhost:3000" },
  });
  const res = await forward(req, { ORDER_URL: base }, signedIn);
  assert.equal(res.status, 201);
  assert.equal((await res.json()).headers.authorization, "Bearer from-cookie");
});

test("a cookie-authenticated change from another origin (or none) is refused 403", async () => {
  const cases: Record<string, string>[] = [
    { origin: "http://evil.example" },
    { origin: "http://localhost:3001" },
    { origin: "null" },
    { referer: "http://evil.example/page" },
    {},
  ];
  for (const extra of cases) {
    for (const method of ["POST", "PUT", "PATCH", "DELETE"]) {
      const req = new Request("http://localhost:3000/api/v1/orders", { method, headers: { cookie: "tl_session.0=valid", host: "localhost:3000", ...extra } });
      const res = await forward(req, { ORDER_URL: base }, signedIn);
      assert.equal(res.status, 403, `${method} with ${JSON.stringify(extra)}`);
      assert.equal((await res.json()).error.code, "forbidden");
    }
  }
  // A Referer of this origin is enough when the browser sent no Origin.
  const ok = new Request("http://localhost:3000/api/v1/orders", { method: "POST", body: "{}", headers: { cookie: "tl_session.0=valid", host: "localhost:3000", referer: "http://localhost:3000/events/x" } });
  assert.equal((await forward(ok, { ORDER_URL: base }, signedIn)).status, 201);
});

test("a pinned origin (WEB_ORIGIN) is what the Origin must match", async () => {
  const pinned = { ...signedIn, origin: "https://tickets.example" };
  const mk = (origin: string) => new Request("http://localhost:3000/api/v1/orders", { method: "POST", body: "{}", headers: { cookie: "tl_session.0=valid", host: "localhost:3000", origin } });
  assert.equal((await forward(mk("https://tickets.example"), { ORDER_URL: base }, pinned)).status, 201);
  assert.equal((await forward(mk("http://localhost:3000"), { ORDER_URL: base }, pinned)).status, 403);
});

test("a request with its own Authorization passes untouched, cross-origin or not", async () => {
  const req = new Request("http://localhost:3000/api/v1/orders", {
    method: "POST", body: "{}", headers: { authorization: "Bearer own", cookie: "tl_session.0=valid", origin: "http://evil.example" },
  });
  const res = await forward(req, { ORDER_URL: base }, signedIn);
  assert.equal(res.status, 201);
  assert.equal((await res.json()).headers.authorization, "Bearer own");
  assert.equal(res.headers.get("set-cookie"), null);
});

test("without a session cookie nothing is added, and a signed-out cookie adds no token", async () => {
  const anon = await forward(new Request("http://localhost:3000/api/v1/orders", { method: "POST", body: "{}", headers: { origin: "http://evil.example" } }), { ORDER_URL: base }, signedIn);
  assert.equal(anon.status, 201, "no cookie: no CSRF question, the service decides (401)");
  assert.equal((await anon.json()).headers.authorization, undefined);
  const stale = await forward(new Request("http://localhost:3000/api/v1/orders", { headers: { cookie: "tl_session.0=expired" } }), { ORDER_URL: base }, signedIn);
  assert.equal((await stale.json()).headers.authorization, undefined);
});
