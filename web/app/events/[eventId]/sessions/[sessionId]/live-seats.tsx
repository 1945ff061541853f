"use client";
// Keeps the server-rendered seat map live from the session's SSE stream (SPEC section 3):
// a `snapshot` on (re)connect, then `seats` and `standing` changes. It touches only the DOM
// attributes of the seats that changed: no React state per seat, smooth at 10,000 seats.
// EventSource resumes with Last-Event-ID by itself after a drop.
import { useEffect } from "react";

const STATUS_WORD: Record<string, string> = { AVAILABLE: "available", LOCKED: "held", BOOKED: "sold", BLOCKED: "not for sale" };

export default function LiveSeats({ sessionId }: { sessionId: string }) {
  useEffect(() => {
    const map = document.getElementById("seat-map");
    if (!map) return;
    const seats = new Map<string, HTMLElement>();
    map.querySelectorAll<HTMLElement>("[data-seat-id]").forEach((el) => seats.set(el.dataset.seatId!, el));
    const state = document.getElementById("live-state");
    const setState = (text: string) => { if (state) state.textContent = text; };

    const apply = (el: HTMLElement, status: string) => {
      if (el.dataset.status === status) return;
      el.dataset.status = status;
      el.setAttribute("aria-label", `${el.dataset.label}, ${STATUS_WORD[status] ?? status.toLowerCase()}`);
      (el as HTMLButtonElement).disabled = status !== "AVAILABLE";
    };
    const standing = (blockId: string, available: number) => {
      const el = map.querySelector<HTMLElement>(`[data-standing-id="${CSS.escape(blockId)}"]`);
      if (el) el.textContent = String(available);
    };

    const es = new EventSource(`/api/v1/sessions/${encodeURIComponent(sessionId)}/stream`);
    es.addEventListener("open", () => setState("Live: seats update as they are taken."));
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
  }, [sessionId]);
  return null;
}
