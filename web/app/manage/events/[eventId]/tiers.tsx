"use client";
// Step 2: price tiers (name, colour, price). All tiers of an event share one currency.
import { useState } from "react";
import { money } from "@/lib/api";
import { api, toMinor, type Problem } from "@/lib/manage";
import type { EventDoc, Tier } from "@/lib/manage-types";
import { FieldNote, ProblemNote } from "../../_ui/problem";
import s from "../../_ui/ui.module.css";

const COLOURS = ["#2563EB", "#DC2626", "#059669", "#D97706", "#7C3AED", "#DB2777"];

export default function Tiers({ ev, onChange, readOnly = false }: { ev: EventDoc; onChange: () => Promise<void>; readOnly?: boolean }) {
  const [name, setName] = useState("");
  const [colour, setColour] = useState(COLOURS[ev.tiers.length % COLOURS.length]);
  const [price, setPrice] = useState("");
  const [currency, setCurrency] = useState(ev.tiers[0]?.currency ?? "EUR");
  const [problem, setProblem] = useState<Problem | null>(null);

  async function add(e: React.FormEvent) {
    e.preventDefault();
    const minor = toMinor(price);
    if (Number.isNaN(minor)) {
      return setProblem({ status: 400, code: "invalid", message: "Check the price.", details: {}, fields: { price_minor: "enter an amount like 25 or 25.50" } });
    }
    const r = await api<Tier>("POST", `/api/v1/events/${ev.id}/tiers`, { name: name.trim(), colour: colour.toUpperCase(), price_minor: minor, currency });
    if (!r.ok) return setProblem(r.problem);
    setProblem(null);
    setName("");
    setPrice("");
    setColour(COLOURS[(ev.tiers.length + 1) % COLOURS.length]);
    await onChange();
  }

  async function remove(t: Tier) {
    if (!window.confirm(`Delete the tier ${t.name}?`)) return;
    const r = await api<void>("DELETE", `/api/v1/tiers/${t.id}`);
    setProblem(r.ok ? null : r.problem);
    await onChange();
  }

  return (
    <section className={s.card} aria-labelledby="tiers-h">
      <h2 id="tiers-h">2. Tiers</h2>
      {ev.tiers.length === 0 && <p className={s.muted}>No tiers yet: add at least one.</p>}
      <ul className={s.list} data-testid="tiers">
        {ev.tiers.map((t) => (
          <li key={t.id}>
            <span className={s.swatch} style={{ background: t.colour }} aria-hidden="true" />
            <strong>{t.name}</strong>
            <span>{money(t.price_minor, t.currency)}</span>
            {!readOnly && <button className={s.secondary} onClick={() => remove(t)} aria-label={`Delete tier ${t.name}`}>Delete</button>}
          </li>
        ))}
      </ul>
      {!readOnly && <form className={s.inline} onSubmit={add} style={{ marginTop: "1rem" }} aria-label="Add a tier">
        <label>
          Tier name
          <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={100} aria-describedby="t-name-err" />
          <FieldNote problem={problem} field="name" id="t-name-err" />
        </label>
        <label>
          Colour
          <input type="color" value={colour} onChange={(e) => setColour(e.target.value)} aria-describedby="t-colour-err" />
          <FieldNote problem={problem} field="colour" id="t-colour-err" />
        </label>
        <label>
          Price
          <input inputMode="decimal" value={price} onChange={(e) => setPrice(e.target.value)} required placeholder="25.00" size={8} aria-describedby="t-price-err" />
          <FieldNote problem={problem} field="price_minor" id="t-price-err" />
        </label>
        <label>
          Currency
          <input value={currency} onChange={(e) => setCurrency(e.target.value.toUpperCase())} required pattern="[A-Z]{3}" size={4} maxLength={3} aria-describedby="t-cur-err" />
          <FieldNote problem={problem} field="currency" id="t-cur-err" />
        </label>
        <button className={s.button}>Add tier</button>
      </form>}
      <ProblemNote problem={problem} action="change the tiers" />
    </section>
  );
}
