// POST /dev/pay/{orderId} {"outcome":"succeeded"|"failed"}: the local stack's test-mode
// payment. It exists only when STRIPE_DEV_URL names the stack's Stripe dev tool
// (tools/stripedev); elsewhere it is 404. The order is read with the signed-in buyer's own
// token (so it must be theirs), then the dev tool sends the order service a correctly signed
// payment_intent.succeeded / payment_failed webhook: the same code path as a real payment.
import { authConfig } from "@/lib/auth-config";
import type { Order } from "@/lib/orders-client";
import { errorResponse, sameOrigin } from "@/lib/proxy";
import { serviceURL } from "@/lib/routes";
import { parseCookies, setCookieHeader } from "@/lib/session-codec";
import { loadSession } from "@/lib/session-store";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const OUTCOMES = new Set(["succeeded", "failed"]);

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", "cache-control": "no-store" } });
}

export async function POST(req: Request, { params }: { params: Promise<{ orderId: string }> }): Promise<Response> {
  const devURL = process.env.STRIPE_DEV_URL?.replace(/\/+$/, "");
  if (!devURL) return errorResponse(404, "not_found", "test-mode payments exist only in the local stack");
  const cfg = authConfig();
  if (!sameOrigin(req, cfg.origin)) return errorResponse(403, "forbidden", "a test payment must come from this site");
  const { orderId } = await params;
  if (!UUID.test(orderId)) return errorResponse(400, "invalid", "the order id is not a UUID");

  const text = await req.text();
  if (text.length > 1024) return errorResponse(413, "payload_too_large", "the body is larger than 1 KiB");
  let outcome: unknown;
  try {
    outcome = (JSON.parse(text) as { outcome?: unknown }).outcome;
  } catch {
    return errorResponse(400, "invalid", "the body is not JSON");
  }
  if (typeof outcome !== "string" || !OUTCOMES.has(outcome)) return errorResponse(400, "invalid", 'outcome must be "succeeded" or "failed"');

  const { session, setCookie } = await loadSession(parseCookies(req.headers.get("cookie")));
  const answer = (status: number, body: unknown) => {
    const res = json(status, body);
    for (const c of setCookie) res.headers.append("set-cookie", setCookieHeader(c, cfg.secureCookies));
    return res;
  };
  if (!session) return answer(401, { error: { code: "unauthorized", message: "sign in to pay" } });

  const got = await fetch(`${serviceURL("order")}/api/v1/orders/${orderId}`, {
    headers: { authorization: `Bearer ${session.accessToken}`, accept: "application/json" }, cache: "no-store",
  }).catch(() => null);
  if (!got) return answer(502, { error: { code: "unavailable", message: "the order service is unreachable" } });
  if (!got.ok) return answer(got.status, await got.json().catch(() => ({ error: { code: "unavailable", message: `order: ${got.status}` } })));
  const order = (await got.json()) as Order;
  if (order.status !== "PENDING_PAYMENT" || !order.payment?.payment_intent_id) {
    return answer(409, { error: { code: "conflict", message: "the order is not awaiting payment", details: { status: order.status } } });
  }

  const tool = await fetch(`${devURL}/v1/payment_intents/${encodeURIComponent(order.payment.payment_intent_id)}/webhook`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    // Currency as Stripe writes it (lower case); the order service reads either.
    body: JSON.stringify({ outcome, amount: order.total_minor, currency: order.currency.toLowerCase(), order_id: order.id }),
    cache: "no-store",
  }).catch(() => null);
  if (!tool) return answer(502, { error: { code: "unavailable", message: `the Stripe dev tool at ${devURL} is not running` } });
  const body = (await tool.json().catch(() => ({}))) as { status?: number };
  if (!tool.ok) return answer(502, { error: { code: "unavailable", message: `the Stripe dev tool answered ${tool.status}` } });
  return answer(200, { status: body.status ?? null });
}
