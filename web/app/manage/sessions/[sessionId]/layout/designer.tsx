"use client";
// The designer: a toolbar to add blocks, the canvas, the selected block's properties, templates
// and Save (PUT /api/v1/sessions/{id}/layout). Field errors of a refused save are shown on the
// block they name (red dashed outline) and next to its fields.
import { useEffect, useMemo, useState } from "react";
import { api, type Problem } from "@/lib/manage";
import { fromLayout, keptBlockedSeats, newBlock, seatCount, size, toSpec, type DesignBlock } from "@/lib/manage-layout";
import type { BlockType, EventDoc, Session } from "@/lib/manage-types";
import { ProblemNote } from "../../../_ui/problem";
import ui from "../../../_ui/ui.module.css";
import s from "./designer.module.css";
import Canvas from "./canvas";
import BlockProps from "./block-props";
import Templates from "./templates";

export default function Designer({ session, ev, onSaved }: { session: Session; ev: EventDoc; onSaved: () => Promise<void> }) {
  const defaultTier = ev.tiers[0]?.id ?? "";
  const [blocks, setBlocks] = useState<DesignBlock[]>(() => fromLayout(session.layout, defaultTier));
  const [selected, setSelected] = useState<string | null>(blocks[0]?.id ?? null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [note, setNote] = useState("");
  const [busy, setBusy] = useState(false);
  useEffect(() => setBlocks(fromLayout(session.layout, defaultTier)), [session.layout, defaultTier]);

  const index = blocks.findIndex((b) => b.id === selected);
  const invalid = useMemo(() => {
    const bad = new Set<string>();
    for (const k of Object.keys(problem?.fields ?? {})) {
      const m = /^blocks\[(\d+)\]/.exec(k);
      if (m && blocks[Number(m[1])]) bad.add(blocks[Number(m[1])].id);
    }
    return bad;
  }, [problem, blocks]);

  function add(type: BlockType) {
    const bottom = blocks.reduce((m, b) => Math.max(m, b.y + size(b).h + 20), 20);
    const b = newBlock(type, blocks.map((x) => x.id), defaultTier, 20, blocks.length ? bottom : 20);
    setBlocks([...blocks, b]);
    setSelected(b.id);
    setNote(`Added ${b.name}.`);
  }

  function move(id: string, x: number, y: number, done: boolean) {
    setBlocks((bs) => bs.map((b) => (b.id === id ? { ...b, x, y } : b)));
    if (done) setNote(`${blocks.find((b) => b.id === id)?.name ?? id} moved to ${x}, ${y}.`);
  }

  async function save() {
    setBusy(true);
    const body = { blocks: toSpec(blocks), blocked_seat_ids: keptBlockedSeats(session.layout.blocked_seat_ids, blocks) };
    const r = await api<Session>("PUT", `/api/v1/sessions/${session.id}/layout`, body);
    setBusy(false);
    if (!r.ok) {
      setProblem(r.problem);
      setNote("Not saved: see the problems below.");
      return;
    }
    setProblem(null);
    setNote(`Layout saved: ${seatCount(fromLayout(r.data.layout))} places.`);
    await onSaved();
  }

  const places = seatCount(blocks);
  return (
    <div>
      <div className={s.toolbar} role="toolbar" aria-label="Add blocks">
        <button type="button" className={ui.secondary} onClick={() => add("seated_grid")}>Add seated grid</button>
        <button type="button" className={ui.secondary} onClick={() => add("standing")}>Add standing area</button>
        <button type="button" className={ui.secondary} onClick={() => add("non_sellable")}>Add stage</button>
        <button type="button" className={ui.button} onClick={save} disabled={busy}>Save layout</button>
      </div>
      <p className={s.summary} data-testid="layout-summary">
        {blocks.length} blocks, {places} places for sale. Drag a block, or focus it and use the arrow keys (Shift for small steps).
      </p>
      <p role="status" aria-live="polite" className={ui.muted} data-testid="designer-status">{note}</p>
      <ProblemNote
        problem={problem}
        action="change this layout"
        name={(f) => f.replace(/^blocks\[(\d+)\]\.?/, (_, i) => `${blocks[Number(i)]?.name ?? `block ${Number(i) + 1}`} › `)}
      />
      {ev.tiers.length === 0 && <p className={ui.problem}>The event has no tiers yet: add one before designing seats.</p>}
      <div className={s.layout}>
        <Canvas blocks={blocks} tiers={ev.tiers} selected={selected} invalid={invalid} onSelect={setSelected} onMove={move} />
        <div className={s.panel}>
          {index >= 0 ? (
            <BlockProps
              block={blocks[index]}
              index={index}
              tiers={ev.tiers}
              problem={problem}
              onChange={(b) => setBlocks(blocks.map((x, i) => (i === index ? b : x)))}
              onRemove={() => {
                setBlocks(blocks.filter((_, i) => i !== index));
                setSelected(null);
              }}
            />
          ) : (
            <p className={ui.muted}>Select a block to change it.</p>
          )}
          <Templates orgId={ev.organization_id} blocks={blocks} defaultTier={defaultTier} onLoad={(b) => { setBlocks(b); setSelected(b[0]?.id ?? null); }} />
        </div>
      </div>
    </div>
  );
}
