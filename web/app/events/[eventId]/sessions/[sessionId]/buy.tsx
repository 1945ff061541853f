"use client";
// Buying on the session page: the seat map with the buyer's picks, standing places, a discount
// code, a summary and "Hold and pay", which places the order (POST /api/v1/orders through the
// web origin; the session cookie signs it) and goes on to the order's page. A seat taken
// meanwhile (409, details.seat_ids) is named and un-picked.
import { useCallback, useMemo, useRef, useState } from "react";
import { useRouter } from "next/navigation";
import SeatMap, { type MapBlock } from "./seat-map";
import { idempotencyKey, keepClientSecret, type ApiErrorBody, type Order } from "@/lib/orders-client";

/** A tier as the summary needs it. */
export interface BuyTier { name: string; price_minor: number; currency: string }

/** Most seats one order takes (the order API's limit). */
const MAX_SEATS = 10;

function money(minor: number, currency: string): string {
  try {
    return new Intl.NumberFormat("en", { style: "currency", currency }).format(minor / 100);
  } catch {
    return `${(minor / 100).toFixed(2)} ${currency}`;
  }
}

const CLOSED_WHY: Record<string, string> = {
  SCHEDULED: "Sales have not opened yet.", SALES_NOT_STARTED: "Sales have not opened yet.", SALES_ENDED: "Sales have ended.",
  CLOSED: "Sales are closed.", CANCELLED: "This session was cancelled.", NOT_PUBLISHED: "This event is not published.",
};

