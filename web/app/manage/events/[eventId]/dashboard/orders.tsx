"use client";
// The event's orders (GET /api/v1/sales/orders), newest first, searchable by buyer e-mail,
// order id or seat label and filterable by status and session; each opens the order's page.
import Link from "next/link";
import { useEffect, useState } from "react";
import { money, when } from "@/lib/api";
import { query } from "@/lib/manage";
import type { EventDoc, Page, SalesOrder } from "@/lib/manage-types";
import { ProblemNote } from "../../../_ui/problem";
import { StatusBadge } from "../../../_ui/status-badge";
import { useApi } from "../../../_ui/use-api";
import ui from "../../../_ui/ui.module.css";

const STATUSES = ["PENDING_PAYMENT", "PAID", "PARTIALLY_REFUNDED", "REFUNDED", "EXPIRED", "CANCELLED"];
const PAGE_SIZE = 20;

export default function Orders({ ev, register }: { ev: EventDoc; register: (reload: () => void) => void }) {
  const [draft, setDraft] = useState("");
  const [q, setQ] = useState("");
  const [status, setStatus] = useState("");
  const [session, setSession] = useState("");
  const [page, setPage] = useState(1);
  const scope = session ? { session_id: session } : { event_id: ev.id };
  const { data, problem, reload } = useApi<Page<SalesOrder>>(`/api/v1/sales/orders${query({ ...scope, status, q, page, page_size: PAGE_SIZE })}`);
  useEffect(() => register(() => void reload()), [register, reload]);
  const pages = data ? Math.max(1, Math.ceil(data.total / PAGE_SIZE)) : 1;

  return (
    <section className={ui.card} aria-labelledby="orders-h">
      <h2 id="orders-h">Orders {data ? <span className={ui.muted}>({data.total})</span> : null}</h2>
      <form className={ui.inline} role="search" onSubmit={(e) => { e.preventDefault(); setQ(draft.trim()); setPage(1); }}>
        <label>
          Search
          <input type="search" value={draft} onChange={(e) => setDraft(e.target.value)} placeholder="e-mail, order id, seat" maxLength={200} />
        </label>
        <label>
          Status
          <select value={status} onChange={(e) => { setStatus(e.target.value); setPage(1); }}>
            <option value="">Any</option>
            {STATUSES.map((x) => <option key={x} value={x}>{x.replace(/_/g, " ").toLowerCase()}</option>)}
          </select>
        </label>
        <label>
          Session
          <select value={session} onChange={(e) => { setSession(e.target.value); setPage(1); }}>
            <option value="">All sessions</option>
            {ev.sessions.map((x) => <option key={x.id} value={x.id}>{when(x.start_time)}</option>)}
          </select>
        </label>
        <button className={ui.secondary}>Search</button>
      </form>
      <ProblemNote problem={problem} action="see this event's orders" />
      <div className={ui.scroll}>
        <table className={ui.table} data-testid="orders-table">
          <thead>
            <tr><th scope="col">Order</th><th scope="col">Status</th><th scope="col">Buyer</th><th scope="col">Tickets</th><th scope="col">Total</th><th scope="col">Refunded</th><th scope="col">Created</th></tr>
          </thead>
          <tbody>
            {data?.items.map((o) => (
              <tr key={o.id} data-order-id={o.id}>
                <td><Link href={`/manage/orders/${o.id}`}>{o.id.slice(0, 8)}</Link></td>
                <td><StatusBadge status={o.status} /></td>
                <td>{o.buyer_email}</td>
                <td>{o.lines.map((l) => l.label).join(", ")}</td>
                <td>{money(o.total_minor, o.currency)}</td>
                <td>{o.refunded_minor ? money(o.refunded_minor, o.currency) : ""}</td>
                <td>{when(o.created_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {data && data.items.length === 0 && <p className={ui.muted}>No orders match.</p>}
      {pages > 1 && (
        <nav aria-label="Pages of orders" className={ui.inline}>
          <button className={ui.secondary} disabled={page <= 1} onClick={() => setPage(page - 1)}>Previous</button>
          <span>Page {page} of {pages}</span>
          <button className={ui.secondary} disabled={page >= pages} onClick={() => setPage(page + 1)}>Next</button>
        </nav>
      )}
    </section>
  );
}
