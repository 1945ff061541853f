"use client";
// The designer's canvas: every block is a <button> placed at its position, drawn as a live
// preview (seats in their tier's colour, standing area, stage). A block moves by dragging it
// with a pointer (mouse, pen or touch) or, once focused, with the arrow keys (10 units;
// Shift: 1 unit).
import { useRef } from "react";
import { SEAT, size, type DesignBlock } from "@/lib/manage-layout";
import type { Tier } from "@/lib/manage-types";
import s from "./designer.module.css";

/** Seats drawn one by one up to this many per block; a bigger grid is drawn as a pattern. */
const MAX_DRAWN = 2500;

interface Props {
  blocks: DesignBlock[];
  tiers: Tier[];
  selected: string | null;
  invalid: Set<string>;
  onSelect: (id: string) => void;
  onMove: (id: string, x: number, y: number, done: boolean) => void;
}

export default function Canvas({ blocks, tiers, selected, invalid, onSelect, onMove }: Props) {
  const drag = useRef<{ id: string; px: number; py: number; x: number; y: number; moved: boolean } | null>(null);
  const colour = (tierId: string) => tiers.find((t) => t.id === tierId)?.colour ?? "#9CA3AF";
  const extent = blocks.reduce(
    (m, b) => {
      const { w, h } = size(b);
      return { w: Math.max(m.w, b.x + w + 40), h: Math.max(m.h, b.y + h + 40) };
    },
    { w: 640, h: 420 },
  );

  function keyMove(e: React.KeyboardEvent, b: DesignBlock) {
    const step = e.shiftKey ? 1 : 10;
    const d: Record<string, [number, number]> = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
    const m = d[e.key];
    if (!m) return;
    e.preventDefault();
    onMove(b.id, Math.max(0, b.x + m[0]), Math.max(0, b.y + m[1]), true);
  }

  return (
    <div className={s.viewport} data-testid="layout-canvas">
      <div className={s.canvas} style={{ width: extent.w, height: extent.h }}>
        {blocks.map((b) => {
          const { w, h } = size(b);
          const what =
            b.type === "seated_grid" ? `seated grid, ${b.rows} rows of ${b.columns} seats` :
            b.type === "standing" ? `standing area for ${b.capacity}` : "stage, not for sale";
          return (
            <button
              key={b.id}
              type="button"
              className={`${s.block} ${s[b.type]} ${selected === b.id ? s.selected : ""} ${invalid.has(b.id) ? s.invalid : ""}`}
              style={{ left: b.x, top: b.y, width: w, height: h, ["--tier" as string]: colour(b.tierId) }}
              aria-pressed={selected === b.id}
              data-block-id={b.id}
              data-x={Math.round(b.x)}
              data-y={Math.round(b.y)}
              onClick={() => onSelect(b.id)}
              onKeyDown={(e) => keyMove(e, b)}
              onPointerDown={(e) => {
                if (e.button !== 0) return;
                e.currentTarget.setPointerCapture(e.pointerId);
                drag.current = { id: b.id, px: e.clientX, py: e.clientY, x: b.x, y: b.y, moved: false };
                onSelect(b.id);
              }}
              onPointerMove={(e) => {
                const d = drag.current;
                if (!d || d.id !== b.id) return;
                const dx = e.clientX - d.px, dy = e.clientY - d.py;
                if (!d.moved && Math.abs(dx) + Math.abs(dy) < 3) return;
                d.moved = true;
                onMove(b.id, Math.max(0, Math.round(d.x + dx)), Math.max(0, Math.round(d.y + dy)), false);
              }}
              onPointerUp={(e) => {
                const d = drag.current;
                drag.current = null;
                if (d?.moved) onMove(b.id, Math.max(0, Math.round(d.x + e.clientX - d.px)), Math.max(0, Math.round(d.y + e.clientY - d.py)), true);
              }}
              onPointerCancel={() => (drag.current = null)}
            >
              <span className={s.title}>{b.name}</span>
              {b.type === "seated_grid" && <Seats rows={b.rows} columns={b.columns} />}
              {b.type === "standing" && <span className={s.capacity}>{b.capacity} standing</span>}
              <span className={s.srOnly}>: {what}, at {Math.round(b.x)}, {Math.round(b.y)}. Arrow keys move it.</span>
            </button>
          );
        })}
      </div>
    </div>
  );
}

function Seats({ rows, columns }: { rows: number; columns: number }) {
  if (rows * columns > MAX_DRAWN) return <span className={s.pattern} aria-hidden="true" />;
  return (
    <span className={s.seats} style={{ gridTemplateColumns: `repeat(${columns}, ${SEAT}px)` }} aria-hidden="true">
      {Array.from({ length: rows * columns }, (_, i) => <span key={i} className={s.seat} />)}
    </span>
  );
}
