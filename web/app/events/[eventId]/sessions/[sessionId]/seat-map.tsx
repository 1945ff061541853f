"use client";
// The seat map: seated blocks as grids of seat buttons, standing blocks with their places
// left, other blocks (stage) as labels; kept live from the session's SSE stream (SPEC
// section 3): a `snapshot` on (re)connect, then `seats` and `standing` changes. EventSource
// resumes with Last-Event-ID by itself after a drop.
//
// Light at 10,000 seats: the seats arrive once as compact arrays, are built as plain DOM in
// one pass (not React elements), and a change touches only the changed seats' attributes:
// no React state per seat.
import { useEffect, useRef } from "react";

/** A seat in compact form: id, number in its row, tier index, status. */
export type MapSeat = [id: string, num: string, tier: number, status: string];
/** A block of the map. */
export type MapBlock =
  | { id: string; name: string; kind: "seated"; rows: [row: string, seats: MapSeat[]][] }
  | { id: string; name: string; kind: "standing"; tier?: number; available: number; capacity: number }
  | { id: string; name: string; kind: "other" };

const STATUS_WORD: Record<string, string> = { AVAILABLE: "available", LOCKED: "held", BOOKED: "sold", BLOCKED: "not for sale" };
const word = (status: string) => STATUS_WORD[status] ?? status.toLowerCase();
const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

// gridHTML is the markup of a seated block's rows.
function gridHTML(rows: [string, MapSeat[]][]): string {
  const out: string[] = [];
  for (const [row, seats] of rows) {
    const r = esc(row);
    out.push(`<div class="row" role="group" aria-label="Row ${r}"><span class="row-label" aria-hidden="true">${r}</span>`);
    for (const [id, num, tier, status] of seats) {
      const label = `Row ${r} seat ${esc(num)}`;
      out.push(`<button type="button" class="seat t${tier}" data-seat-id="${esc(id)}" data-status="${esc(status)}" data-label="${label}" aria-label="${label}, ${word(status)}"${status === "AVAILABLE" ? "" : " disabled"}></button>`);
    }
    out.push("</div>");
  }
  return out.join("");
}

export default function SeatMap({ sessionId, version, blocks }: { sessionId: string; version: number; blocks: MapBlock[] }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const map = ref.current;
    if (!map) return;
    const seats = new Map<string, HTMLElement>();
    for (const b of blocks) {
      if (b.kind !== "seated") continue;
      const grid = map.querySelector<HTMLElement>(`[data-grid="${CSS.escape(b.id)}"]`);
      if (grid) grid.innerHTML = gridHTML(b.rows);
    }
    map.querySelectorAll<HTMLElement>("[data-seat-id]").forEach((el) => seats.set(el.dataset.seatId!, el));
    map.dataset.version = String(version);
    const state = document.getElementById("live-state");
    const setState = (text: string) => { if (state) state.textContent = text; };

    const apply = (el: HTMLElement, status: string) => {
      if (el.dataset.status === status) return;
      el.dataset.status = status;
      el.setAttribute("aria-label", `${el.dataset.label}, ${word(status)}`);
      (el as HTMLButtonElement).disabled = status !== "AVAILABLE";
    };
    const standing = (blockId: string, available: number) => {
      const el = map.querySelector<HTMLElement>(`[data-standing-id="${CSS.escape(blockId)}"]`);
      if (el) el.textContent = String(available);
    };

    const es = new EventSource(`/api/v1/sessions/${encodeURIComponent(sessionId)}/stream`);
    es.addEventListener("error", () => setState("Reconnecting to live availability…"));
    es.addEventListener("snapshot", (ev) => {
      const snap = JSON.parse((ev as MessageEvent).data) as { version: number; seats?: Record<string, string>; standing?: { block_id: string; available: number }[] };
      const listed = snap.seats ?? {};
      seats.forEach((el, id) => apply(el, listed[id] ?? "AVAILABLE"));
      snap.standing?.forEach((s) => standing(s.block_id, s.available));
      map.dataset.version = String(snap.version);
      setState("Live: seats update as they are taken.");
    });
    es.addEventListener("seats", (ev) => {
      const ch = JSON.parse((ev as MessageEvent).data) as { seat_ids: string[]; status: string; version: number };
      for (const id of ch.seat_ids) {
        const el = seats.get(id);
        if (el) apply(el, ch.status);
      }
      map.dataset.version = String(ch.version);
    });
    es.addEventListener("standing", (ev) => {
      const ch = JSON.parse((ev as MessageEvent).data) as { block_id: string; available: number; version: number };
      standing(ch.block_id, ch.available);
      map.dataset.version = String(ch.version);
    });
    return () => es.close();
  }, [sessionId, version, blocks]);

  return (
    <div id="seat-map" className="seat-map" ref={ref} data-session-id={sessionId}>
      {blocks.map((b) => {
        if (b.kind === "standing") {
          return (
            <section key={b.id} className={`block standing${b.tier !== undefined ? ` t${b.tier}` : ""}`} aria-label={b.name}>
              <h2>{b.name}</h2>
              <p>Standing: <span data-standing-id={b.id}>{b.available}</span> of {b.capacity} places left</p>
            </section>
          );
        }
        if (b.kind === "seated") {
          return (
            <section key={b.id} className="block seated" aria-label={b.name}>
              <h2>{b.name}</h2>
              {/* Filled with the seats by the effect above; React never re-renders it. */}
              <div data-grid={b.id} suppressHydrationWarning />
            </section>
          );
        }
        return <section key={b.id} className="block nonsellable" aria-label={b.name}><h2>{b.name}</h2></section>;
      })}
    </div>
  );
}
