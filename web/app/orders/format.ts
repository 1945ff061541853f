// Words and numbers of the order pages.
export { money, when } from "@/lib/api";

const STATUS_WORD: Record<string, string> = {
  PENDING_PAYMENT: "Awaiting payment", PAID: "Paid", EXPIRED: "Expired", CANCELLED: "Cancelled",
  REFUNDED: "Refunded", PARTIALLY_REFUNDED: "Partly refunded",
};

/** statusWord is an order status for people. */
export function statusWord(status: string): string {
  return STATUS_WORD[status] ?? status;
}
