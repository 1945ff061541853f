// /orders/{id}: one of the buyer's orders: what it holds, its totals, the hold's countdown,
// payment and cancellation while it awaits payment, and its tickets with QR codes once paid.
import Link from "next/link";
import { notFound, redirect } from "next/navigation";
import { getOrder, getTickets, orderLines, sessionOf } from "@/lib/orders";
import { getSession } from "@/lib/session";
import { money, statusWord, when } from "../format";
import OrderLive from "./order-live";
import { paymentMode } from "@/lib/orders-payment";

export const dynamic = "force-dynamic";
export const metadata = { title: "Order · Ticketly" };

const WITH_TICKETS = new Set(["PAID", "PARTIALLY_REFUNDED", "REFUNDED"]);

export default async function OrderPage({ params }: { params: Promise<{ orderId: string }> }) {
  const { orderId } = await params;
  const login = `/auth/login?returnTo=${encodeURIComponent(`/orders/${orderId}`)}`;
  if (!(await getSession())) redirect(login);
  const r = await getOrder(orderId);
  if (!r.ok) {
    if (r.status === 401) redirect(login);
    if (r.status === 404 || r.status === 400) notFound();
    throw new Error(`order ${orderId}: ${r.status}`);
  }
  const o = r.value;
  const session = await sessionOf(o.session_id);
  const [lines, tickets] = await Promise.all([orderLines(o, session), WITH_TICKETS.has(o.status) ? getTickets(o.id) : null]);
  const ticketList = tickets?.ok ? tickets.value : [];

  return (
    <>
      <p><Link href="/orders">← My orders</Link></p>
      <h1>{session?.event_title ?? "Your order"}</h1>
      <p className="meta">
        {session ? <Link href={`/events/${session.event_id}/sessions/${session.id}`}>{when(session.start_time)}{session.venue?.name ? ` · ${session.venue.name}` : ""}</Link> : null}
      </p>
      <p>Status: <strong className={`order-status ${o.status}`} id="order-status" data-status={o.status}>{statusWord(o.status)}</strong>
        {o.status_reason ? <span className="meta"> ({o.status_reason})</span> : null}</p>

      <section aria-labelledby="lines-title" className="panel">
        <h2 id="lines-title">Your order</h2>
        <ul className="lines">
          {lines.map((l) => (
            <li key={l.key}><span>{l.label}{l.tier ? ` · ${l.tier}` : ""}</span><span className="price">{money(l.price_minor, o.currency)}</span></li>
          ))}
        </ul>
        <p className="total">Subtotal {money(o.subtotal_minor, o.currency)}</p>
        {o.discount_minor > 0 && <p className="total">Discount{o.discount_code ? ` (${o.discount_code})` : ""}: −{money(o.discount_minor, o.currency)}</p>}
        <p className="total">Total <strong id="order-total">{money(o.total_minor, o.currency)}</strong></p>
        {o.refunded_minor > 0 && <p className="total">Refunded {money(o.refunded_minor, o.currency)}</p>}
      </section>

      <OrderLive
        // A new status starts the live part afresh (no message of the previous one stays).
        key={o.status}
        orderId={o.id}
        status={o.status}
        expiresAt={o.expires_at}
        hasPayment={o.payment !== null}
        ticketsIssued={ticketList.length}
        payment={paymentMode()}
      />

      {WITH_TICKETS.has(o.status) && (
        <section aria-labelledby="tickets-title">
          <h2 id="tickets-title">Tickets</h2>
          {ticketList.length === 0 ? <p>Your tickets are being issued…</p> : (
            <ul className="tickets">
              {ticketList.map((t) => (
                <li key={t.id} data-ticket-id={t.id}>
                  <p><strong>{t.label}</strong></p>
                  {t.qrImage ? (
                    // A data: URL drawn on the server; next/image adds nothing here.
                    // eslint-disable-next-line @next/next/no-img-element
                    <img src={t.qrImage} alt={`QR code of ticket ${t.label}`} width={240} height={240} />
                  ) : (
                    <p>Void ticket: no QR code.</p>
                  )}
                  <p className="meta">{money(t.price_paid_minor, o.currency)} · {t.status === "VALID" ? "valid" : "void"}{t.checked_in_at ? ` · checked in ${when(t.checked_in_at)}` : ""}</p>
                </li>
              ))}
            </ul>
          )}
        </section>
      )}
    </>
  );
}
