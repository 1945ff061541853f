// Server-side reads of the public API (event-query), for pages rendered on the server.
import { serviceURL } from "./routes";

/** A tier of an event (SPEC section 4). */
export interface Tier { id: string; name: string; colour: string; price_minor: number; currency: string }
/** A venue. */
export interface Venue { name?: string; address?: string }
/** A session as listed in an event document. */
export interface SessionSummary {
  id: string; start_time: string; end_time: string; status: string; session_type?: string;
  venue?: Venue; seat_count?: number; standing_capacity?: number;
}
/** A block of a session's layout. */
export interface Block { id: string; name: string; type: string; capacity?: number; tier_id?: string }
/** GET /api/v1/sessions/{id}. */
export interface SessionDoc extends SessionSummary { event_id: string; event_title?: string; tiers?: Tier[]; blocks?: Block[] }
/** One seat of GET /api/v1/sessions/{id}/seats. */
export interface Seat { id: string; label: string; block_id: string; row: string; tier_id: string; status: string }
/** A standing block's availability. */
export interface Standing { block_id: string; name: string; tier_id: string; capacity: number; available: number }
/** GET /api/v1/sessions/{id}/seats. */
export interface SeatsDoc { session_id: string; status: string; version: number; seats: Seat[]; standing: Standing[] }
/** The event document. */
export interface EventDoc {
  id: string; title: string; description?: string; status?: string;
  organization?: { name?: string }; category?: { name?: string };
  tiers: Tier[]; sessions: SessionSummary[]; discounts?: Discount[];
}
/** A public discount of an event. */
export interface Discount {
  code: string; kind: string; percent?: number; amount_minor?: number; min_spend_minor?: number;
  buy?: number; get?: number; tier_ids?: string[]; session_ids?: string[];
}
/** An item of GET /api/v1/events. */
export interface EventItem {
  id: string; title: string; organization_name?: string; category_name?: string;
  starting_price_minor?: number; currency?: string;
  next_session?: { id: string; start_time: string; venue_name?: string } | null;
}

/** ApiError is a non-2xx answer of a service. */
export class ApiError extends Error {
  constructor(public status: number, message: string) { super(message); }
}

/** getJSON reads path from event-query, uncached. */
export async function getJSON<T>(path: string): Promise<T> {
  const res = await fetch(serviceURL("event-query") + path, { cache: "no-store", headers: { accept: "application/json" } });
  if (!res.ok) throw new ApiError(res.status, `${path}: ${res.status}`);
  return (await res.json()) as T;
}

/** money formats minor units of a currency. */
export function money(minor: number | undefined, currency: string | undefined): string {
  if (minor === undefined || !currency) return "";
  try {
    return new Intl.NumberFormat("en", { style: "currency", currency }).format(minor / 100);
  } catch {
    return `${(minor / 100).toFixed(2)} ${currency}`;
  }
}

/** when formats a timestamp for people. */
export function when(iso: string | undefined): string {
  if (!iso) return "";
  return new Date(iso).toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" }) + " UTC";
}
