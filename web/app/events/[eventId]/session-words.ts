// How a session's status reads on the event page, and whether its seat map is worth opening.
import { when } from "@/lib/api";

/** statusWords says a session's status in words; a scheduled one says when sales open. */
export function statusWords(status: string, salesStart?: string): string {
  switch (status) {
    case "ON_SALE": return "On sale";
    case "SOLD_OUT": return "Sold out";
    case "SCHEDULED": return salesStart ? `Sales open ${when(salesStart)}` : "Sales not open yet";
    case "CLOSED": return "Sales closed";
    case "CANCELLED": return "Cancelled";
    default: return status.replace(/_/g, " ").toLowerCase();
  }
}

/** browsable tells whether the seat map shows anything a buyer can act on or plan for. */
export function browsable(status: string): boolean {
  return status === "ON_SALE" || status === "SOLD_OUT" || status === "SCHEDULED";
}
