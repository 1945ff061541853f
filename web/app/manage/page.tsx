"use client";
// /manage: the organizations the user owns or belongs to, and a form to create one.
import Link from "next/link";
import { useState } from "react";
import { api, type Problem } from "@/lib/manage";
import type { MyOrganization } from "@/lib/manage-types";
import { FieldNote, ProblemNote } from "./_ui/problem";
import { useApi } from "./_ui/use-api";
import s from "./_ui/ui.module.css";

export default function ManageHome() {
  const { data, problem, loading, reload } = useApi<{ items: MyOrganization[] }>("/api/v1/organizations/mine");
  const [name, setName] = useState("");
  const [website, setWebsite] = useState("");
  const [createProblem, setCreateProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);

  async function create(e: React.FormEvent) {
    e.preventDefault();
    setBusy(true);
    const r = await api<MyOrganization>("POST", "/api/v1/organizations", { name, website: website || undefined });
    setBusy(false);
    if (!r.ok) return setCreateProblem(r.problem);
    setCreateProblem(null);
    setName("");
    setWebsite("");
    await reload();
  }

  return (
    <>
      <h1>Manage</h1>
      <ProblemNote problem={problem} action="see your organizations" />
      <section className={s.card} aria-labelledby="orgs-h">
        <h2 id="orgs-h">My organizations</h2>
        {loading && <p className={s.muted}>Loading…</p>}
        {data && data.items.length === 0 && <p className={s.muted}>You are not in any organization yet. Create one below.</p>}
        <ul className={s.list}>
          {data?.items.map((o) => (
            <li key={o.id}>
              <Link href={`/manage/orgs/${o.id}`}>{o.name}</Link>
              <span className={s.muted}>{o.my_roles.join(", ")}</span>
            </li>
          ))}
        </ul>
      </section>
      {problem?.status !== 401 && (
        <section className={s.card} aria-labelledby="new-org-h">
          <h2 id="new-org-h">Create an organization</h2>
          <form className={s.form} onSubmit={create}>
            <label>
              Name
              <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={200} aria-describedby="org-name-err" />
              <FieldNote problem={createProblem} field="name" id="org-name-err" />
            </label>
            <label>
              Website (optional)
              <input type="url" value={website} onChange={(e) => setWebsite(e.target.value)} placeholder="https://" aria-describedby="org-web-err" />
              <FieldNote problem={createProblem} field="website" id="org-web-err" />
            </label>
            <div><button className={s.button} disabled={busy}>Create organization</button></div>
            {createProblem && Object.keys(createProblem.fields).length === 0 && <ProblemNote problem={createProblem} action="create an organization" />}
          </form>
        </section>
      )}
    </>
  );
}
