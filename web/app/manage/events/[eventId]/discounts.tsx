"use client";
// Step 4: discount codes — percentage, amount off or buy-N-get-N-free — with a usage limit,
// an active window and public or private visibility.
import { useState } from "react";
import { money, when } from "@/lib/api";
import { api, fromLocalInput, toMinor, type Problem } from "@/lib/manage";
import type { Discount, DiscountKind, EventDoc } from "@/lib/manage-types";
import { FieldNote, ProblemNote } from "../../_ui/problem";
import s from "../../_ui/ui.module.css";

function describe(d: Discount, currency: string): string {
  switch (d.kind) {
    case "PERCENTAGE": return `${d.percent}% off${d.max_discount_minor ? ` (at most ${money(d.max_discount_minor, currency)})` : ""}`;
    case "FLAT_OFF": return `${money(d.amount_minor ?? 0, currency)} off`;
    default: return `buy ${d.buy}, get ${d.get} free`;
  }
}

export default function Discounts({ ev, onChange, readOnly = false }: { ev: EventDoc; onChange: () => Promise<void>; readOnly?: boolean }) {
  const currency = ev.tiers[0]?.currency ?? "EUR";
  const empty = { code: "", kind: "PERCENTAGE" as DiscountKind, percent: "", amount: "", buy: "1", get: "1", minSpend: "", limit: "", from: "", until: "", isPublic: false };
  const [f, setF] = useState(empty);
  // Limited to these tiers and sessions; none chosen: all of them.
  const [tierIds, setTierIds] = useState<string[]>([]);
  const [sessionIds, setSessionIds] = useState<string[]>([]);
  const toggle = (list: string[], set: (v: string[]) => void, id: string) => set(list.includes(id) ? list.filter((x) => x !== id) : [...list, id]);
  const [problem, setProblem] = useState<Problem | null>(null);
  const set = (k: keyof typeof f) => (e: React.ChangeEvent<HTMLInputElement | HTMLSelectElement>) =>
    setF({ ...f, [k]: e.target.type === "checkbox" ? (e.target as HTMLInputElement).checked : e.target.value });

  async function create(e: React.FormEvent) {
    e.preventDefault();
    const body: Record<string, unknown> = { code: f.code.trim(), kind: f.kind, public: f.isPublic };
    if (f.kind === "PERCENTAGE") body.percent = Number(f.percent);
    if (f.kind === "FLAT_OFF") body.amount_minor = toMinor(f.amount);
    if (f.kind === "BUY_N_GET_N_FREE") Object.assign(body, { buy: Number(f.buy), get: Number(f.get) });
    if (f.minSpend && f.kind !== "BUY_N_GET_N_FREE") body.min_spend_minor = toMinor(f.minSpend);
    if (f.limit) body.usage_limit = Number(f.limit);
    if (f.from) body.active_from = fromLocalInput(f.from);
    if (f.until) body.active_until = fromLocalInput(f.until);
    if (tierIds.length) body.tier_ids = tierIds;
    if (sessionIds.length) body.session_ids = sessionIds;
    const r = await api<Discount>("POST", `/api/v1/events/${ev.id}/discounts`, body);
    if (!r.ok) return setProblem(r.problem);
    setProblem(null);
    setF(empty);
    setTierIds([]);
    setSessionIds([]);
    await onChange();
  }

  async function remove(d: Discount) {
    if (!window.confirm(`Delete the code ${d.code}?`)) return;
    const r = await api<void>("DELETE", `/api/v1/discounts/${d.id}`);
    setProblem(r.ok ? null : r.problem);
    await onChange();
  }

  const input = (k: keyof typeof f, label: string, field: string, extra: React.InputHTMLAttributes<HTMLInputElement> = {}) => (
    <label>
      {label}
      <input value={f[k] as string} onChange={set(k)} aria-describedby={`dc-${k}-err`} {...extra} />
      <FieldNote problem={problem} field={field} id={`dc-${k}-err`} />
    </label>
  );

  return (
    <section className={s.card} aria-labelledby="discounts-h">
      <h2 id="discounts-h">4. Discounts</h2>
      {ev.discounts.length === 0 && <p className={s.muted}>No discount codes.</p>}
      <ul className={s.list}>
        {ev.discounts.map((d) => (
          <li key={d.id}>
            <code>{d.code}</code>
            <span>{describe(d, currency)}</span>
            <span className={s.muted}>
              {d.public ? "public" : "private"}{d.usage_limit ? `, ${d.usage_limit} uses` : ""}
              {d.tier_ids.length ? `, tiers: ${d.tier_ids.map((id) => ev.tiers.find((t) => t.id === id)?.name ?? id).join(", ")}` : ""}
              {d.session_ids.length ? `, ${d.session_ids.length} session(s)` : ""}
            </span>
            {!readOnly && <button className={s.secondary} onClick={() => remove(d)} aria-label={`Delete code ${d.code}`}>Delete</button>}
          </li>
        ))}
      </ul>
      {!readOnly && <form className={s.form} onSubmit={create} aria-labelledby="new-discount-h" style={{ marginTop: "1rem" }}>
        <h3 id="new-discount-h">Add a code</h3>
        <div className={s.inline}>
          {input("code", "Code", "code", { required: true, pattern: "[A-Za-z0-9_\\-]{2,40}" })}
          <label>
            Kind
            <select value={f.kind} onChange={set("kind")}>
              <option value="PERCENTAGE">Percentage off</option>
              <option value="FLAT_OFF">Amount off</option>
              <option value="BUY_N_GET_N_FREE">Buy N, get N free</option>
            </select>
          </label>
        </div>
        <div className={s.inline}>
          {f.kind === "PERCENTAGE" && input("percent", "Percent (1–100)", "percent", { type: "number", min: 1, max: 100, required: true })}
          {f.kind === "FLAT_OFF" && input("amount", `Amount (${currency})`, "amount_minor", { inputMode: "decimal", required: true })}
          {f.kind === "BUY_N_GET_N_FREE" && input("buy", "Buy", "buy", { type: "number", min: 1, max: 100 })}
          {f.kind === "BUY_N_GET_N_FREE" && input("get", "Get free", "get", { type: "number", min: 1, max: 100 })}
          {f.kind !== "BUY_N_GET_N_FREE" && input("minSpend", `Minimum spend (${currency}, optional)`, "min_spend_minor", { inputMode: "decimal" })}
          {input("limit", "Usage limit (optional)", "usage_limit", { type: "number", min: 1 })}
        </div>
        <div className={s.inline}>
          {input("from", "Active from (UTC, optional)", "active_from", { type: "datetime-local" })}
          {input("until", "Active until (UTC, optional)", "active_until", { type: "datetime-local" })}
        </div>
        {ev.tiers.length > 1 && (
          <fieldset className={s.fieldset} aria-describedby="dc-tiers-err">
            <legend>Only for these tiers (none: all)</legend>
            {ev.tiers.map((t) => (
              <label key={t.id} className={s.choice}>
                <input type="checkbox" checked={tierIds.includes(t.id)} onChange={() => toggle(tierIds, setTierIds, t.id)} /> {t.name}
              </label>
            ))}
            <FieldNote problem={problem} field="tier_ids" id="dc-tiers-err" />
          </fieldset>
        )}
        {ev.sessions.length > 1 && (
          <fieldset className={s.fieldset} aria-describedby="dc-sessions-err">
            <legend>Only for these sessions (none: all)</legend>
            {ev.sessions.map((x) => (
              <label key={x.id} className={s.choice}>
                <input type="checkbox" checked={sessionIds.includes(x.id)} onChange={() => toggle(sessionIds, setSessionIds, x.id)} /> {when(x.start_time)}
              </label>
            ))}
            <FieldNote problem={problem} field="session_ids" id="dc-sessions-err" />
          </fieldset>
        )}
        <label className={s.choice}>
          <input type="checkbox" checked={f.isPublic} onChange={set("isPublic")} /> Public (shown on the event page)
        </label>
        <div><button className={s.button}>Add code</button></div>
        <ProblemNote problem={problem} action="change the discounts" />
      </form>}
    </section>
  );
}
