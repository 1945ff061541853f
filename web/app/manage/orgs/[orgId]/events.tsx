"use client";
// An organization's events with their status, and a form to create a DRAFT event.
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { api, query, type Problem } from "@/lib/manage";
import type { Category, EventDoc, EventSummary, Page } from "@/lib/manage-types";
import { FieldNote, ProblemNote } from "../../_ui/problem";
import { StatusBadge } from "../../_ui/status-badge";
import { useApi } from "../../_ui/use-api";
import s from "../../_ui/ui.module.css";

const PAGE_SIZE = 20;
const STATUSES = ["DRAFT", "PENDING", "APPROVED", "REJECTED", "COMPLETED"];

export default function Events({ orgId, canManage }: { orgId: string; canManage: boolean }) {
  const router = useRouter();
  const [status, setStatus] = useState("");
  const [page, setPage] = useState(1);
  const { data, problem } = useApi<Page<EventSummary>>(`/api/v1/manage/events${query({ organization_id: orgId, status, page, page_size: PAGE_SIZE })}`);
  const pages = data ? Math.max(1, Math.ceil(data.total / PAGE_SIZE)) : 1;
  const cats = useApi<{ items: Category[] }>("/api/v1/manage/categories");
  const [title, setTitle] = useState("");
  const [description, setDescription] = useState("");
  const [categoryId, setCategoryId] = useState("");
  const [createProblem, setCreateProblem] = useState<Problem | null>(null);

  async function create(e: React.FormEvent) {
    e.preventDefault();
    const r = await api<EventDoc>("POST", "/api/v1/events", {
      organization_id: orgId, title: title.trim(), description: description || undefined, category_id: categoryId || undefined,
    });
    if (!r.ok) return setCreateProblem(r.problem);
    router.push(`/manage/events/${r.data.id}`);
  }

  return (
    <section className={s.card} aria-labelledby="events-h">
      <h2 id="events-h">Events</h2>
      <label className={s.inline}>
        Status
        <select value={status} onChange={(e) => { setStatus(e.target.value); setPage(1); }}>
          <option value="">Any</option>
          {STATUSES.map((x) => <option key={x} value={x}>{x.toLowerCase()}</option>)}
        </select>
      </label>
      <ProblemNote problem={problem} action="see the events" />
      {data && data.items.length === 0 && <p className={s.muted}>No events yet.</p>}
      <ul className={s.list}>
        {data?.items.map((ev) => (
          <li key={ev.id}>
            <Link href={`/manage/events/${ev.id}`}>{ev.title}</Link>
            <StatusBadge status={ev.status} />
            {ev.status === "REJECTED" && <span className={s.muted}>Reason: {ev.rejection_reason}</span>}
            <Link href={`/manage/events/${ev.id}/dashboard`}>Dashboard</Link>
          </li>
        ))}
      </ul>
      {pages > 1 && (
        <nav aria-label="Pages of events" className={s.inline}>
          <button className={s.secondary} disabled={page <= 1} onClick={() => setPage(page - 1)}>Previous</button>
          <span>Page {page} of {pages} ({data?.total} events)</span>
          <button className={s.secondary} disabled={page >= pages} onClick={() => setPage(page + 1)}>Next</button>
        </nav>
      )}
      {canManage && <>
      <h3>Create an event</h3>
      <form className={s.form} onSubmit={create}>
        <label>
          Title
          <input name="title" value={title} onChange={(e) => setTitle(e.target.value)} required maxLength={200} aria-describedby="ev-title-err" />
          <FieldNote problem={createProblem} field="title" id="ev-title-err" />
        </label>
        <label>
          Description
          <textarea value={description} onChange={(e) => setDescription(e.target.value)} rows={3} aria-describedby="ev-desc-err" />
          <FieldNote problem={createProblem} field="description" id="ev-desc-err" />
        </label>
        <label>
          Category
          <select value={categoryId} onChange={(e) => setCategoryId(e.target.value)} aria-describedby="ev-cat-err">
            <option value="">(none)</option>
            {cats.data?.items.map((c) => <option key={c.id} value={c.id}>{c.parent_id ? "— " : ""}{c.name}</option>)}
          </select>
          <FieldNote problem={createProblem} field="category_id" id="ev-cat-err" />
        </label>
        <div><button className={s.button}>Create event</button></div>
        <ProblemNote problem={createProblem} action="create events in this organization" />
      </form>
      </>}
    </section>
  );
}
