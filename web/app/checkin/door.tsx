"use client";
// The door: pick the session, then scan ticket after ticket. Keyboard-first (a handheld
// scanner types the code and presses Enter): Enter submits, and the field is cleared and
// focused again after every scan. The result is one big, announced line.
import { useEffect, useRef, useState } from "react";
import { checkIn, doorSessions, undoCheckIn, type DoorSession, type Outcome } from "@/lib/checkin";
import { when } from "@/lib/api";
import CameraScan from "./camera-scan";

const localTime = (iso: string) => {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "medium" });
};

export default function Door({ initialSession }: { initialSession: string }) {
  const [sessions, setSessions] = useState<DoorSession[] | null>(null);
  const [sessionId, setSessionId] = useState(initialSession);
  const [qr, setQr] = useState("");
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ outcome: Outcome; n: number } | null>(null);
  const field = useRef<HTMLInputElement>(null);
  const inFlight = useRef(false); // a scanner's second Enter must not send the code twice

  useEffect(() => {
    void doorSessions().then(({ signedOut, sessions: list }) => {
      setSessions(list);
      setSessionId((cur) => cur || list[0]?.id || "");
      if (signedOut) setResult({ outcome: { kind: "signed_out" }, n: 0 });
    });
  }, []);

  const scan = async (code: string) => {
    const value = code.trim();
    if (!value || inFlight.current) return;
    if (!sessionId) {
      setResult((r) => ({ outcome: { kind: "error", message: "Choose the session first." }, n: (r?.n ?? 0) + 1 }));
      return;
    }
    inFlight.current = true;
    setBusy(true);
    const outcome = await checkIn(value, sessionId);
    inFlight.current = false;
    setBusy(false);
    setResult((r) => ({ outcome, n: (r?.n ?? 0) + 1 }));
    // Cleared for the next ticket, unless the next code is already being typed.
    setQr((cur) => (cur.trim() === value ? "" : cur));
    field.current?.focus();
  };

  // The chosen session goes into the address too, so a reload or a bookmark keeps the door.
  const pick = (id: string) => {
    setSessionId(id);
    const url = new URL(window.location.href);
    url.searchParams.set("session_id", id);
    window.history.replaceState(null, "", url);
    field.current?.focus();
  };

  const listed = sessions?.some((s) => s.id === sessionId);
  return (
    <div className="door">
      <div className="door-session">
        <label htmlFor="door-session">Session</label>
        <select id="door-session" value={sessionId} onChange={(e) => pick(e.target.value)}>
          {!sessionId && <option value="">{sessions ? "No session to check in for" : "Loading sessions…"}</option>}
          {sessionId && !listed && <option value={sessionId}>Session {sessionId}</option>}
          {sessions?.map((s) => (
            <option key={s.id} value={s.id}>{s.event_title} · {when(s.start_time)}{s.venue ? ` · ${s.venue}` : ""}</option>
          ))}
        </select>
        {sessions?.length === 0 && !sessionId && (
          <p className="door-hint">Only the owner, admins and scanners of an organization can check its tickets in; ask the organizer to add you as a scanner.</p>
        )}
      </div>
      <form className="scan" onSubmit={(e) => { e.preventDefault(); void scan(qr); }}>
        <label htmlFor="qr">Ticket code (scan, type or paste)</label>
        <div className="scan-row">
          <input id="qr" ref={field} autoFocus autoComplete="off" autoCapitalize="off" spellCheck={false}
            value={qr} onChange={(e) => setQr(e.target.value)} aria-describedby="scan-result" />
          <button type="submit" disabled={busy || qr.trim() === ""}>Check in</button>
        </div>
      </form>
      <CameraScan onCode={(code) => void scan(code)} />
      <div id="scan-result" role="status" aria-live="assertive" aria-atomic="true"
        className={`result ${result ? `result-${result.outcome.kind}` : ""}`} data-result={result?.outcome.kind ?? ""}>
        {result ? <Result outcome={result.outcome} n={result.n} /> : <p className="result-hint">Ready to scan.</p>}
      </div>
      {result?.outcome.kind === "checked_in" && result.outcome.ticketId && (
        <Undo key={result.n} ticketId={result.outcome.ticketId} done={() => field.current?.focus()} />
      )}
    </div>
  );
}

function Result({ outcome: o, n }: { outcome: Outcome; n: number }) {
  const scanNo = <span className="result-n">Scan {n}</span>;
  switch (o.kind) {
    case "checked_in":
      return <><p className="result-title">Checked in</p><p>{[o.label, o.tier, o.holder].filter(Boolean).join(" · ")}</p>{scanNo}</>;
    case "already":
      return <><p className="result-title">Already checked in</p><p>at {localTime(o.at)}</p>{scanNo}</>;
    case "not_valid":
      return <><p className="result-title">Not valid</p><p>{o.reason}</p>{scanNo}</>;
    case "signed_out":
      return <><p className="result-title">Signed out</p><p><a href={`/auth/login?returnTo=${encodeURIComponent("/checkin" + window.location.search)}`}>Sign in</a> to check tickets in.</p></>;
    case "forbidden":
      return <><p className="result-title">Not allowed</p><p>Your account is not a scanner of this session&apos;s organization.</p></>;
    case "error":
      return <><p className="result-title">Not checked</p><p>{o.message}</p>{scanNo}</>;
  }
}

// Undo takes the last check-in back (a ticket scanned at the wrong moment); owners and admins only.
function Undo({ ticketId, done }: { ticketId: string; done: () => void }) {
  const [state, setState] = useState<"idle" | "busy" | "undone">("idle");
  const [error, setError] = useState("");
  if (state === "undone") return <p role="status" className="undo">Check-in undone: the ticket can be scanned again.</p>;
  return (
    <div className="undo">
      <button type="button" className="secondary" disabled={state === "busy"} onClick={async () => {
        setState("busy");
        const err = await undoCheckIn(ticketId);
        setError(err);
        setState(err ? "idle" : "undone");
        done();
      }}>Undo this check-in</button>
      {error && <p role="alert">{error}</p>}
    </div>
  );
}
