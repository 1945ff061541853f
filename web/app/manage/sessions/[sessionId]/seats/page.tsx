"use client";
// /manage/sessions/{id}/seats: block and unblock seats on a map of the session. Once sales are
// open, blocks go through the order service (POST /sessions/{id}/blocks|unblocks), which knows
// holds and sales; before that they are part of the layout (PUT /sessions/{id}/layout with
// blocked_seat_ids). Seat states come from the public seat read once the event is published.
import Link from "next/link";
import { use, useMemo, useState } from "react";
import { when } from "@/lib/api";
import { api, type Problem } from "@/lib/manage";
import { fromLayout, toSpec } from "@/lib/manage-layout";
import type { Session, SeatsDoc } from "@/lib/manage-types";
import { ProblemNote } from "../../../_ui/problem";
import { useApi } from "../../../_ui/use-api";
import ui from "../../../_ui/ui.module.css";
import s from "./seats.module.css";

const LIVE = ["ON_SALE", "SOLD_OUT"];

export default function SeatBlocks({ params }: { params: Promise<{ sessionId: string }> }) {
  const { sessionId } = use(params);
  const session = useApi<Session>(`/api/v1/manage/sessions/${sessionId}`);
  const seats = useApi<SeatsDoc>(`/api/v1/sessions/${sessionId}/seats`);
  const [picked, setPicked] = useState<Set<string>>(new Set());
  const [problem, setProblem] = useState<Problem | null>(null);
  const [note, setNote] = useState("");

  const status = useMemo(() => {
    const m = new Map<string, string>();
    for (const x of seats.data?.seats ?? []) m.set(x.id, x.status);
    for (const id of session.data?.layout.blocked_seat_ids ?? []) m.set(id, "BLOCKED");
    return m;
  }, [seats.data, session.data]);

  // The map waits for the seat states too (a 404 before the event is published is fine).
  if (!session.data || seats.loading) return <><h1>Seat blocks</h1><ProblemNote problem={session.problem} action="block seats of this session" /></>;
  const x = session.data;
  const live = LIVE.includes(x.status);

  async function change(block: boolean) {
    const ids = [...picked];
    if (ids.length === 0) return;
    let r;
    if (live) {
      r = await api<{ seat_ids: string[] }>("POST", `/api/v1/sessions/${x.id}/${block ? "blocks" : "unblocks"}`, { seat_ids: ids });
    } else {
      const now = new Set(x.layout.blocked_seat_ids);
      for (const id of ids) if (block) now.add(id); else now.delete(id);
      r = await api<Session>("PUT", `/api/v1/sessions/${x.id}/layout`, { blocks: toSpec(fromLayout(x.layout)), blocked_seat_ids: [...now] });
    }
    if (!r.ok) return setProblem(r.problem);
    setProblem(null);
    setPicked(new Set());
    setNote(`${ids.length} seat${ids.length > 1 ? "s" : ""} ${block ? "blocked" : "unblocked"}.`);
    await Promise.all([session.reload(), seats.reload()]);
  }

  function toggle(id: string) {
    const n = new Set(picked);
    if (n.has(id)) n.delete(id); else n.add(id);
    setPicked(n);
  }

  return (
    <>
      <nav aria-label="Breadcrumb" className={ui.nav}>
        <Link href="/manage">Manage</Link>
        <Link href={`/manage/events/${x.event_id}`}>Event</Link>
      </nav>
      <h1>Seat blocks · {when(x.start_time)}</h1>
      <p className={ui.muted}>
        Blocked seats are never sold. {live ? "Sales are open: held or sold seats cannot be blocked." : "Sales are not open yet: blocks are saved in the layout."}
      </p>
      <div className={ui.inline}>
        <button className={ui.danger} onClick={() => change(true)} disabled={picked.size === 0}>Block {picked.size} selected</button>
        <button className={ui.secondary} onClick={() => change(false)} disabled={picked.size === 0}>Unblock {picked.size} selected</button>
      </div>
      <p role="status" className={ui.muted}>{note}</p>
      <ProblemNote problem={problem} action="block seats" />
      <ul className={s.legend} aria-label="Legend">
        <li><span className={s.seat} data-status="AVAILABLE" aria-hidden="true" /> available</li>
        <li><span className={s.seat} data-status="LOCKED" aria-hidden="true" /> held</li>
        <li><span className={s.seat} data-status="BOOKED" aria-hidden="true" /> sold</li>
        <li><span className={s.seat} data-status="BLOCKED" aria-hidden="true" /> blocked</li>
        <li><span className={s.seat} data-picked="true" aria-hidden="true" /> selected</li>
      </ul>
      <div className={s.map}>
        {x.layout.blocks.filter((b) => b.type === "seated_grid").map((b) => (
          <section key={b.id} className={s.block} aria-label={b.name}>
            <h2>{b.name}</h2>
            {b.rows?.map((r) => (
              <div key={r.label} className={s.row}>
                <span className={s.rowLabel} aria-hidden="true">{r.label}</span>
                {r.seats.map((seat) => {
                  const st = status.get(seat.id) ?? "AVAILABLE";
                  return (
                    <button
                      key={seat.id}
                      type="button"
                      className={s.seat}
                      data-seat-id={seat.id}
                      data-status={st}
                      aria-pressed={picked.has(seat.id)}
                      aria-label={`${seat.label}, ${st.toLowerCase()}`}
                      onClick={() => toggle(seat.id)}
                    />
                  );
                })}
              </div>
            ))}
          </section>
        ))}
        {x.layout.blocks.every((b) => b.type !== "seated_grid") && <p className={ui.muted}>This layout has no seats.</p>}
      </div>
    </>
  );
}
