// Browser-side helpers of ordering, shared by the session page and the order page.

/** An order as the order service answers it (SPEC section 4). */
export interface Order {
  id: string;
  status: "PENDING_PAYMENT" | "PAID" | "EXPIRED" | "CANCELLED" | "REFUNDED" | "PARTIALLY_REFUNDED";
  session_id: string;
  event_id: string;
  seat_ids: string[];
  standing: { block_id: string; quantity: number }[];
  subtotal_minor: number;
  discount_minor: number;
  total_minor: number;
  refunded_minor: number;
  currency: string;
  discount_code?: string;
  expires_at: string;
  created_at: string;
  paid_at?: string;
  status_reason?: string;
  payment: { payment_intent_id: string; client_secret?: string } | null;
}

/** The API's error body. */
export interface ApiErrorBody { error?: { code?: string; message?: string; details?: Record<string, unknown> } }

/**
 * idempotencyKey is a fresh key for one attempt to place an order. crypto.randomUUID exists
 * only in secure contexts (https, localhost); a phone on a LAN address gets the same from
 * getRandomValues.
 */
export function idempotencyKey(): string {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

// The PaymentIntent's client secret comes only with the answer to POST /api/v1/orders. It is
// handed to the order page in memory (client-side navigation keeps this module), never
// stored: a reload of the order page loses it, and the Payment Element then asks to start over.
const secrets = new Map<string, string>();

/** keepClientSecret remembers an order's client secret for the order page. */
export function keepClientSecret(orderId: string, secret: string | undefined): void {
  if (secret) secrets.set(orderId, secret);
}

/** clientSecretOf returns the remembered client secret of an order, if this page load has it. */
export function clientSecretOf(orderId: string): string | undefined {
  return secrets.get(orderId);
}
