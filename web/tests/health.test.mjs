// The web app's health endpoints, as every service of Ticketly has them: /healthz (alive) and
// /readyz (its settings are usable), both uncached JSON; the probes of compose and k3s use them.
import { test } from "node:test";
import assert from "node:assert/strict";

const WEB = process.env.WEB_URL ?? "http://localhost:3000";

for (const [path, status] of [["/healthz", "ok"], ["/readyz", "ready"]]) {
  test(`GET ${path} answers 200 ${status}`, async () => {
    const res = await fetch(WEB + path);
    assert.equal(res.status, 200, `${path}: ${res.status} ${await res.clone().text()}`);
    assert.match(res.headers.get("cache-control") ?? "", /no-store/);
    assert.deepEqual(await res.json(), { status });
  });
}
