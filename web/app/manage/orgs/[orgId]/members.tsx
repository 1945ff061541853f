"use client";
// An organization's members: listed with name and e-mail, added by user name or e-mail with a
// role, removed. The owner is not a member and is not listed.
import { useState } from "react";
import { api, type Problem } from "@/lib/manage";
import type { Member } from "@/lib/manage-types";
import { FieldNote, ProblemNote } from "../../_ui/problem";
import { useApi } from "../../_ui/use-api";
import s from "../../_ui/ui.module.css";

export default function Members({ orgId, canManage }: { orgId: string; canManage: boolean }) {
  const path = `/api/v1/organizations/${orgId}/members`;
  const { data, problem, reload } = useApi<{ items: Member[] }>(path);
  const [user, setUser] = useState("");
  const [role, setRole] = useState<"ADMIN" | "SCANNER">("SCANNER");
  const [actProblem, setActProblem] = useState<Problem | null>(null);

  async function add(e: React.FormEvent) {
    e.preventDefault();
    const r = await api<Member>("POST", path, { user: user.trim(), roles: [role] });
    if (!r.ok) {
      const p = r.problem;
      if (p.status === 404) p.message = `No user called "${user.trim()}" (user name or e-mail address).`;
      return setActProblem(p);
    }
    setActProblem(null);
    setUser("");
    await reload();
  }

  async function remove(m: Member) {
    if (!window.confirm(`Remove ${m.username ?? m.user_id} from the organization?`)) return;
    const r = await api<void>("DELETE", `${path}/${m.user_id}`);
    setActProblem(r.ok ? null : r.problem);
    await reload();
  }

  return (
    <section className={s.card} aria-labelledby="members-h">
      <h2 id="members-h">Members</h2>
      <ProblemNote problem={problem} action="see the members" />
      {data && data.items.length === 0 && <p className={s.muted}>No members besides the owner.</p>}
      <ul className={s.list}>
        {data?.items.map((m) => (
          <li key={m.user_id}>
            <strong>{m.username ?? "(unknown user)"}</strong>
            <span className={s.muted}>{m.email ?? ""}</span>
            <span>{m.roles.join(", ")}</span>
            {canManage && <button className={s.secondary} onClick={() => remove(m)} aria-label={`Remove ${m.username ?? m.user_id}`}>Remove</button>}
          </li>
        ))}
      </ul>
      {canManage && <form className={s.inline} onSubmit={add} style={{ marginTop: "1rem" }}>
        <label>
          User name or e-mail
          <input value={user} onChange={(e) => setUser(e.target.value)} required maxLength={255} aria-describedby="member-user-err" />
          <FieldNote problem={actProblem} field="user" id="member-user-err" />
        </label>
        <label>
          Role
          <select value={role} onChange={(e) => setRole(e.target.value as "ADMIN" | "SCANNER")}>
            <option value="SCANNER">Scanner (check-in)</option>
            <option value="ADMIN">Admin (manage events)</option>
          </select>
        </label>
        <button className={s.button}>Add member</button>
      </form>}
      <ProblemNote problem={actProblem} action="change the members" />
    </section>
  );
}
