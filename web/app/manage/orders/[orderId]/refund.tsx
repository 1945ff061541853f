"use client";
// Refund a paid order: everything left, chosen tickets (their paid shares), or an amount.
// The order service decides what is possible; its refusals (nothing left, more than is left,
// tickets already void) are shown as it words them, with the figures it gives.
import { useState } from "react";
import { money } from "@/lib/api";
import { api, toMinor, type Problem } from "@/lib/manage";
import type { SalesOrder } from "@/lib/manage-types";
import { FieldNote, ProblemNote } from "../../_ui/problem";
import ui from "../../_ui/ui.module.css";

type Mode = "all" | "tickets" | "amount";
const REFUNDABLE = ["PAID", "PARTIALLY_REFUNDED"];

export default function Refund({ order: o, onDone }: { order: SalesOrder; onDone: () => Promise<void> }) {
  const [mode, setMode] = useState<Mode>("all");
  const [tickets, setTickets] = useState<Set<string>>(new Set());
  const [amount, setAmount] = useState("");
  const [reason, setReason] = useState("");
  const [problem, setProblem] = useState<Problem | null>(null);
  const [note, setNote] = useState("");
  if (!REFUNDABLE.includes(o.status)) return null;
  const left = o.total_minor - o.refunded_minor;
  const valid = o.lines.filter((l) => l.ticket_id && l.ticket_status === "VALID");

  async function refund(e: React.FormEvent) {
    e.preventDefault();
    const body: Record<string, unknown> = {};
    if (mode === "tickets") body.ticket_ids = [...tickets];
    if (mode === "amount") {
      const m = toMinor(amount);
      if (Number.isNaN(m) || m < 1) return setProblem({ status: 400, code: "invalid", message: "Check the amount.", details: {}, fields: { amount_minor: "enter an amount like 10 or 10.50" } });
      body.amount_minor = m;
    }
    if (reason.trim()) body.reason = reason.trim();
    const what = mode === "all" ? `everything left (${money(left, o.currency)})` : mode === "tickets" ? `${tickets.size} ticket(s)` : money(body.amount_minor as number, o.currency);
    if (!window.confirm(`Refund ${what} to ${o.buyer_email}?`)) return;
    const r = await api<{ refund: { amount_minor: number } }>("POST", `/api/v1/orders/${o.id}/refunds`, body);
    if (!r.ok) {
      const p = r.problem;
      const d = p.details;
      if (typeof d.remaining_minor === "number") p.message += ` Left to refund: ${money(d.remaining_minor, o.currency)}.`;
      if (typeof d.tickets_minor === "number") p.message += ` Those tickets paid ${money(d.tickets_minor, o.currency)}.`;
      setNote("");
      return setProblem(p);
    }
    setProblem(null);
    setTickets(new Set());
    setAmount("");
    setNote(`Refunded ${money(r.data.refund.amount_minor, o.currency)}.`);
    await onDone();
  }

  return (
    <section className={ui.card} aria-labelledby="refund-h">
      <h2 id="refund-h">Refund</h2>
      <p className={ui.muted}>Left to refund: {money(left, o.currency)}</p>
      <form className={ui.form} onSubmit={refund}>
        <fieldset className={ui.fieldset}>
          <legend>What to refund</legend>
          <label className={ui.choice}><input type="radio" name="mode" checked={mode === "all"} onChange={() => setMode("all")} /> The whole order (what is left)</label>
          <label className={ui.choice}><input type="radio" name="mode" checked={mode === "tickets"} onChange={() => setMode("tickets")} disabled={valid.length === 0} /> Chosen tickets (they are voided)</label>
          <label className={ui.choice}><input type="radio" name="mode" checked={mode === "amount"} onChange={() => setMode("amount")} /> An amount (no ticket is voided)</label>
        </fieldset>
        {mode === "tickets" && (
          <fieldset className={ui.fieldset} aria-describedby="rf-tickets-err">
            <legend>Tickets</legend>
            {valid.map((l) => (
              <label key={l.ticket_id} className={ui.choice}>
                <input
                  type="checkbox"
                  checked={tickets.has(l.ticket_id!)}
                  onChange={(e) => {
                    const n = new Set(tickets);
                    if (e.target.checked) n.add(l.ticket_id!); else n.delete(l.ticket_id!);
                    setTickets(n);
                  }}
                />{" "}
                {l.label} ({money(l.price_paid_minor, o.currency)})
              </label>
            ))}
            <FieldNote problem={problem} field="ticket_ids" id="rf-tickets-err" />
          </fieldset>
        )}
        {mode === "amount" && (
          <label>
            Amount ({o.currency})
            <input inputMode="decimal" value={amount} onChange={(e) => setAmount(e.target.value)} required aria-describedby="rf-amount-err" />
            <FieldNote problem={problem} field="amount_minor" id="rf-amount-err" />
          </label>
        )}
        <label>
          Reason (told to the buyer, optional)
          <input value={reason} onChange={(e) => setReason(e.target.value)} maxLength={500} aria-describedby="rf-reason-err" />
          <FieldNote problem={problem} field="reason" id="rf-reason-err" />
        </label>
        <div><button className={ui.danger} disabled={mode === "tickets" && tickets.size === 0}>Refund</button></div>
        <p role="status" className={ui.muted}>{note}</p>
        <ProblemNote problem={problem} action="refund this order" />
      </form>
    </section>
  );
}
