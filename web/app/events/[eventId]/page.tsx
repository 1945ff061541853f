import Link from "next/link";
import { notFound } from "next/navigation";
import { ApiError, getJSON, money, when, type Discount, type EventDoc, type SessionSummary } from "@/lib/api";
import { subscriptionOf, type FollowKind, type Subscription } from "@/lib/follow";
import { apiFetch, getSession } from "@/lib/session";
import FollowButton from "./follow-button";
import { browsable, statusWords } from "./session-words";
import s from "./event.module.css";

// The event document as this page reads it: the organization's id is needed to follow it.
type PageEvent = Omit<EventDoc, "organization" | "sessions"> & { organization?: { id?: string; name?: string } | null; sessions: (SessionSummary & { sales_start_time?: string })[] };

// offer says what a public discount gives, in the event's currency.
function offer(d: Discount, currency: string): string {
  const what =
    d.kind === "PERCENTAGE" && d.percent ? `${d.percent} % off` :
    d.kind === "FLAT_OFF" && d.amount_minor ? `${money(d.amount_minor, currency)} off` :
    d.kind === "BUY_N_GET_N_FREE" && d.buy && d.get ? `buy ${d.buy}, get ${d.get} free` : "a discount";
  return d.min_spend_minor ? `${what} when you spend ${money(d.min_spend_minor, currency)} or more` : what;
}

// followed reads what the signed-in user follows; null (unknown) when the scheduler cannot say,
// and the buttons then start as "Follow" (following again answers 200 with the same one).
async function followed(): Promise<Subscription[] | null> {
  try {
    const res = await apiFetch("/api/v1/subscriptions");
    return res.ok ? ((await res.json()) as { items: Subscription[] }).items : null;
  } catch {
    return null;
  }
}

export const dynamic = "force-dynamic";

export default async function EventPage({ params }: { params: Promise<{ eventId: string }> }) {
  const { eventId } = await params;
  let ev: PageEvent;
  try {
    ev = await getJSON<PageEvent>(`/api/v1/events/${encodeURIComponent(eventId)}`);
  } catch (e) {
    if (e instanceof ApiError && (e.status === 404 || e.status === 400)) notFound();
    throw e;
  }
  const session = await getSession();
  const subs = session ? (await followed()) ?? [] : [];
  const follow = (kind: FollowKind, id: string, label: string) =>
    session ? (
      <FollowButton kind={kind} id={id} label={label} initial={subscriptionOf(subs, kind, id)} />
    ) : (
      <a href={`/auth/login?returnTo=${encodeURIComponent(`/events/${ev.id}`)}`}>Sign in to follow</a>
    );
  const orgId = ev.organization?.id;
  return (
    <>
      <div className={s.heading}>
        <h1>{ev.title}</h1>
        {follow("event", ev.id, ev.title)}
      </div>
      <p className={`meta ${s.line}`}>
        {ev.organization?.name && <span>By {ev.organization.name}</span>}
        {orgId && ev.organization?.name && session && follow("organization", orgId, ev.organization.name)}
        {ev.category?.name && <span>{ev.category.name}</span>}
      </p>
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
      {ev.sessions.length === 0 && <p>No sessions are planned yet.</p>}
      <ul className={s.sessions}>
        {ev.sessions.map((x) => (
          <li key={x.id} data-session-id={x.id}>
            <span className={s.line}>
              {browsable(x.status) ? (
                <Link href={`/events/${ev.id}/sessions/${x.id}`}>{when(x.start_time)}</Link>
              ) : (
                <strong>{when(x.start_time)}</strong>
              )}
              <span className={`status status-${x.status}`}>{statusWords(x.status, x.sales_start_time)}</span>
            </span>
            <span className="meta">
              {x.venue?.name ? [x.venue.name, x.venue.address].filter(Boolean).join(", ") : "Online"}
            </span>
            {session && x.status !== "CANCELLED" && <span>{follow("session", x.id, `the session of ${when(x.start_time)}`)}</span>}
          </li>
        ))}
      </ul>
    </>
  );
}
