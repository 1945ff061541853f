import Link from "next/link";
import { notFound } from "next/navigation";
import { ApiError, getJSON, money, when, type EventDoc } from "@/lib/api";

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
