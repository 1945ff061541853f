"use client";
// /manage/events/{id}/dashboard: the event's sales live — figures per session and tier as
// charts (GET /api/v1/sales/summary), the checkout feed (newest first), and the orders list.
// Every checkout on the feed re-reads the figures, so a sale shows up without a reload.
import Link from "next/link";
import { use, useCallback, useRef } from "react";
import { money, when } from "@/lib/api";
import type { Checkout, EventDoc, SalesSummary } from "@/lib/manage-types";
import BarChart from "../../../_ui/bar-chart";
import { ProblemNote } from "../../../_ui/problem";
import { StatusBadge } from "../../../_ui/status-badge";
import { useApi } from "../../../_ui/use-api";
import ui from "../../../_ui/ui.module.css";
import s from "./dashboard.module.css";
import { useCheckouts } from "./use-checkouts";
import Orders from "./orders";
import { useOrderCounts } from "./use-order-counts";

const FEED_TEXT = { connecting: "Connecting to the live feed…", live: "Live", reconnecting: "Reconnecting…", closed: "Live feed unavailable: trying again…" };

export default function Dashboard({ params }: { params: Promise<{ eventId: string }> }) {
  const { eventId } = use(params);
  const ev = useApi<EventDoc>(`/api/v1/manage/events/${eventId}`);
  const summary = useApi<SalesSummary>(`/api/v1/sales/summary?event_id=${eventId}`);
  const orderCounts = useOrderCounts(ev.data?.sessions.map((x) => x.id) ?? []);
  const ordersReload = useRef<() => void>(() => {});
  const registerOrders = useCallback((f: () => void) => {
    ordersReload.current = f;
  }, []);
  // Bursts of checkouts are coalesced into one re-read.
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const refresh = useCallback((_: Checkout | null) => {
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(() => {
      void summary.reload();
      void orderCounts.reload();
      ordersReload.current();
    }, 250);
  }, [summary.reload, orderCounts.reload]);
  const { state, feed } = useCheckouts(eventId, refresh);

  const sum = summary.data;
  const currency = sum?.currency || ev.data?.tiers[0]?.currency || "EUR";
  const fmt = (v: number) => money(v, currency);
  const sessionName = (id: string) => {
    const x = ev.data?.sessions.find((y) => y.id === id);
    return x ? new Date(x.start_time).toISOString().slice(0, 16).replace("T", " ") : id.slice(0, 8);
  };
  const tierName = (id: string) => ev.data?.tiers.find((t) => t.id === id)?.name ?? id.slice(0, 8);
  const tierColour = (id: string) => ev.data?.tiers.find((t) => t.id === id)?.colour;
  // Every tier of the event is charted, those without sales at 0.
  const tiers = new Map<string, { sold: number; revenue: number }>((ev.data?.tiers ?? []).map((t) => [t.id, { sold: 0, revenue: 0 }]));
  for (const x of sum?.sessions ?? []) for (const t of x.tiers) {
    const a = tiers.get(t.tier_id) ?? { sold: 0, revenue: 0 };
    tiers.set(t.tier_id, { sold: a.sold + t.sold, revenue: a.revenue + t.revenue_minor });
  }
  const total = (k: "sold" | "held" | "revenue_minor" | "refunded_minor") => (sum?.sessions ?? []).reduce((n, x) => n + x[k], 0);

  return (
    <>
      <nav aria-label="Breadcrumb" className={ui.nav}>
        <Link href="/manage">Manage</Link>
        <Link href={`/manage/events/${eventId}`}>Edit event</Link>
        {/* A plain link: the browser's cookie goes with it and the proxy adds the token. */}
        <a href={`/api/v1/sales/attendees.csv?event_id=${eventId}`} download={`attendees-${eventId}.csv`}>Attendees (CSV)</a>
      </nav>
      <h1>{ev.data?.title ?? "Event"} · dashboard</h1>
      <ProblemNote problem={ev.problem ?? summary.problem} action="see this event's sales" />
      <p className={s.live} data-testid="feed-state" data-state={state} role="status">{FEED_TEXT[state]}</p>
      {sum && (
        <dl className={s.kpis}>
          <div><dt>Tickets sold</dt><dd data-testid="total-sold">{total("sold")}</dd></div>
          <div><dt>Held now</dt><dd data-testid="total-held">{total("held")}</dd></div>
          <div><dt>Revenue</dt><dd data-testid="total-revenue">{fmt(total("revenue_minor"))}</dd></div>
          <div><dt>Refunded</dt><dd>{fmt(total("refunded_minor"))}</dd></div>
        </dl>
      )}
      {sum && (
        <div className={s.charts}>
          <BarChart testId="chart-orders-session" title="Paid orders per session" bars={sum.sessions.map((x) => ({ label: sessionName(x.session_id), value: orderCounts.counts.get(x.session_id) ?? 0, colour: "#0891B2" }))} />
          <BarChart testId="chart-sold-session" title="Tickets sold per session" bars={sum.sessions.map((x) => ({ label: sessionName(x.session_id), value: x.sold }))} />
          <BarChart testId="chart-revenue-session" title="Revenue per session" format={fmt} bars={sum.sessions.map((x) => ({ label: sessionName(x.session_id), value: x.revenue_minor, colour: "#059669" }))} />
          <BarChart testId="chart-sold-tier" title="Tickets sold per tier" bars={[...tiers].map(([id, t]) => ({ label: tierName(id), value: t.sold, colour: tierColour(id) }))} />
          <BarChart testId="chart-revenue-tier" title="Revenue per tier" format={fmt} bars={[...tiers].map(([id, t]) => ({ label: tierName(id), value: t.revenue, colour: tierColour(id) }))} />
        </div>
      )}
      <section className={ui.card} aria-labelledby="feed-h">
        <h2 id="feed-h">Live checkouts</h2>
        {feed.length === 0 && <p className={ui.muted}>No checkouts since you opened this page.</p>}
        <ol className={s.feed} data-testid="checkout-feed" aria-live="polite">
          {feed.map((c, i) => (
            <li key={`${c.order_id}-${c.status}-${i}`} data-order-id={c.order_id}>
              <StatusBadge status={c.status} />
              <span>{money(c.total_minor, c.currency)}</span>
              <span className={ui.muted}>{sessionName(c.session_id)}</span>
              <span className={ui.muted}>{when(c.paid_at ?? c.created_at)}</span>
              <Link href={`/manage/orders/${c.order_id}`}>Order {c.order_id.slice(0, 8)}</Link>
            </li>
          ))}
        </ol>
      </section>
      {ev.data && <Orders ev={ev.data} register={registerOrders} />}
    </>
  );
}
