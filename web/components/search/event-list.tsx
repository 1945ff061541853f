// A list of events as search and trending answer them; every item links to its event page.
import Link from "next/link";
import { money, when, type EventItem } from "@/lib/api";
import s from "./search.module.css";

export default function EventList({ items, label }: { items: EventItem[]; label: string }) {
  return (
    <ul className={s.events} aria-label={label}>
      {items.map((e) => (
        <li key={e.id} data-event-id={e.id}>
          <Link href={`/events/${e.id}`}><strong>{e.title}</strong></Link>
          <div className="meta">
            {[e.organization_name, e.category_name].filter(Boolean).join(" · ")}
            {e.next_session && <> · {when(e.next_session.start_time)}{`, ${e.next_session.venue_name || "Online"}`}</>}
            {e.currency && <> · from {money(e.starting_price_minor, e.currency)}</>}
          </div>
        </li>
      ))}
    </ul>
  );
}
