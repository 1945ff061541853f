"use client";
// Seating templates of the event's organization: load one into the designer (its seats get
// new IDs when saved) or save the current design as a new template.
import { useState } from "react";
import { api, type Problem } from "@/lib/manage";
import { fromLayout, toSpec, type DesignBlock } from "@/lib/manage-layout";
import type { TemplateSummary } from "@/lib/manage-types";
import { FieldNote, ProblemNote } from "../../../_ui/problem";
import { useApi } from "../../../_ui/use-api";
import ui from "../../../_ui/ui.module.css";

interface Props { orgId: string; blocks: DesignBlock[]; defaultTier: string; onLoad: (b: DesignBlock[]) => void }

export default function Templates({ orgId, blocks, defaultTier, onLoad }: Props) {
  const list = useApi<{ items: TemplateSummary[] }>(`/api/v1/organizations/${orgId}/seating-templates`);
  const [chosen, setChosen] = useState("");
  const [name, setName] = useState("");
  const [problem, setProblem] = useState<Problem | null>(null);
  const [note, setNote] = useState("");

  async function load() {
    if (!chosen) return;
    const r = await api<TemplateSummary>("GET", `/api/v1/seating-templates/${chosen}`);
    if (!r.ok) return setProblem(r.problem);
    // A template's seats are copied, never shared: drop its seat IDs so saving makes new ones.
    onLoad(fromLayout(r.data.layout, defaultTier).map((b) => ({ ...b, original: undefined })));
    setProblem(null);
    setNote(`Loaded "${r.data.name}". Save the layout to use it for this session.`);
  }

  async function save(e: React.FormEvent) {
    e.preventDefault();
    const layout = { blocks: toSpec(blocks.map((b) => ({ ...b, original: undefined }))) };
    const r = await api<TemplateSummary>("POST", `/api/v1/organizations/${orgId}/seating-templates`, { name: name.trim(), layout });
    if (!r.ok) return setProblem(r.problem);
    setProblem(null);
    setName("");
    setNote(`Saved as template "${r.data.name}".`);
    await list.reload();
  }

  return (
    <section aria-labelledby="tpl-h">
      <h3 id="tpl-h">Templates</h3>
      <div className={ui.inline}>
        <div className={ui.field}>
          <label htmlFor="tpl-select">Template</label>
          <select id="tpl-select" value={chosen} onChange={(e) => setChosen(e.target.value)}>
            <option value="">(choose)</option>
            {list.data?.items.map((t) => <option key={t.id} value={t.id}>{t.name}</option>)}
          </select>
        </div>
        <button type="button" className={ui.secondary} onClick={load} disabled={!chosen}>Load template</button>
      </div>
      <form className={ui.inline} onSubmit={save} style={{ marginTop: "0.5rem" }}>
        <label>
          New template name
          <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={200} aria-describedby="tpl-name-err" />
          <FieldNote problem={problem} field="name" id="tpl-name-err" />
        </label>
        <button className={ui.secondary} disabled={blocks.length === 0}>Save as template</button>
      </form>
      <p role="status" className={ui.muted}>{note}</p>
      <ProblemNote problem={list.problem ?? problem} action="use this organization's templates" />
    </section>
  );
}
