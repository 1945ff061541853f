// Server-side reads of the signed-in buyer's orders and tickets, for the order pages. Seat
// labels and block names come from the public session documents (event-query); ticket QR
// codes are drawn here, so the browser gets images and no QR library.
import QRCode from "qrcode";
import { getJSON, type SeatsDoc, type SessionDoc } from "./api";
import type { Order } from "./orders-client";
import { apiFetch } from "./session";

/** A ticket as the order service answers it, with its QR drawn as a data: URL. */
export interface Ticket {
  id: string; order_id: string; session_id: string; seat_id?: string; block_id: string; label: string;
  tier_id?: string; price_minor: number; price_paid_minor: number; status: "VALID" | "VOID";
  qr?: string; issued_at: string; checked_in_at?: string; qrImage?: string;
}

/** A line of an order as the page shows it. */
export interface OrderLine { key: string; label: string; tier: string; price_minor: number }

/** The outcome of a read: the value, or the status that stopped it. */
export type Read<T> = { ok: true; value: T } | { ok: false; status: number };

async function read<T>(path: string): Promise<Read<T>> {
  const res = await apiFetch(path);
  if (!res.ok) return { ok: false, status: res.status };
  return { ok: true, value: (await res.json()) as T };
}

/** getOrder reads one of the buyer's orders (404 when it is another buyer's). */
export function getOrder(id: string): Promise<Read<Order>> {
  return read<Order>(`/api/v1/orders/${encodeURIComponent(id)}`);
}

/** listOrders reads a page of the buyer's orders, newest first. */
export function listOrders(page = 1): Promise<Read<{ items: Order[]; page: number; page_size: number; total: number }>> {
  return read(`/api/v1/orders?page=${page}&page_size=50`);
}

/** getTickets reads an order's tickets (empty until paid) and draws their QR codes. */
export async function getTickets(id: string): Promise<Read<Ticket[]>> {
  const r = await read<{ items: Ticket[] }>(`/api/v1/orders/${encodeURIComponent(id)}/tickets`);
  if (!r.ok) return r;
  const items = await Promise.all(
    r.value.items.map(async (t) => ({
      ...t,
      qrImage: t.qr ? await QRCode.toDataURL(t.qr, { errorCorrectionLevel: "M", margin: 2, width: 240 }) : undefined,
    })),
  );
  return { ok: true, value: items };
}

/** The public documents of an order's session (null when event-query cannot say). */
export async function sessionOf(sessionId: string): Promise<SessionDoc | null> {
  try {
    return await getJSON<SessionDoc>(`/api/v1/sessions/${encodeURIComponent(sessionId)}`);
  } catch {
    return null;
  }
}

/** orderLines names what an order holds: its seats with their labels and tiers, its standing places. */
export async function orderLines(o: Order, session: SessionDoc | null): Promise<OrderLine[]> {
  const tiers = new Map((session?.tiers ?? []).map((t) => [t.id, t]));
  const blocks = new Map((session?.blocks ?? []).map((b) => [b.id, b]));
  let seats: SeatsDoc | null = null;
  if (o.seat_ids.length > 0 || o.standing.length > 0) {
    try {
      seats = await getJSON<SeatsDoc>(`/api/v1/sessions/${encodeURIComponent(o.session_id)}/seats`);
    } catch {
      seats = null;
    }
  }
  const byId = new Map((seats?.seats ?? []).map((s) => [s.id, s]));
  const lines: OrderLine[] = o.seat_ids.map((id) => {
    const s = byId.get(id);
    const t = s ? tiers.get(s.tier_id) : undefined;
    const block = s ? blocks.get(s.block_id)?.name ?? s.block_id : "";
    return { key: id, label: s ? `${block}, seat ${s.label}` : "Seat", tier: t?.name ?? "", price_minor: t?.price_minor ?? 0 };
  });
  lines.sort((a, b) => a.label.localeCompare(b.label, "en", { numeric: true }));
  const standing = new Map((seats?.standing ?? []).map((st) => [st.block_id, st]));
  for (const st of o.standing) {
    const b = standing.get(st.block_id);
    const t = tiers.get(b?.tier_id ?? blocks.get(st.block_id)?.tier_id ?? "");
    lines.push({ key: st.block_id, label: `${b?.name ?? blocks.get(st.block_id)?.name ?? st.block_id}, standing × ${st.quantity}`, tier: t?.name ?? "", price_minor: (t?.price_minor ?? 0) * st.quantity });
  }
  return lines;
}
