// Unit tests of the routing table (node:test): `npm test` compiles and runs them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { matchPattern, route, serviceURL, RULES, Service } from "./routes";

const id = "0b6f5c3e-4a8e-4a52-9f6a-1e7c0a1d2b3c";

test("each (method, path) of SPEC section 10 goes to its one service", () => {
  const cases: [string, string, string | undefined][] = [
    ["GET", "/api/v1/events", "event-query"],
    ["GET", "/api/v1/events/trending", "event-query"],
    ["GET", `/api/v1/events/${id}`, "event-query"],
    ["HEAD", `/api/v1/events/${id}`, "event-query"],
    ["GET", `/api/v1/events/${id}/checkouts/stream`, "event-query"],
    ["GET", `/api/v1/sessions/${id}`, "event-query"],
    ["GET", `/api/v1/sessions/${id}/seats`, "event-query"],
    ["GET", `/api/v1/sessions/${id}/stream`, "event-query"],
    ["GET", "/api/v1/categories", "event-query"],
    ["POST", "/api/v1/events", "event-command"],
    ["PATCH", `/api/v1/events/${id}`, "event-command"],
    ["DELETE", `/api/v1/events/${id}`, "event-command"],
    ["POST", `/api/v1/events/${id}/submit`, "event-command"],
    ["POST", `/api/v1/events/${id}/approve`, "event-command"],
    ["POST", `/api/v1/events/${id}/tiers`, "event-command"],
    ["POST", `/api/v1/events/${id}/sessions`, "event-command"],
    ["GET", `/api/v1/manage/events/${id}/discounts`, "event-command"],
    ["GET", `/api/v1/manage/sessions/${id}`, "event-command"],
    ["GET", "/api/v1/manage/categories", "event-command"],
    ["GET", `/api/v1/events/${id}/discounts`, undefined],
    ["GET", "/api/v1/categories/x", "event-query"],
    ["PATCH", `/api/v1/sessions/${id}`, "event-command"],
    ["PUT", `/api/v1/sessions/${id}/layout`, "event-command"],
    ["POST", `/api/v1/sessions/${id}/cancel`, "event-command"],
    ["PATCH", `/api/v1/tiers/${id}`, "event-command"],
    ["PATCH", `/api/v1/discounts/${id}`, "event-command"],
    ["POST", "/api/v1/categories", "event-command"],
    ["PATCH", `/api/v1/categories/${id}`, "event-command"],
    ["GET", "/api/v1/organizations/mine", "event-command"],
    ["POST", "/api/v1/organizations", "event-command"],
    ["PUT", `/api/v1/organizations/${id}/members/${id}`, "event-command"],
    ["GET", `/api/v1/seating-templates/${id}`, "event-command"],
    ["GET", "/api/v1/manage/events", "event-command"],
    ["GET", `/api/v1/manage/events/${id}`, "event-command"],
    ["POST", "/api/v1/orders", "order"],
    ["GET", "/api/v1/orders", "order"],
    ["GET", `/api/v1/orders/${id}`, "order"],
    ["POST", `/api/v1/orders/${id}/cancel`, "order"],
    ["GET", `/api/v1/orders/${id}/tickets`, "order"],
    ["POST", `/api/v1/orders/${id}/refunds`, "order"],
    ["POST", "/api/v1/webhooks/stripe", "order"],
    ["GET", "/api/v1/tickets/public-key", "order"],
    ["POST", "/api/v1/checkins", "order"],
    ["GET", "/api/v1/checkins/list", "order"],
    ["DELETE", `/api/v1/checkins/${id}`, "order"],
    ["GET", "/api/v1/sales/summary", "order"],
    ["GET", "/api/v1/sales/attendees.csv", "order"],
    ["POST", `/api/v1/sessions/${id}/blocks`, "order"],
    ["POST", `/api/v1/sessions/${id}/unblocks`, "order"],
    ["POST", "/api/v1/subscriptions", "scheduler"],
    ["GET", "/api/v1/subscriptions", "scheduler"],
    ["DELETE", `/api/v1/subscriptions/${id}`, "scheduler"],
    ["GET", "/api/v1/nothing-here", undefined],
    ["GET", "/api/v1/ordersx", undefined],
    ["GET", "/api/v2/events", undefined],
  ];
  for (const [method, path, want] of cases) {
    assert.equal(route(method, path), want, `${method} ${path}`);
  }
});

