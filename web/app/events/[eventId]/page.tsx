import Link from "next/link";
import { notFound } from "next/navigation";
import { ApiError, getJSON, money, when, type Discount, type EventDoc } from "@/lib/api";

// offer says what a public discount gives, in the event's currency.
function offer(d: Discount, currency: string): string {
  const what =
    d.kind === "PERCENTAGE" && d.percent ? `${d.percent} % off` :
    d.kind === "FLAT_OFF" && d.amount_minor ? `${money(d.amount_minor, currency)} off` :
    d.kind === "BUY_N_GET_N_FREE" && d.buy && d.get ? `buy ${d.buy}, get ${d.get} free` : "a discount";
  return d.min_spend_minor ? `${what} when you spend ${money(d.min_spend_minor, currency)} or more` : what;
}

export const dynamic = "force-dynamic";

export default async function EventPage({ params }: { params: Promise<{ eventId: string }> }) {
  const { eventId } = await params;
  let ev: EventDoc;
  try {
    ev = await getJSON<EventDoc>(`/api/v1/events/${encodeURIComponent(eventId)}`);
  } catch (e) {
    if (e instanceof ApiError && (e.status === 404 || e.status === 400)) notFound();
    throw e;
  }
  return (
    <>
      <h1>{ev.title}</h1>
      <p className="meta">{[ev.organization?.name, ev.category?.name].filter(Boolean).join(" · ")}</p>
      {ev.description && <p>{ev.description}</p>}
      <h2>Tickets</h2>
      <ul className="tiers">
        {ev.tiers.map((t) => (
          <li key={t.id}>
            <span className="swatch" style={{ background: t.colour }} aria-hidden="true" /> {t.name}: {money(t.price_minor, t.currency)}
          </li>
        ))}
      </ul>
      {(ev.discounts?.length ?? 0) > 0 && (
        <>
          <h2>Offers</h2>
          <ul className="tiers">
            {ev.discounts!.map((d) => (
              <li key={d.code}>Code <code>{d.code}</code>: {offer(d, ev.tiers[0]?.currency ?? "EUR")}</li>
            ))}
          </ul>
        </>
      )}
      <h2>Sessions</h2>
      <ul className="sessions">
        {ev.sessions.map((s) => (
          <li key={s.id}>
            <Link href={`/events/${ev.id}/sessions/${s.id}`}>{when(s.start_time)}</Link>
            {s.venue?.name ? ` · ${s.venue.name}` : ""} · <span className={`status status-${s.status}`}>{s.status.replace(/_/g, " ").toLowerCase()}</span>
          </li>
        ))}
      </ul>
    </>
  );
}
