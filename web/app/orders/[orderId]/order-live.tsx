"use client";
// The live half of the order page: the hold's countdown, cancel, payment, and watching the
// order until the payment's webhook marks it PAID (then the server page is refreshed and shows
// the tickets).
import { useEffect, useState } from "react";
import dynamic from "next/dynamic";
import { useRouter } from "next/navigation";
import { clientSecretOf, type ApiErrorBody, type Order } from "@/lib/orders-client";
import type { PaymentMode } from "@/lib/orders-payment";

// Stripe.js and its React bindings load only where a real publishable key is set.
const StripePay = dynamic(() => import("./stripe-pay"), { ssr: false, loading: () => <p>Loading the payment form…</p> });

/** How often the order is read while it waits for its payment (ms). */
const POLL_MS = 1500;

function left(expiresAt: string, now: number): string {
  const s = Math.max(0, Math.floor((Date.parse(expiresAt) - now) / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

export default function OrderLive({ orderId, status, expiresAt, hasPayment, ticketsIssued, payment }: {
  orderId: string; status: Order["status"]; expiresAt: string; hasPayment: boolean; ticketsIssued: number; payment: PaymentMode;
}) {
  const router = useRouter();
  const [now, setNow] = useState(() => Date.now());
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState("");
  const pending = status === "PENDING_PAYMENT";

  // The countdown.
  useEffect(() => {
    if (!pending) return;
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [pending]);

  // Watch the order until its status changes (paid by the webhook, expired, cancelled), and
  // a paid order until its tickets are issued.
  useEffect(() => {
    const waitingForTickets = status === "PAID" && ticketsIssued === 0;
    if (!pending && !waitingForTickets) return;
    let stopped = false;
    const t = setInterval(async () => {
      if (waitingForTickets) { router.refresh(); return; }
      const res = await fetch(`/api/v1/orders/${orderId}`, { cache: "no-store" }).catch(() => null);
      if (stopped || !res?.ok) return;
      const o = (await res.json()) as Order;
      if (o.status !== status) router.refresh();
    }, POLL_MS);
    return () => { stopped = true; clearInterval(t); };
  }, [orderId, status, pending, ticketsIssued, router]);

  async function cancel() {
    setBusy(true);
    const res = await fetch(`/api/v1/orders/${orderId}/cancel`, { method: "POST" }).catch(() => null);
    setBusy(false);
    if (res?.ok) { setMessage("Order cancelled: the seats are free again."); router.refresh(); return; }
    const body = ((await res?.json().catch(() => ({}))) ?? {}) as ApiErrorBody;
    setMessage(body.error?.message ?? "The order could not be cancelled.");
    router.refresh();
  }

  async function testPay(outcome: "succeeded" | "failed") {
    setBusy(true);
    setMessage(outcome === "succeeded" ? "Paying (test)…" : "Declining (test)…");
    const res = await fetch(`/dev/pay/${orderId}`, {
      method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ outcome }),
    }).catch(() => null);
    setBusy(false);
    const body = ((await res?.json().catch(() => ({}))) ?? {}) as ApiErrorBody;
    if (!res?.ok) { setMessage(body.error?.message ?? "The test payment could not be sent."); return; }
    // A declined payment cancels the order (the order service frees its seats); the page's
    // status then says so.
    setMessage(outcome === "succeeded" ? "Payment sent; waiting for the confirmation…" : "The payment was declined (test).");
    router.refresh();
  }

  if (!pending) return <div role="status" aria-live="polite">{message}</div>;
  const expired = Date.parse(expiresAt) <= now;
  return (
    <>
      <p className="countdown" role="timer" aria-live="off">
        {expired ? "The hold has ended." : <>Seats held for you for <strong id="hold-left">{left(expiresAt, now)}</strong></>}
      </p>
      {hasPayment && !expired && payment.kind === "test" && (
        <section className="panel test-mode" aria-labelledby="test-pay-title">
          <h2 id="test-pay-title">Test mode payment</h2>
          <p>This is the local stack: no card is charged. A dev tool plays Stripe&apos;s part and sends the order service a signed webhook.</p>
          <div className="actions">
            <button type="button" className="primary" disabled={busy} onClick={() => testPay("succeeded")}>Pay (test)</button>
            <button type="button" className="secondary" disabled={busy} onClick={() => testPay("failed")}>Decline (test)</button>
          </div>
        </section>
      )}
      {hasPayment && !expired && payment.kind === "stripe" && (
        <section className="panel" aria-labelledby="pay-title">
          <h2 id="pay-title">Payment</h2>
          {clientSecretOf(orderId) ? (
            <StripePay publishableKey={payment.publishableKey} clientSecret={clientSecretOf(orderId)!} orderId={orderId} />
          ) : (
            <p>The payment form was lost when this page was reloaded. Cancel this order and hold your seats again to pay.</p>
          )}
        </section>
      )}
      {hasPayment && payment.kind === "none" && <p role="alert">Payment is not configured on this server.</p>}
      <p><button type="button" className="secondary" disabled={busy} onClick={cancel}>Cancel order</button></p>
      <div role="status" aria-live="polite">{message}</div>
    </>
  );
}
