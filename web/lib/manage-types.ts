// The shapes the organizer console reads from event-command (cmd/event-command/openapi.yaml)
// and the order service's sales views (cmd/order/openapi.yaml, SPEC section 12).

export interface MyOrganization {
  id: string; name: string; website: string; logo_url: string; owner_id: string;
  my_roles: ("OWNER" | "ADMIN" | "SCANNER")[];
}
export interface Member { user_id: string; username: string | null; email: string | null; roles: ("ADMIN" | "SCANNER")[] }
export type EventStatus = "DRAFT" | "PENDING" | "APPROVED" | "REJECTED" | "COMPLETED";
export interface EventSummary {
  id: string; organization_id: string; organization_name: string; category_id: string | null; title: string;
  description: string; overview: string; status: EventStatus; rejection_reason: string; created_at: string;
  updated_at: string; submitted_at: string | null;
}
export interface Tier { id: string; event_id: string; name: string; colour: string; price_minor: number; currency: string }
export interface Venue { name: string; address: string; latitude: number; longitude: number }
export interface Seat { id: string; label: string; tier_id?: string }
export interface Row { label: string; seats: Seat[] }
export type BlockType = "seated_grid" | "standing" | "non_sellable";
export interface Block {
  id: string; name: string; type: BlockType; position?: { x?: number | null; y?: number | null } | null;
  rows?: Row[]; capacity?: number; tier_id?: string;
}
export interface Layout { blocks: Block[]; blocked_seat_ids: string[] }
export type SessionStatus = "SCHEDULED" | "ON_SALE" | "SOLD_OUT" | "CLOSED" | "CANCELLED";
export interface Session {
  id: string; event_id: string; start_time: string; end_time: string; sales_start_time: string; sales_end_time: string;
  session_type: "PHYSICAL" | "ONLINE"; venue: Venue | null; online_link: string; status: SessionStatus; layout: Layout;
}
export type DiscountKind = "PERCENTAGE" | "FLAT_OFF" | "BUY_N_GET_N_FREE";
export interface Discount {
  id: string; code: string; kind: DiscountKind; percent: number | null; amount_minor: number | null;
  min_spend_minor: number; max_discount_minor: number | null; buy: number | null; get: number | null;
  usage_limit: number | null; active_from: string | null; active_until: string | null; public: boolean;
  tier_ids: string[]; session_ids: string[];
}
export interface EventDoc extends EventSummary { tiers: Tier[]; sessions: Session[]; discounts: Discount[] }
export interface Category { id: string; name: string; parent_id: string | null }
export interface TemplateSummary { id: string; organization_id: string; name: string; layout?: Layout }

export interface SalesLine {
  ticket_id: string | null; seat_id: string | null; label: string; block_id: string; tier_id: string | null;
  price_minor: number; price_paid_minor: number; ticket_status: "VALID" | "VOID" | null; checked_in_at: string | null;
}
export interface RefundRecord { id: string; amount_minor: number; reason: string; created_at: string }
export type OrderStatus = "PENDING_PAYMENT" | "PAID" | "EXPIRED" | "CANCELLED" | "REFUNDED" | "PARTIALLY_REFUNDED";
export interface SalesOrder {
  id: string; status: OrderStatus; buyer_email: string; event_id: string; session_id: string;
  subtotal_minor: number; discount_minor: number; total_minor: number; refunded_minor: number; currency: string;
  discount_code: string; status_reason: string; created_at: string; paid_at: string | null;
  lines: SalesLine[]; refunds: RefundRecord[];
}
export interface Page<T> { items: T[]; page: number; page_size: number; total: number }
export interface SessionFigures {
  session_id: string; status: string; sold: number; held: number; available: number;
  revenue_minor: number; refunded_minor: number; checked_in: number;
  tiers: { tier_id: string; sold: number; revenue_minor: number }[];
}
export interface SalesSummary { event_id: string; currency: string; sessions: SessionFigures[] }
/** A `checkout` event of GET /api/v1/events/{id}/checkouts/stream. */
export interface Checkout {
  order_id: string; event_id: string; session_id: string; status: OrderStatus; previous_status: string;
  total_minor: number; refunded_minor: number; currency: string; created_at: string; paid_at: string | null;
}
/** GET /api/v1/sessions/{id}/seats (event-query). */
export interface SeatState { id: string; label: string; block_id: string; row: string; tier_id: string; status: string }
export interface SeatsDoc { session_id: string; status: string; seats: SeatState[] }
