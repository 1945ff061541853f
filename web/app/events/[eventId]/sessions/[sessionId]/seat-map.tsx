"use client";
// The seat map: seated blocks as grids of seat buttons, standing blocks with their places
// left and a quantity picker, other blocks (stage) as labels; kept live from the session's SSE
// stream (SPEC section 3): a `snapshot` on (re)connect, then `seats` and `standing` changes.
// After a dropped connection EventSource resumes by itself with Last-Event-ID (the stream's
// ids are versions). A stream that was refused instead (a 502 or 503 while event-query
// restarts) is closed for good by EventSource: the map opens a new one, later and later, asking
// with last_event_id for what came after the version it shows.
//
// Light at 10,000 seats: the seats arrive once as compact arrays, are built as plain DOM in
// one pass (not React elements), and a change touches only the changed seats' attributes: no
// React state per seat, one click and one key listener for the whole map. The map is one tab
// stop (roving tabindex): arrow keys move between seats, Enter or Space picks one.
//
// The buyer's picks are shown with aria-pressed="true" (and the class `picked`), apart from
// data-status, which stays the session's truth (AVAILABLE|LOCKED|BOOKED|BLOCKED).
import { useEffect, useRef } from "react";
import { followStream } from "@/lib/stream";

/** A seat in compact form: id, number in its row, tier index, status. */
export type MapSeat = [id: string, num: string, tier: number, status: string];
/** A block of the map. */
export type MapBlock =
  | { id: string; name: string; kind: "seated"; rows: [row: string, seats: MapSeat[]][] }
  | { id: string; name: string; kind: "standing"; tier?: number; available: number; capacity: number }
  | { id: string; name: string; kind: "other" };

/** Most standing places one order takes per block (the order API's limit). */
export const MAX_STANDING = 10;

const STATUS_WORD: Record<string, string> = { AVAILABLE: "available", LOCKED: "held", BOOKED: "sold", BLOCKED: "not for sale" };
const word = (status: string) => STATUS_WORD[status] ?? status.toLowerCase();
const LIVE = "Live: seats update as they are taken.";
const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

// gridHTML is the markup of a seated block's rows. Every seat is out of the tab order
// (tabindex -1) but one, chosen once the map is built.
function gridHTML(rows: [string, MapSeat[]][]): string {
  const out: string[] = [];
  for (const [row, seats] of rows) {
    const r = esc(row);
    out.push(`<div class="row" role="group" aria-label="Row ${r}"><span class="row-label" aria-hidden="true">${r}</span>`);
    for (const [id, num, tier, status] of seats) {
      const label = `Row ${r} seat ${esc(num)}`;
      out.push(`<button type="button" class="seat t${tier}" tabindex="-1" aria-pressed="false" data-seat-id="${esc(id)}" data-status="${esc(status)}" data-label="${label}" aria-label="${label}, ${word(status)}"${status === "AVAILABLE" ? "" : ' aria-disabled="true"'}></button>`);
    }
    out.push("</div>");
  }
  return out.join("");
}

// neighbour finds the seat an arrow key moves to from el, or null at an edge.
function neighbour(el: HTMLElement, key: string, rows: HTMLElement[]): HTMLElement | null {
  const row = el.parentElement as HTMLElement;
  const seats = Array.from(row.querySelectorAll<HTMLElement>("[data-seat-id]"));
  const i = seats.indexOf(el);
  switch (key) {
    case "ArrowLeft": return seats[i - 1] ?? null;
    case "ArrowRight": return seats[i + 1] ?? null;
    case "Home": return seats[0];
    case "End": return seats[seats.length - 1];
    case "ArrowUp":
    case "ArrowDown": {
      const r = rows.indexOf(row) + (key === "ArrowUp" ? -1 : 1);
      const next = rows[r];
      if (!next) return null;
      const ns = next.querySelectorAll<HTMLElement>("[data-seat-id]");
      return ns[Math.min(i, ns.length - 1)] ?? null;
    }
  }
  return null;
}