test("patterns: * is one segment, a trailing ** any rest", () => {
  assert.ok(matchPattern("/a/*/c", "/a/b/c"));
  assert.ok(!matchPattern("/a/*/c", "/a/b/c/d"));
  assert.ok(!matchPattern("/a/*/c", "/a/c"));
  assert.ok(matchPattern("/a/**", "/a"));
  assert.ok(matchPattern("/a/**", "/a/b/c"));
  assert.ok(!matchPattern("/a/**", "/ab"));
  assert.ok(matchPattern("/a/b", "/a/b/"));
});

test("no public read is shadowed: every GET rule of event-query comes before any catch-all", () => {
  const firstCatchAll = RULES.findIndex((r) => r.methods.length === 0);
  RULES.forEach((r, i) => {
    if (r.service === "event-query") assert.ok(i < firstCatchAll, r.pattern);
  });
});

test("service URLs come from the environment, defaults are the local ports", () => {
  assert.equal(serviceURL("order", {}), "http://127.0.0.1:8083");
  assert.equal(serviceURL("event-query", { EVENT_QUERY_URL: "http://q:9/" }), "http://q:9");
  assert.equal(serviceURL("scheduler", {}), "http://127.0.0.1:8084");
  assert.equal(serviceURL("event-command", {}), "http://127.0.0.1:8081");
});

/** Operation is one documented (method, path template) of a service's openapi.yaml. */
interface Operation {
  method: string;
  path: string;
}

/** repoRoot finds the repository: TICKETLY_ROOT (set by deploy/local/webtest.sh, which runs
 * the tests in a copy of web/ outside the tree), else above the compiled test or the cwd. */
function repoRoot(): string {
  const given = process.env.TICKETLY_ROOT;
  if (given && existsSync(join(given, "cmd", "event-query", "openapi.yaml"))) return given;
  for (const start of [__dirname, process.cwd()]) {
    for (let dir = start; dir !== dirname(dir); dir = dirname(dir)) {
      if (existsSync(join(dir, "cmd", "event-query", "openapi.yaml"))) return dir;
    }
  }
  throw new Error(`no repository (cmd/*/openapi.yaml) above ${__dirname} or ${process.cwd()}`);
}
const repo = repoRoot();

/**
 * operations reads the /api/v1 operations of a service's OpenAPI document. The documents are
 * ours and written in one layout (paths at two spaces, methods at four), which a line scan
 * reads without a YAML parser.
 */
function operations(service: Service): Operation[] {
  const text = readFileSync(join(repo, "cmd", service, "openapi.yaml"), "utf8");
  const ops: Operation[] = [];
  let inPaths = false;
  let path = "";
  for (const line of text.split("\n")) {
    if (/^\S/.test(line) && !line.startsWith("#")) inPaths = line.startsWith("paths:");
    if (!inPaths) continue;
    const p = /^  (\/\S*):\s*$/.exec(line);
    if (p) path = p[1];
    const m = /^    (get|put|post|patch|delete|head):/.exec(line);
    if (m && path.startsWith("/api/v1/")) ops.push({ method: m[1].toUpperCase(), path });
  }
  return ops;
}

/** concrete fills a path template's {parameters} with an id. */
function concrete(template: string): string {
  return template.replace(/\{[^}]+\}/g, id);
}

/** sameShape reports whether two path templates name the same paths ({x} matches any segment). */
function sameShape(a: string, b: string): boolean {
  const x = a.split("/");
  const y = b.split("/");
  return x.length === y.length && x.every((s, i) => s === y[i] || s.startsWith("{") || y[i].startsWith("{"));
}

const SERVICES: Service[] = ["event-command", "event-query", "order", "scheduler"];

test("every documented operation of every service is routed to that service", () => {
  for (const s of SERVICES) {
    const ops = operations(s);
    assert.ok(ops.length > 0, `${s}: no /api/v1 operations read from its openapi.yaml`);
    for (const op of ops) {
      assert.equal(route(op.method, concrete(op.path)), s, `${op.method} ${op.path} of ${s}`);
    }
  }
});

test("event-command reads only under /manage, /organizations and /seating-templates, never on an event-query read", () => {
  const own = ["/api/v1/manage/", "/api/v1/organizations", "/api/v1/seating-templates/"];
  const publicReads = operations("event-query").filter((o) => o.method === "GET");
  const reads = operations("event-command").filter((o) => o.method === "GET");
  assert.ok(reads.some((o) => o.path === "/api/v1/manage/events"), "the organizer's event list is documented");
  for (const r of reads) {
    assert.ok(own.some((p) => r.path.startsWith(p)), `GET ${r.path} of event-command is outside ${own.join(", ")}`);
    const clash = publicReads.find((q) => sameShape(q.path, r.path));
    assert.equal(clash, undefined, `GET ${r.path} of event-command collides with event-query's GET ${clash?.path}`);
  }
});
