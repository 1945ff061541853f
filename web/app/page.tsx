import Link from "next/link";
import { getJSON, money, when, type EventItem } from "@/lib/api";

export const dynamic = "force-dynamic";

export default async function Home({ searchParams }: { searchParams: Promise<{ q?: string }> }) {
  const { q = "" } = await searchParams;
  let items: EventItem[] = [];
  let failed = false;
  try {
    items = (await getJSON<{ items: EventItem[] }>(`/api/v1/events?q=${encodeURIComponent(q)}&page_size=50`)).items;
  } catch {
    failed = true;
  }
  return (
    <>
      <h1>Ticketly</h1>
      <p>Find an event, then pick your seats on a live map.</p>
      <form role="search" action="/" method="get" className="search">
        <label htmlFor="q">Search events</label>
        <input id="q" name="q" type="search" defaultValue={q} placeholder="Artist, event, venue…" />
        <button type="submit">Search</button>
      </form>
      {failed && <p role="alert">Events cannot be listed right now.</p>}
      {!failed && items.length === 0 && <p>No events found.</p>}
      <ul className="events">
        {items.map((e) => (
          <li key={e.id}>
            <Link href={`/events/${e.id}`}><strong>{e.title}</strong></Link>
            <div className="meta">
              {[e.organization_name, e.category_name].filter(Boolean).join(" · ")}
              {e.next_session && <> · {when(e.next_session.start_time)}{e.next_session.venue_name ? `, ${e.next_session.venue_name}` : ""}</>}
              {e.starting_price_minor !== undefined && <> · from {money(e.starting_price_minor, e.currency)}</>}
            </div>
          </li>
        ))}
      </ul>
    </>
  );
}
