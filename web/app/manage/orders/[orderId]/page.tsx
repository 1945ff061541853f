"use client";
// /manage/orders/{id}: one order as its organizer sees it (GET /api/v1/sales/orders/{id}):
// lines with their tickets, refunds so far, and a refund form.
import Link from "next/link";
import { use } from "react";
import { money, when } from "@/lib/api";
import type { SalesOrder } from "@/lib/manage-types";
import { ProblemNote } from "../../_ui/problem";
import { StatusBadge } from "../../_ui/status-badge";
import { useApi } from "../../_ui/use-api";
import ui from "../../_ui/ui.module.css";
import Refund from "./refund";

export default function OrderPage({ params }: { params: Promise<{ orderId: string }> }) {
  const { orderId } = use(params);
  const { data: o, problem, reload } = useApi<SalesOrder>(`/api/v1/sales/orders/${orderId}`);
  return (
    <>
      <nav aria-label="Breadcrumb" className={ui.nav}>
        <Link href="/manage">Manage</Link>
        {o && <Link href={`/manage/events/${o.event_id}/dashboard`}>Dashboard</Link>}
      </nav>
      <h1>Order {orderId.slice(0, 8)}</h1>
      <ProblemNote problem={problem} action="see this order" />
      {o && (
        <>
          <section className={ui.card} aria-labelledby="summary-h">
            <h2 id="summary-h">Summary</h2>
            <dl className={ui.facts}>
              <dt>Status</dt><dd><StatusBadge status={o.status} /> {o.status_reason && <span className={ui.muted}>{o.status_reason}</span>}</dd>
              <dt>Buyer</dt><dd>{o.buyer_email}</dd>
              <dt>Total</dt>
              <dd>
                {money(o.total_minor, o.currency)}
                {o.discount_minor > 0 && <span className={ui.muted}> ({money(o.subtotal_minor, o.currency)} less {money(o.discount_minor, o.currency)} with {o.discount_code})</span>}
              </dd>
              <dt>Refunded</dt><dd data-testid="refunded">{money(o.refunded_minor, o.currency)}</dd>
              <dt>Created</dt><dd>{when(o.created_at)}{o.paid_at ? `, paid ${when(o.paid_at)}` : ""}</dd>
            </dl>
          </section>
          <section className={ui.card} aria-labelledby="lines-h">
            <h2 id="lines-h">Tickets</h2>
            <div className={ui.scroll}>
              <table className={ui.table}>
                <thead><tr><th scope="col">Place</th><th scope="col">Block</th><th scope="col">Price</th><th scope="col">Paid</th><th scope="col">Ticket</th><th scope="col">Checked in</th></tr></thead>
                <tbody>
                  {o.lines.map((l, i) => (
                    <tr key={l.ticket_id ?? `${l.label}-${i}`}>
                      <td>{l.label}</td>
                      <td>{l.block_id}</td>
                      <td>{money(l.price_minor, o.currency)}</td>
                      <td>{money(l.price_paid_minor, o.currency)}</td>
                      <td>{l.ticket_status ?? "not issued"}</td>
                      <td>{l.checked_in_at ? when(l.checked_in_at) : ""}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            {o.refunds.length > 0 && (
              <>
                <h3>Refunds</h3>
                <ul className={ui.list}>
                  {o.refunds.map((r) => <li key={r.id}>{money(r.amount_minor, o.currency)} <span className={ui.muted}>{when(r.created_at)} · {r.reason}</span></li>)}
                </ul>
              </>
            )}
          </section>
          <Refund order={o} onDone={reload} />
        </>
      )}
    </>
  );
}
