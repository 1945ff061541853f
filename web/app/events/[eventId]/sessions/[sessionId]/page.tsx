import Link from "next/link";
import { notFound } from "next/navigation";
import { ApiError, getJSON, money, when, type Block, type Seat, type SeatsDoc, type SessionDoc, type Tier } from "@/lib/api";
import { getSession } from "@/lib/session";
import Buy from "./buy";
import { type MapBlock, type MapSeat } from "./seat-map";

export const dynamic = "force-dynamic";

// seatNumber is the seat's number within its row ("A12" in row "A" -> "12").
function seatNumber(s: Seat): string {
  return s.row && s.label.startsWith(s.row) && s.label.length > s.row.length ? s.label.slice(s.row.length) : s.label;
}

// rowsOf groups a block's seats by row, rows in first-seen order, seats by number, in the
// compact form the map is built from (one short array per seat: the page stays light at
// 10,000 seats).
function rowsOf(seats: Seat[], tierIndex: Map<string, number>): [string, MapSeat[]][] {
  const rows = new Map<string, Seat[]>();
  for (const s of seats) {
    const r = rows.get(s.row);
    if (r) r.push(s);
    else rows.set(s.row, [s]);
  }
  return [...rows.entries()].map(([row, rs]) => {
    rs.sort((a, b) => (parseInt(seatNumber(a), 10) || 0) - (parseInt(seatNumber(b), 10) || 0) || a.label.localeCompare(b.label));
    return [row, rs.map((s): MapSeat => [s.id, seatNumber(s), tierIndex.get(s.tier_id) ?? 0, s.status])];
  });
}

export default async function SessionPage({ params }: { params: Promise<{ eventId: string; sessionId: string }> }) {
  const { eventId, sessionId } = await params;
  let session: SessionDoc, seats: SeatsDoc;
  const signedIn = getSession().then((s) => s !== null);
  try {
    [session, seats] = await Promise.all([
      getJSON<SessionDoc>(`/api/v1/sessions/${encodeURIComponent(sessionId)}`),
      getJSON<SeatsDoc>(`/api/v1/sessions/${encodeURIComponent(sessionId)}/seats`),
    ]);
  } catch (e) {
    if (e instanceof ApiError && (e.status === 404 || e.status === 400)) notFound();
    throw e;
  }
  if (session.event_id !== eventId) notFound();
  const tiers: Tier[] = session.tiers ?? [];
  const tierIndex = new Map(tiers.map((t, i) => [t.id, i]));
  const byBlock = new Map<string, Seat[]>();
  for (const s of seats.seats) {
    const b = byBlock.get(s.block_id);
    if (b) b.push(s);
    else byBlock.set(s.block_id, [s]);
  }
  const standing = new Map(seats.standing.map((s) => [s.block_id, s]));
  const blocks: Block[] = session.blocks ?? [...byBlock.keys()].map((id) => ({ id, name: id, type: "seated_grid" }));
  const mapBlocks: MapBlock[] = blocks.map((b): MapBlock => {
    if (b.type === "standing") {
      const st = standing.get(b.id);
      return { id: b.id, name: b.name, kind: "standing", tier: tierIndex.get(b.tier_id ?? st?.tier_id ?? ""), available: st?.available ?? 0, capacity: st?.capacity ?? b.capacity ?? 0 };
    }
    const bs = byBlock.get(b.id);
    if (b.type === "seated_grid" && bs) return { id: b.id, name: b.name, kind: "seated", rows: rowsOf(bs, tierIndex) };
    return { id: b.id, name: b.name, kind: "other" };
  });
  // One CSS class per tier carries its colour: no per-seat styles, whatever the seat count.
  const tierCSS = tiers.map((t, i) => `.t${i}{--tier:${/^#[0-9a-fA-F]{3,8}$/.test(t.colour) ? t.colour : "#888"}}`).join("");

  return (
    <>
      <style>{tierCSS}</style>
      <p><Link href={`/events/${eventId}`}>← {session.event_title ?? "Event"}</Link></p>
      <h1>{session.event_title ?? "Session"}</h1>
      <p className="meta">
        {when(session.start_time)}{session.venue?.name ? ` · ${session.venue.name}` : ""} ·{" "}
        <span className={`status status-${session.status}`} id="session-status">{session.status.replace(/_/g, " ").toLowerCase()}</span>
      </p>
      <section aria-label="Legend" className="legend">
        <ul>
          {tiers.map((t, i) => (
            <li key={t.id}><span className={`swatch t${i}`} aria-hidden="true" /> {t.name} {money(t.price_minor, t.currency)}</li>
          ))}
          <li><span className="swatch st-picked" aria-hidden="true" /> your pick</li>
          <li><span className="swatch st-LOCKED" aria-hidden="true" /> held</li>
          <li><span className="swatch st-BOOKED" aria-hidden="true" /> sold</li>
          <li><span className="swatch st-BLOCKED" aria-hidden="true" /> not for sale</li>
        </ul>
        <p className="live" id="live-state" aria-live="polite">Connecting to live availability…</p>
      </section>
      <Buy
        sessionId={sessionId}
        version={seats.version}
        blocks={mapBlocks}
        tiers={tiers.map(({ name, price_minor, currency }) => ({ name, price_minor, currency }))}
        status={seats.status || session.status}
        signedIn={await signedIn}
        loginHref={`/auth/login?returnTo=${encodeURIComponent(`/events/${eventId}/sessions/${sessionId}`)}`}
      />
    </>
  );
}
