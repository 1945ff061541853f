"use client";
// Step 1: the event's descriptive fields (PATCH sends only what changed), its status, and
// submission for approval.
import { useEffect, useState } from "react";
import { api, type Problem } from "@/lib/manage";
import type { Category, EventDoc } from "@/lib/manage-types";
import { useApi } from "../../_ui/use-api";
import { FieldNote, ProblemNote } from "../../_ui/problem";
import { StatusBadge } from "../../_ui/status-badge";
import s from "../../_ui/ui.module.css";

const STATUS_TEXT: Record<string, string> = {
  DRAFT: "Draft: not visible to buyers. Add tiers, a session with a layout, then submit it for approval.",
  PENDING: "Pending: waiting for an administrator's approval.",
  APPROVED: "Approved: visible to buyers; sessions go on sale at their sales start.",
  REJECTED: "Rejected: change it and submit it again.",
  COMPLETED: "Completed.",
};

export default function Details({ ev, onChange, readOnly = false }: { ev: EventDoc; onChange: () => Promise<void>; readOnly?: boolean }) {
  const [title, setTitle] = useState(ev.title);
  const [description, setDescription] = useState(ev.description);
  const [categoryId, setCategoryId] = useState(ev.category_id ?? "");
  const cats = useApi<{ items: Category[] }>("/api/v1/manage/categories");
  const [problem, setProblem] = useState<Problem | null>(null);
  const [saved, setSaved] = useState("");
  useEffect(() => {
    setTitle(ev.title);
    setDescription(ev.description);
    setCategoryId(ev.category_id ?? "");
  }, [ev.title, ev.description, ev.category_id]);

  async function save(e: React.FormEvent) {
    e.preventDefault();
    const patch: Record<string, string> = {};
    if (title !== ev.title) patch.title = title;
    if (description !== ev.description) patch.description = description;
    if (categoryId && categoryId !== (ev.category_id ?? "")) patch.category_id = categoryId;
    if (Object.keys(patch).length === 0) return setSaved("Nothing changed.");
    const r = await api<EventDoc>("PATCH", `/api/v1/events/${ev.id}`, patch);
    setProblem(r.ok ? null : r.problem);
    setSaved(r.ok ? "Saved." : "");
    if (r.ok) await onChange();
  }

  async function submit() {
    const r = await api<EventDoc>("POST", `/api/v1/events/${ev.id}/submit`);
    setProblem(r.ok ? null : r.problem);
    setSaved(r.ok ? "Submitted for approval." : "");
    if (r.ok) await onChange();
  }

  return (
    <section className={s.card} aria-labelledby="details-h">
      <h2 id="details-h">1. Details</h2>
      <p>
        Status: <StatusBadge status={ev.status} /> <span className={s.muted}>{STATUS_TEXT[ev.status]}</span>
      </p>
      {ev.status === "REJECTED" && ev.rejection_reason && <p data-testid="rejection-reason"><strong>Reason given:</strong> {ev.rejection_reason}</p>}
      {readOnly ? <p>{ev.description}</p> : <form className={s.form} onSubmit={save}>
        <label>
          Title
          <input value={title} onChange={(e) => setTitle(e.target.value)} required maxLength={200} aria-describedby="d-title-err" />
          <FieldNote problem={problem} field="title" id="d-title-err" />
        </label>
        <label>
          Description
          <textarea value={description} onChange={(e) => setDescription(e.target.value)} rows={4} aria-describedby="d-desc-err" />
          <FieldNote problem={problem} field="description" id="d-desc-err" />
        </label>
        <label>
          Category
          <select value={categoryId} onChange={(e) => setCategoryId(e.target.value)} aria-describedby="d-cat-err">
            {!categoryId && <option value="">(none)</option>}
            {cats.data?.items.map((c) => <option key={c.id} value={c.id}>{c.parent_id ? "— " : ""}{c.name}</option>)}
          </select>
          <FieldNote problem={problem} field="category_id" id="d-cat-err" />
        </label>
        <div className={s.inline}>
          <button className={s.secondary}>Save details</button>
          {(ev.status === "DRAFT" || ev.status === "REJECTED") && (
            <button type="button" className={s.button} onClick={submit}>Submit for approval</button>
          )}
        </div>
        <p role="status" className={s.muted}>{saved}</p>
        <ProblemNote problem={problem} action="change this event" />
      </form>}
    </section>
  );
}