export interface SeatMapProps {
  sessionId: string;
  version: number;
  blocks: MapBlock[];
  /** The buyer's picked seats. */
  picked: string[];
  /** A seat was clicked (or Enter/Space): the owner decides whether it is picked. */
  onToggle: (seatId: string) => void;
  /** Picked seats someone else took meanwhile. */
  onLost: (seatIds: string[]) => void;
  /** Standing places asked for, per block. */
  standing: Record<string, number>;
  onStanding: (blockId: string, quantity: number) => void;
  /** The session's status changed on its stream (SOLD_OUT, CANCELLED, back ON_SALE). */
  onStatus?: (status: string) => void;
}

export default function SeatMap({ sessionId, version, blocks, picked, onToggle, onLost, standing, onStanding, onStatus }: SeatMapProps) {
  const ref = useRef<HTMLDivElement>(null);
  const seatsRef = useRef(new Map<string, HTMLElement>());
  const pickedRef = useRef(new Set<string>());
  // The callbacks change on every render of the owner; the long-lived listeners read them here.
  const cb = useRef({ onToggle, onLost, onStatus });
  cb.current = { onToggle, onLost, onStatus };

  useEffect(() => {
    const map = ref.current;
    if (!map) return;
    const seats = seatsRef.current;
    seats.clear();
    for (const b of blocks) {
      if (b.kind !== "seated") continue;
      const grid = map.querySelector<HTMLElement>(`[data-grid="${CSS.escape(b.id)}"]`);
      if (grid) grid.innerHTML = gridHTML(b.rows);
    }
    map.querySelectorAll<HTMLElement>("[data-seat-id]").forEach((el) => seats.set(el.dataset.seatId!, el));
    const rows = Array.from(map.querySelectorAll<HTMLElement>(".row"));
    // The one tab stop: the first free seat, else the first seat.
    let current = map.querySelector<HTMLElement>('[data-seat-id][data-status="AVAILABLE"]') ?? map.querySelector<HTMLElement>("[data-seat-id]");
    current?.setAttribute("tabindex", "0");
    for (const id of pickedRef.current) {
      seats.get(id)?.classList.add("picked");
      seats.get(id)?.setAttribute("aria-pressed", "true");
    }
    map.dataset.version = String(version);
    const state = document.getElementById("live-state");
    const setState = (text: string) => { if (state) state.textContent = text; };

    const rove = (el: HTMLElement) => {
      if (current === el) return;
      current?.setAttribute("tabindex", "-1");
      el.setAttribute("tabindex", "0");
      current = el;
    };
    const onClick = (e: MouseEvent) => {
      const el = (e.target as Element).closest<HTMLElement>("[data-seat-id]");
      if (!el) return;
      rove(el);
      const id = el.dataset.seatId!;
      if (el.dataset.status === "AVAILABLE" || pickedRef.current.has(id)) cb.current.onToggle(id);
    };
    const onKey = (e: KeyboardEvent) => {
      const el = (e.target as Element).closest<HTMLElement>("[data-seat-id]");
      if (!el) return;
      const next = neighbour(el, e.key, rows);
      if (!next) return;
      e.preventDefault();
      rove(next);
      next.focus();
    };
    map.addEventListener("click", onClick);
    map.addEventListener("keydown", onKey);

    const lost: string[] = [];
    const apply = (el: HTMLElement, status: string) => {
      if (el.dataset.status === status) return;
      el.dataset.status = status;
      el.setAttribute("aria-label", `${el.dataset.label}, ${word(status)}`);
      if (status === "AVAILABLE") el.removeAttribute("aria-disabled");
      else {
        el.setAttribute("aria-disabled", "true");
        if (pickedRef.current.has(el.dataset.seatId!)) lost.push(el.dataset.seatId!);
      }
    };
    const flushLost = () => { if (lost.length) cb.current.onLost(lost.splice(0)); };
    const setStanding = (blockId: string, available: number) => {
      const el = map.querySelector<HTMLElement>(`[data-standing-id="${CSS.escape(blockId)}"]`);
      if (el) el.textContent = String(available);
    };

    const onSnapshot = (ev: Event) => {
      const snap = JSON.parse((ev as MessageEvent).data) as { version: number; seats?: Record<string, string>; standing?: { block_id: string; available: number }[] };
      const listed = snap.seats ?? {};
      seats.forEach((el, id) => apply(el, listed[id] ?? "AVAILABLE"));
      snap.standing?.forEach((s) => setStanding(s.block_id, s.available));
      map.dataset.version = String(snap.version);
      flushLost();
      setState(LIVE);
    };
    const onSeats = (ev: Event) => {
      const ch = JSON.parse((ev as MessageEvent).data) as { seat_ids: string[]; status: string; version: number };
      for (const id of ch.seat_ids) {
        const el = seats.get(id);
        if (el) apply(el, ch.status);
      }
      map.dataset.version = String(ch.version);
      flushLost();
    };
    const onStanding = (ev: Event) => {
      const ch = JSON.parse((ev as MessageEvent).data) as { block_id: string; available: number; version: number };
      setStanding(ch.block_id, ch.available);
      map.dataset.version = String(ch.version);
    };
    // The session's own status (SOLD_OUT, CANCELLED, back ON_SALE) is shown where the page
    // rendered it and told to the owner (which offers buying only on sale); the order
    // service refuses what it no longer allows.
    const onStatus = (ev: Event) => {
      const { status } = JSON.parse((ev as MessageEvent).data) as { status: string };
      cb.current.onStatus?.(status);
      const el = document.getElementById("session-status");
      if (!el) return;
      el.className = `status status-${status}`;
      el.textContent = status.replace(/_/g, " ").toLowerCase();
    };

    // The first stream starts with a snapshot; one reopened after a refusal resumes from the
    // version the page shows (its missed changes, not a snapshot: the open is the news).
    const url = `/api/v1/sessions/${encodeURIComponent(sessionId)}/stream`;
    let opened = false;
    let dropped = false;
    const close = followStream(
      () => {
        const from = opened ? map.dataset.version : undefined;
        opened = true;
        return from ? `${url}?last_event_id=${encodeURIComponent(from)}` : url;
      },
      { snapshot: onSnapshot, seats: onSeats, standing: onStanding, status: onStatus },
      {
        open: () => {
          if (dropped) setState(LIVE);
          dropped = false;
        },
        error: () => {
          dropped = true;
          setState("Reconnecting to live availability…");
        },
      },
    );
    return () => {
      close();
      map.removeEventListener("click", onClick);
      map.removeEventListener("keydown", onKey);
    };
  }, [sessionId, version, blocks]);

  // Picks change a few seats' attributes, never the grid.
  useEffect(() => {
    const next = new Set(picked);
    const prev = pickedRef.current;
    for (const id of prev) {
      if (next.has(id)) continue;
      const el = seatsRef.current.get(id);
      el?.classList.remove("picked");
      el?.setAttribute("aria-pressed", "false");
    }
    for (const id of next) {
      const el = seatsRef.current.get(id);
      el?.classList.add("picked");
      el?.setAttribute("aria-pressed", "true");
    }
    pickedRef.current = next;
  }, [picked]);

  return (
    <div id="seat-map" className="seat-map" ref={ref} data-session-id={sessionId}>
      {blocks.map((b) => {
        if (b.kind === "standing") {
          const inputId = `standing-${b.id}`;
          return (
            <section key={b.id} className={`block standing${b.tier !== undefined ? ` t${b.tier}` : ""}`} aria-label={b.name}>
              <h2>{b.name}</h2>
              <p>Standing: <span data-standing-id={b.id}>{b.available}</span> of {b.capacity} places left</p>
              <label htmlFor={inputId}>Places in {b.name}</label>{" "}
              <input
                id={inputId}
                type="number"
                inputMode="numeric"
                min={0}
                max={MAX_STANDING}
                value={standing[b.id] ?? 0}
                data-standing-quantity={b.id}
                onChange={(e) => onStanding(b.id, Math.max(0, Math.min(MAX_STANDING, Math.floor(Number(e.target.value) || 0))))}
              />
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