export default function Buy({ sessionId, version, blocks, tiers, status, signedIn, loginHref }: {
  sessionId: string; version: number; blocks: MapBlock[]; tiers: BuyTier[]; status: string; signedIn: boolean; loginHref: string;
}) {
  const router = useRouter();
  const [picked, setPicked] = useState<string[]>([]);
  const [standing, setStanding] = useState<Record<string, number>>({});
  const [code, setCode] = useState("");
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ text: string; alert: boolean } | null>(null);
  // The session's status as its stream last told it (the page rendered status).
  const [liveStatus, setLiveStatus] = useState(status);
  // Once the order is placed, its own seats turning LOCKED are no news.
  const placed = useRef(false);

  // Seat id -> what the summary says of it; built once per map.
  const seatInfo = useMemo(() => {
    const m = new Map<string, { label: string; tier: number }>();
    for (const b of blocks) {
      if (b.kind !== "seated") continue;
      for (const [row, seats] of b.rows) for (const [id, num, tier] of seats) m.set(id, { label: `${b.name}, row ${row} seat ${num}`, tier });
    }
    return m;
  }, [blocks]);
  const standingBlocks = useMemo(() => new Map(blocks.flatMap((b) => (b.kind === "standing" ? [[b.id, b] as const] : []))), [blocks]);

  const onToggle = useCallback((id: string) => {
    if (picked.includes(id)) setPicked(picked.filter((x) => x !== id));
    else if (picked.length >= MAX_SEATS) setMessage({ text: `One order takes at most ${MAX_SEATS} seats.`, alert: true });
    else setPicked([...picked, id]);
  }, [picked]);
  const labelsOf = useCallback((ids: string[]) => ids.map((id) => seatInfo.get(id)?.label ?? "a seat").join("; "), [seatInfo]);
  const onLost = useCallback((ids: string[]) => {
    if (placed.current) return;
    setPicked((p) => p.filter((x) => !ids.includes(x)));
    setMessage({ text: `Just taken by someone else, removed from your pick: ${labelsOf(ids)}.`, alert: true });
  }, [labelsOf]);
  const onStanding = useCallback((blockId: string, q: number) => setStanding((s) => ({ ...s, [blockId]: q })), []);

  const lines = [
    ...picked.map((id) => {
      const info = seatInfo.get(id);
      const tier = tiers[info?.tier ?? -1];
      return { key: id, label: info?.label ?? id, tier: tier?.name ?? "", price: tier?.price_minor ?? 0, currency: tier?.currency ?? "", seat: id };
    }),
    ...Object.entries(standing).filter(([, q]) => q > 0).map(([blockId, q]) => {
      const b = standingBlocks.get(blockId);
      const tier = tiers[b?.kind === "standing" ? b.tier ?? -1 : -1];
      return { key: blockId, label: `${b?.name ?? blockId}, standing × ${q}`, tier: tier?.name ?? "", price: (tier?.price_minor ?? 0) * q, currency: tier?.currency ?? "", seat: "" };
    }),
  ];
  const currency = lines.find((l) => l.currency)?.currency ?? tiers[0]?.currency ?? "EUR";
  const subtotal = lines.reduce((a, l) => a + l.price, 0);
  const onSale = liveStatus === "ON_SALE";

  async function holdAndPay() {
    setBusy(true);
    setMessage(null);
    const body = {
      session_id: sessionId,
      ...(picked.length ? { seat_ids: picked } : {}),
      ...(Object.values(standing).some((q) => q > 0)
        ? { standing: Object.entries(standing).filter(([, q]) => q > 0).map(([block_id, quantity]) => ({ block_id, quantity })) }
        : {}),
      ...(code.trim() ? { discount_code: code.trim() } : {}),
    };
    try {
      const res = await fetch("/api/v1/orders", {
        method: "POST",
        headers: { "content-type": "application/json", "idempotency-key": idempotencyKey() },
        body: JSON.stringify(body),
      });
      const data = (await res.json().catch(() => ({}))) as Order & ApiErrorBody;
      if (res.status === 201) {
        placed.current = true;
        keepClientSecret(data.id, data.payment?.client_secret);
        router.push(`/orders/${data.id}`);
        return;
      }
      setBusy(false);
      const details = data.error?.details ?? {};
      if (res.status === 401) {
        setMessage({ text: "Your sign-in has expired. Please sign in again.", alert: true });
      } else if (res.status === 409 && Array.isArray(details.seat_ids) && details.seat_ids.length) {
        const taken = details.seat_ids as string[];
        setPicked((p) => p.filter((x) => !taken.includes(x)));
        setMessage({ text: `Sorry, already taken: ${labelsOf(taken)}. They were removed from your pick; nothing was held.`, alert: true });
      } else if (res.status === 409 && details.standing) {
        setMessage({ text: "Not that many standing places are left. Please choose fewer.", alert: true });
      } else if (res.status === 409 && typeof details.session_status === "string") {
        setMessage({ text: CLOSED_WHY[details.session_status] ?? "This session is not on sale.", alert: true });
      } else {
        setMessage({ text: data.error?.message ?? `The order could not be placed (${res.status}).`, alert: true });
      }
    } catch {
      setBusy(false);
      setMessage({ text: "The order could not be sent. Check your connection and try again.", alert: true });
    }
  }

  return (
    <div className="buy">
      <SeatMap sessionId={sessionId} version={version} blocks={blocks} picked={picked} onToggle={onToggle} onLost={onLost} standing={standing} onStanding={onStanding} onStatus={setLiveStatus} />
      <aside className={lines.length ? "summary" : "summary empty"} aria-labelledby="summary-title">
        <h2 id="summary-title">Your pick</h2>
        {lines.length === 0 ? (
          <p>Pick seats on the map (arrow keys move, Enter or Space picks) or standing places.</p>
        ) : (
          <ul className="lines">
            {lines.map((l) => (
              <li key={l.key}>
                <span>{l.label}{l.tier ? ` · ${l.tier}` : ""}</span>
                <span className="price">{money(l.price, l.currency || currency)}</span>
                {l.seat && (
                  <button type="button" className="link" onClick={() => onToggle(l.seat)} aria-label={`Remove ${l.label}`}>Remove</button>
                )}
              </li>
            ))}
          </ul>
        )}
        <label htmlFor="discount-code">Discount code</label>
        <input id="discount-code" name="discount_code" value={code} maxLength={40} autoComplete="off" onChange={(e) => setCode(e.target.value)} />
        <p className="total">Subtotal <strong>{money(subtotal, currency)}</strong>{code.trim() ? " (the discount is applied when the order is placed)" : ""}</p>
        <div role="status" aria-live="polite" className={message?.alert ? "message alert" : "message"}>{message?.text}</div>
        {!onSale ? (
          <p>{CLOSED_WHY[liveStatus] ?? "This session is not on sale."}</p>
        ) : signedIn ? (
          <button type="button" className="primary" disabled={busy || lines.length === 0} onClick={holdAndPay}>
            {busy ? "Holding…" : "Hold and pay"}
          </button>
        ) : (
          <a className="primary" href={loginHref}>Sign in to buy</a>
        )}
      </aside>
    </div>
  );
}
