"use client";
// The approval queue: every PENDING event across organizations, oldest submission first, with
// its organization, sessions and submission time; approve, or reject with a reason (required:
// the organizer reads it). Decisions leave the queue and are listed below it.
import { useCallback, useEffect, useState } from "react";
import { call, problemText, type EventPage, type ManagedEvent, type Problem } from "@/lib/admin";
import { when } from "@/lib/api";
import AccessNotice from "./access-notice";

interface Decision { id: string; title: string; text: string }

// withSessions adds each event's sessions; an event whose details cannot be read stays as
// listed (the queue still works without them).
async function withSessions(items: ManagedEvent[]): Promise<ManagedEvent[]> {
  return Promise.all(items.map(async (e) => {
    const r = await call<ManagedEvent>("GET", `/api/v1/manage/events/${e.id}`);
    return r.ok ? { ...e, sessions: r.data.sessions } : e;
  }));
}

// A PENDING event always has a submission time; the last change stands in for the type's sake.
const submitted = (e: ManagedEvent) => e.submitted_at ?? e.updated_at;
// Oldest submission first: the longest wait is decided first.
const bySubmission = (a: ManagedEvent, b: ManagedEvent) => Date.parse(submitted(a)) - Date.parse(submitted(b));
// A season of 52 shows would bury the queue: the first few say enough to decide.
const SHOWN_SESSIONS = 5;

export default function ApprovalQueue() {
  const [events, setEvents] = useState<ManagedEvent[] | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [decisions, setDecisions] = useState<Decision[]>([]);
  const [total, setTotal] = useState(0);

  const load = useCallback(async () => {
    const r = await call<EventPage>("GET", "/api/v1/manage/events?status=PENDING&page_size=100");
    if (!r.ok) { setProblem(r.problem); return; }
    setProblem(null);
    setTotal(r.data.total);
    const items = await withSessions(r.data.items);
    items.sort(bySubmission);
    setEvents(items);
  }, []);
  useEffect(() => { void load(); }, [load]);

  const decided = (e: ManagedEvent, text: string) => {
    setEvents((list) => list?.filter((x) => x.id !== e.id) ?? null);
    setDecisions((d) => [{ id: e.id, title: e.title, text }, ...d]);
    // The decided card (and the focused button in it) is gone: keyboard users restart at the queue.
    document.getElementById("queue-title")?.focus();
  };

  if (problem && (problem.status === 401 || problem.status === 403)) {
    return <AccessNotice signedOut={problem.status === 401} returnTo="/admin" role="event_admin" />;
  }
  return (
    <section aria-labelledby="queue-title">
      <div className="toolbar">
        <h2 id="queue-title" tabIndex={-1}>Awaiting approval{events ? ` (${events.length})` : ""}</h2>
        <button type="button" onClick={() => void load()}>Refresh</button>
      </div>
      {problem && <p role="alert" className="notice notice-error">The queue cannot be read: {problemText(problem)}</p>}
      {!events && !problem && <p>Loading…</p>}
      {events?.length === 0 && <p>No event is waiting for approval.</p>}
      {events && total > events.length + decisions.length && <p className="meta">Showing the newest {events.length} of {total}: decide these, then refresh for the rest.</p>}
      <ul className="queue">
        {events?.map((e) => <li key={e.id}><QueueItem event={e} onDecided={decided} /></li>)}
      </ul>
      <div role="status" aria-live="polite">
        {decisions.length > 0 && (
          <>
            <h2>Decided just now</h2>
            <ul className="decisions">
              {decisions.map((d) => <li key={d.id} data-event-id={d.id}>{d.text}</li>)}
            </ul>
          </>
        )}
      </div>
    </section>
  );
}

function QueueItem({ event: e, onDecided }: { event: ManagedEvent; onDecided: (e: ManagedEvent, text: string) => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const [reason, setReason] = useState("");
  const titleId = `ev-${e.id}`;

  const decide = async (action: "approve" | "reject") => {
    setBusy(true);
    setError("");
    const r = await call<ManagedEvent>("POST", `/api/v1/events/${e.id}/${action}`, action === "reject" ? { reason: reason.trim() } : undefined);
    setBusy(false);
    if (!r.ok) { setError(problemText(r.problem)); return; }
    onDecided(e, action === "approve" ? `Approved “${e.title}”.` : `Rejected “${e.title}”: ${reason.trim()}`);
  };

  return (
    <article aria-labelledby={titleId} data-event-id={e.id} className="card">
      <h3 id={titleId}>{e.title}</h3>
      <p className="meta">submitted <time dateTime={submitted(e)}>{when(submitted(e))}</time></p>
      <dl className="facts">
        <dt>Organization</dt><dd>{e.organization_name}</dd>
        <dt>Sessions</dt>
        <dd>
          {e.sessions === undefined ? "not readable" : e.sessions.length === 0 ? "none" : (
            <ul>
              {e.sessions.slice(0, SHOWN_SESSIONS).map((s) => (
                <li key={s.id}>{when(s.start_time)} · {s.venue?.name ?? (s.session_type === "ONLINE" ? "online" : "no venue")} · {s.status}</li>
              ))}
              {e.sessions.length > SHOWN_SESSIONS && <li>and {e.sessions.length - SHOWN_SESSIONS} more</li>}
            </ul>
          )}
        </dd>
      </dl>
      {e.description && <p className="meta">{e.description.slice(0, 300)}</p>}
      {error && <p role="alert" className="notice notice-error">{error}</p>}
      <div className="actions">
        <button type="button" disabled={busy} onClick={() => void decide("approve")}>Approve</button>
        <details>
          <summary>Reject…</summary>
          <form onSubmit={(ev) => { ev.preventDefault(); void decide("reject"); }}>
            <label htmlFor={`reason-${e.id}`}>Reason for rejecting “{e.title}” (the organizer reads it)</label>
            <textarea id={`reason-${e.id}`} required maxLength={2000} rows={3} value={reason} onChange={(ev) => setReason(ev.target.value)} />
            <button type="submit" disabled={busy || reason.trim() === ""}>Reject</button>
          </form>
        </details>
      </div>
    </article>
  );
}
