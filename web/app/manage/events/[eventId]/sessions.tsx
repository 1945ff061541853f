"use client";
// Step 3: sessions (venue with address, or online), each with its layout designer, seat blocks
// and cancellation. Times are entered and shown in UTC, as the API keeps them.
import Link from "next/link";
import { useState } from "react";
import { when } from "@/lib/api";
import { api, fromLocalInput, type Problem } from "@/lib/manage";
import type { EventDoc, Session } from "@/lib/manage-types";
import { seatCount, fromLayout } from "@/lib/manage-layout";
import { FieldNote, ProblemNote } from "../../_ui/problem";
import { StatusBadge } from "../../_ui/status-badge";
import SessionEdit from "./session-edit";
import s from "../../_ui/ui.module.css";

const CANCELLABLE = ["SCHEDULED", "ON_SALE", "SOLD_OUT"];
const EDITABLE = CANCELLABLE;

export default function Sessions({ ev, onChange, readOnly = false }: { ev: EventDoc; onChange: () => Promise<void>; readOnly?: boolean }) {
  const [problem, setProblem] = useState<Problem | null>(null);
  const [note, setNote] = useState("");
  const [editing, setEditing] = useState<string | null>(null);

  async function cancel(x: Session) {
    const ok = window.confirm(
      `Cancel the session of ${when(x.start_time)}?\n\nEvery paid order of this session will be refunded in full, its tickets voided, ` +
        `pending orders cancelled and each buyer told by e-mail. This cannot be undone.`,
    );
    if (!ok) return;
    const r = await api<Session>("POST", `/api/v1/sessions/${x.id}/cancel`);
    setProblem(r.ok ? null : r.problem);
    setNote(r.ok ? "Session cancelled: its paid orders are being refunded." : "");
    await onChange();
  }

  return (
    <section className={s.card} aria-labelledby="sessions-h">
      <h2 id="sessions-h">3. Sessions and layouts</h2>
      {ev.sessions.length === 0 && <p className={s.muted}>No sessions yet.</p>}
      <ul className={s.list} data-testid="sessions">
        {ev.sessions.map((x) => (
          <li key={x.id} data-session-id={x.id}>
            <strong>{when(x.start_time)}</strong>
            <StatusBadge status={x.status} />
            <span>{x.session_type === "ONLINE" ? `Online: ${x.online_link}` : `${x.venue?.name ?? ""}, ${x.venue?.address ?? ""}`}</span>
            <span className={s.muted}>{seatCount(fromLayout(x.layout))} places in {x.layout.blocks.length} blocks</span>
            {!readOnly && EDITABLE.includes(x.status) && (
              <button className={s.secondary} aria-expanded={editing === x.id} onClick={() => setEditing(editing === x.id ? null : x.id)}>
                Edit<span className={s.srOnly}> the session of {when(x.start_time)}</span>
              </button>
            )}
            {!readOnly && <Link href={`/manage/sessions/${x.id}/layout`}>Design layout</Link>}
            {!readOnly && <Link href={`/manage/sessions/${x.id}/seats`}>Block seats</Link>}
            {!readOnly && CANCELLABLE.includes(x.status) && (
              <button className={s.danger} onClick={() => cancel(x)}>Cancel session<span className={s.srOnly}> of {when(x.start_time)}</span></button>
            )}
            {editing === x.id && (
              <SessionEdit
                session={x}
                onDone={async (changed) => {
                  setEditing(null);
                  if (changed) {
                    setNote("Session saved.");
                    await onChange();
                  }
                }}
              />
            )}
          </li>
        ))}
      </ul>
      <p role="status" className={s.muted}>{note}</p>
      <ProblemNote problem={problem} action="cancel this session" />
      {!readOnly && <NewSession eventId={ev.id} onCreated={onChange} />}
    </section>
  );
}

function NewSession({ eventId, onCreated }: { eventId: string; onCreated: () => Promise<void> }) {
  const [type, setType] = useState<"PHYSICAL" | "ONLINE">("PHYSICAL");
  const empty = { start: "", end: "", salesStart: "", salesEnd: "", venue: "", address: "", lat: "", lng: "", link: "" };
  const [f, setF] = useState(empty);
  const [problem, setProblem] = useState<Problem | null>(null);
  const set = (k: keyof typeof f) => (e: React.ChangeEvent<HTMLInputElement>) => setF({ ...f, [k]: e.target.value });

  async function create(e: React.FormEvent) {
    e.preventDefault();
    const body: Record<string, unknown> = {
      session_type: type, start_time: fromLocalInput(f.start), end_time: fromLocalInput(f.end),
      sales_start_time: fromLocalInput(f.salesStart),
    };
    if (f.salesEnd) body.sales_end_time = fromLocalInput(f.salesEnd);
    if (type === "PHYSICAL") body.venue = { name: f.venue, address: f.address, latitude: Number(f.lat || 0), longitude: Number(f.lng || 0) };
    else body.online_link = f.link;
    const r = await api<Session>("POST", `/api/v1/events/${eventId}/sessions`, body);
    if (!r.ok) return setProblem(r.problem);
    setProblem(null);
    setF(empty);
    await onCreated();
  }

  const field = (k: keyof typeof f, label: string, api: string, type = "datetime-local", extra: React.InputHTMLAttributes<HTMLInputElement> = {}) => (
    <label>
      {label}
      <input type={type} name={k} value={f[k]} onChange={set(k)} aria-describedby={`s-${k}-err`} {...extra} />
      <FieldNote problem={problem} field={api} id={`s-${k}-err`} />
    </label>
  );

  return (
    <form className={s.form} onSubmit={create} aria-labelledby="new-session-h" style={{ marginTop: "1rem" }}>
      <h3 id="new-session-h">Add a session</h3>
      <fieldset className={s.fieldset}>
        <legend>Where</legend>
        <label className={s.choice}><input type="radio" name="stype" checked={type === "PHYSICAL"} onChange={() => setType("PHYSICAL")} /> At a venue</label>
        <label className={s.choice}><input type="radio" name="stype" checked={type === "ONLINE"} onChange={() => setType("ONLINE")} /> Online</label>
      </fieldset>
      {type === "PHYSICAL" ? (
        <>
          {field("venue", "Venue name", "venue.name", "text", { required: true, maxLength: 200 })}
          {field("address", "Address", "venue.address", "text", { required: true, maxLength: 500 })}
          <div className={s.inline}>
            {field("lat", "Latitude", "venue.latitude", "number", { step: "any", min: -90, max: 90 })}
            {field("lng", "Longitude", "venue.longitude", "number", { step: "any", min: -180, max: 180 })}
          </div>
        </>
      ) : (
        field("link", "Online link", "online_link", "url", { required: true })
      )}
      <div className={s.inline}>
        {field("start", "Starts (UTC)", "start_time", "datetime-local", { required: true })}
        {field("end", "Ends (UTC)", "end_time", "datetime-local", { required: true })}
      </div>
      <div className={s.inline}>
        {field("salesStart", "Sales start (UTC)", "sales_start_time", "datetime-local", { required: true })}
        {field("salesEnd", "Sales end (UTC, optional: the start)", "sales_end_time")}
      </div>
      <div><button className={s.button}>Add session</button></div>
      <ProblemNote problem={problem} action="add sessions" />
    </form>
  );
}
