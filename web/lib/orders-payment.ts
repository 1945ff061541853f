// How an order is paid, decided at runtime from the server's environment (one build serves
// every environment): Stripe's Payment Element when STRIPE_PUBLISHABLE_KEY is a real
// publishable key; the local stack's test mode when its Stripe dev tool is configured
// (STRIPE_DEV_URL); otherwise no way to pay here.

/** What the order page's client needs to know to offer payment. */
export type PaymentMode = { kind: "stripe"; publishableKey: string } | { kind: "test" } | { kind: "none" };

export function paymentMode(env: Record<string, string | undefined> = process.env): PaymentMode {
  const key = env.STRIPE_PUBLISHABLE_KEY || env.NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY || "";
  if (/^pk_(test|live)_[A-Za-z0-9]{20,}$/.test(key)) return { kind: "stripe", publishableKey: key };
  if (env.STRIPE_DEV_URL) return { kind: "test" };
  return { kind: "none" };
}
