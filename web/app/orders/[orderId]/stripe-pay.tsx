"use client";
// Stripe's Payment Element for an order's PaymentIntent (a real publishable key only). The
// payment's outcome reaches the order service by Stripe's webhook; the order page watches it.
import { useMemo, useState } from "react";
import { loadStripe } from "@stripe/stripe-js";
import { Elements, PaymentElement, useElements, useStripe } from "@stripe/react-stripe-js";

function PayForm({ orderId }: { orderId: string }) {
  const stripe = useStripe();
  const elements = useElements();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  async function submit(e: React.FormEvent) {
    e.preventDefault();
    if (!stripe || !elements) return;
    setBusy(true);
    setError("");
    const { error: err } = await stripe.confirmPayment({
      elements,
      confirmParams: { return_url: `${window.location.origin}/orders/${orderId}` },
      redirect: "if_required",
    });
    setBusy(false);
    if (err) setError(err.message ?? "The payment did not go through.");
  }
  return (
    <form onSubmit={submit}>
      <PaymentElement />
      <p><button type="submit" className="primary" disabled={!stripe || busy}>{busy ? "Paying…" : "Pay"}</button></p>
      <div role="alert">{error}</div>
    </form>
  );
}

export default function StripePay({ publishableKey, clientSecret, orderId }: { publishableKey: string; clientSecret: string; orderId: string }) {
  const stripe = useMemo(() => loadStripe(publishableKey), [publishableKey]);
  return (
    <Elements stripe={stripe} options={{ clientSecret }}>
      <PayForm orderId={orderId} />
    </Elements>
  );
}
