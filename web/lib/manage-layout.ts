// The layout designer's model: blocks placed on a canvas, and their conversion to and from the
// API's layout (PUT /api/v1/sessions/{id}/layout, seating templates). Pure functions, no React.
//
// Seat IDs are stable (SPEC section 2): a seated grid loaded from a stored layout keeps its
// original rows, and so its seat IDs, for as long as its size and tier are unchanged; only a
// resized or re-tiered grid is sent as a `grid` and gets new seats. That lets an organizer move
// blocks of a session already on sale, which must keep every existing seat.
import type { Block, BlockType, Layout, Row } from "./manage-types";

/** One block on the designer's canvas. */
export interface DesignBlock {
  id: string;
  name: string;
  type: BlockType;
  x: number;
  y: number;
  /** seated_grid: rows × seats per row. */
  rows: number;
  columns: number;
  /** standing: places. */
  capacity: number;
  /** seated_grid and standing: the tier ("" for none, as in a template). */
  tierId: string;
  /** The stored rows of a loaded grid, kept while rows, columns and tier stay as loaded. */
  original?: { rows: Row[]; shape: string };
}

/** Canvas units per seat in the preview and the fixed sizes of the other block types. */
export const SEAT = 12;
const PAD = 8;
const TITLE = 18;

/** size returns a block's width and height on the canvas. */
export function size(b: DesignBlock): { w: number; h: number } {
  switch (b.type) {
    case "seated_grid":
      return { w: Math.max(80, b.columns * SEAT + 2 * PAD), h: b.rows * SEAT + 2 * PAD + TITLE };
    case "standing": {
      const side = Math.round(Math.sqrt(Math.max(1, b.capacity)) * 6);
      return { w: Math.min(400, Math.max(100, side * 1.6)), h: Math.min(300, Math.max(60, side)) };
    }
    default:
      return { w: 240, h: 44 };
  }
}

const shape = (b: Pick<DesignBlock, "rows" | "columns" | "tierId">) => `${b.rows}x${b.columns}:${b.tierId}`;

let counter = 0;
/** newBlock makes a block of type at (x, y) whose id is unique among taken. */
export function newBlock(type: BlockType, taken: string[], tierId: string, x = 20, y = 20): DesignBlock {
  const base = type === "seated_grid" ? "seats" : type === "standing" ? "standing" : "stage";
  let id = base;
  while (taken.includes(id)) id = `${base}-${++counter}`;
  const name = type === "seated_grid" ? "Seats" : type === "standing" ? "Standing" : "Stage";
  return { id, name, type, x, y, rows: 5, columns: 10, capacity: 100, tierId: type === "non_sellable" ? "" : tierId };
}

/** fromLayout reads a stored layout (a session's or a template's) into design blocks. */
export function fromLayout(l: Layout | null | undefined, fallbackTier = ""): DesignBlock[] {
  return (l?.blocks ?? []).map((b: Block, i) => {
    const rows = b.rows ?? [];
    const columns = rows.reduce((m, r) => Math.max(m, r.seats.length), 0);
    const tierId = b.tier_id || rows[0]?.seats[0]?.tier_id || (b.type === "non_sellable" ? "" : fallbackTier);
    const d: DesignBlock = {
      id: b.id, name: b.name, type: b.type,
      x: b.position?.x ?? 20, y: b.position?.y ?? 20 + i * 60,
      rows: rows.length || 5, columns: columns || 10, capacity: b.capacity ?? 100, tierId,
    };
    if (b.type === "seated_grid" && rows.length > 0) d.original = { rows, shape: shape(d) };
    return d;
  });
}

/** A block as PUT /sessions/{id}/layout and seating templates take it (BlockSpec). */
export interface BlockSpec {
  id: string; name: string; type: BlockType; position: { x: number; y: number };
  rows?: Row[]; grid?: { rows: number; columns: number; tier_id?: string }; capacity?: number; tier_id?: string;
}

/** toSpec renders design blocks as the API's layout blocks. */
export function toSpec(blocks: DesignBlock[]): BlockSpec[] {
  return blocks.map((b) => {
    const s: BlockSpec = { id: b.id, name: b.name, type: b.type, position: { x: Math.round(b.x), y: Math.round(b.y) } };
    if (b.type === "seated_grid") {
      if (b.tierId) s.tier_id = b.tierId;
      if (b.original && b.original.shape === shape(b)) s.rows = b.original.rows;
      else s.grid = { rows: b.rows, columns: b.columns };
    } else if (b.type === "standing") {
      s.capacity = b.capacity;
      if (b.tierId) s.tier_id = b.tierId;
    }
    return s;
  });
}

/** keptBlockedSeats returns the blocked seats of a stored layout that the new blocks still have. */
export function keptBlockedSeats(blocked: string[] | undefined, blocks: DesignBlock[]): string[] {
  const kept = new Set<string>();
  for (const b of blocks) {
    if (b.type !== "seated_grid" || !b.original || b.original.shape !== shape(b)) continue;
    for (const r of b.original.rows) for (const s of r.seats) kept.add(s.id);
  }
  return (blocked ?? []).filter((id) => kept.has(id));
}

/** seatCount is the number of sellable places of the design (seats plus standing capacity). */
export function seatCount(blocks: DesignBlock[]): number {
  return blocks.reduce((n, b) => n + (b.type === "seated_grid" ? b.rows * b.columns : b.type === "standing" ? b.capacity : 0), 0);
}
