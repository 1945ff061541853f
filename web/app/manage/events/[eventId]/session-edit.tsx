"use client";
// Editing a session (PATCH /api/v1/sessions/{id}): times, venue or online link. Only changed
// fields are sent; the session type cannot change. The API refuses it once CLOSED or CANCELLED.
import { useState } from "react";
import { api, fromLocalInput, type Problem } from "@/lib/manage";
import type { Session } from "@/lib/manage-types";
import { FieldNote, ProblemNote } from "../../_ui/problem";
import s from "../../_ui/ui.module.css";

const local = (iso: string) => iso.slice(0, 16);

export default function SessionEdit({ session: x, onDone }: { session: Session; onDone: (changed: boolean) => Promise<void> }) {
  const [f, setF] = useState({
    start: local(x.start_time), end: local(x.end_time), salesStart: local(x.sales_start_time), salesEnd: local(x.sales_end_time),
    venue: x.venue?.name ?? "", address: x.venue?.address ?? "", link: x.online_link,
  });
  const [problem, setProblem] = useState<Problem | null>(null);
  const set = (k: keyof typeof f) => (e: React.ChangeEvent<HTMLInputElement>) => setF({ ...f, [k]: e.target.value });
  const id = (k: string) => `se-${x.id}-${k}`;

  async function save(e: React.FormEvent) {
    e.preventDefault();
    const patch: Record<string, unknown> = {};
    const times: [keyof typeof f, string, string][] = [
      ["start", "start_time", x.start_time], ["end", "end_time", x.end_time],
      ["salesStart", "sales_start_time", x.sales_start_time], ["salesEnd", "sales_end_time", x.sales_end_time],
    ];
    for (const [k, field, was] of times) if (f[k] !== local(was)) patch[field] = fromLocalInput(f[k]);
    if (x.session_type === "PHYSICAL" && x.venue && (f.venue !== x.venue.name || f.address !== x.venue.address)) {
      patch.venue = { ...x.venue, name: f.venue, address: f.address };
    }
    if (x.session_type === "ONLINE" && f.link !== x.online_link) patch.online_link = f.link;
    if (Object.keys(patch).length === 0) return onDone(false);
    const r = await api<Session>("PATCH", `/api/v1/sessions/${x.id}`, patch);
    if (!r.ok) return setProblem(r.problem);
    await onDone(true);
  }

  const input = (k: keyof typeof f, label: string, field: string, type = "datetime-local") => (
    <label>
      {label}
      <input type={type} value={f[k]} onChange={set(k)} required={k !== "salesEnd"} aria-describedby={id(k)} />
      <FieldNote problem={problem} field={field} id={id(k)} />
    </label>
  );

  return (
    <form className={`${s.form} ${s.full}`} onSubmit={save} aria-label="Edit the session">
      {x.session_type === "PHYSICAL" ? (
        <div className={s.inline}>
          {input("venue", "Venue name", "venue.name", "text")}
          {input("address", "Address", "venue.address", "text")}
        </div>
      ) : (
        input("link", "Online link", "online_link", "url")
      )}
      <div className={s.inline}>
        {input("start", "Starts (UTC)", "start_time")}
        {input("end", "Ends (UTC)", "end_time")}
        {input("salesStart", "Sales start (UTC)", "sales_start_time")}
        {input("salesEnd", "Sales end (UTC)", "sales_end_time")}
      </div>
      <div className={s.inline}>
        <button className={s.button}>Save session</button>
        <button type="button" className={s.secondary} onClick={() => void onDone(false)}>Close</button>
      </div>
      <ProblemNote problem={problem} action="change this session" />
    </form>
  );
}
