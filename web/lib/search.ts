// The home page's search filters: what a buyer typed in the GET form (strings of the URL) is
// checked here and turned into the query of event-query's GET /api/v1/events (SPEC section 4).
// A filter the API would refuse with 400 never reaches it: the page shows a message instead.
// Dates are whole days in UTC, as every time on the site is shown in UTC; prices are typed in
// major units (12.50) and sent in minor units (1250).

/** The form's fields as they stand in the URL (trimmed; "" when absent). */
export interface SearchValues {
  q: string; category: string; from: string; to: string;
  price_min: string; price_max: string; lat: string; lng: string; radius_km: string;
  page: string; page_size: string;
}

/** The outcome of reading the URL: the API query to send, or what is wrong with the filters. */
export interface ParsedSearch {
  values: SearchValues;
  /** The query string of GET /api/v1/events (without "?"); "" when errors is not empty. */
  apiQuery: string;
  errors: string[];
  /** Whether any filter narrows the list (paging alone does not). */
  filtered: boolean;
  page: number;
  pageSize: number;
}

export const DEFAULT_PAGE_SIZE = 20;
/** The distance used when a location comes without one. */
export const DEFAULT_RADIUS_KM = "25";

const FIELDS: (keyof SearchValues)[] = ["q", "category", "from", "to", "price_min", "price_max", "lat", "lng", "radius_km", "page", "page_size"];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const AMOUNT = /^(\d{1,12})(?:[.,](\d{1,2}))?$/;

/** readValues takes the form's fields from Next.js searchParams (a repeated field counts once). */
export function readValues(params: Record<string, string | string[] | undefined>): SearchValues {
  const v = {} as SearchValues;
  for (const f of FIELDS) {
    const raw = params[f];
    v[f] = (Array.isArray(raw) ? raw[0] ?? "" : raw ?? "").trim();
  }
  return v;
}

/** toMinor turns an amount typed in major units ("12", "12.5", "12,50") into minor units, or null. */
export function toMinor(amount: string): number | null {
  const m = AMOUNT.exec(amount);
  if (!m) return null;
  return Number(m[1]) * 100 + Number((m[2] ?? "0").padEnd(2, "0"));
}

/** isDay tells whether s is a real calendar day written YYYY-MM-DD (what a date input sends). */
export function isDay(s: string): boolean {
  const m = DAY.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]);
}

// number reads a decimal within [min, max], or null.
function number(s: string, min: number, max: number): number | null {
  if (!/^-?\d+(\.\d+)?$/.test(s)) return null;
  const n = Number(s);
  return n >= min && n <= max ? n : null;
}

/** parseSearch checks the form's values and builds the API query for them. */
export function parseSearch(params: Record<string, string | string[] | undefined>): ParsedSearch {
  const v = readValues(params);
  const errors: string[] = [];
  const q = new URLSearchParams();

  if (v.q.length > 200) errors.push("The search text is too long (200 characters at most).");
  else if (v.q) q.set("q", v.q);

  if (v.category && !UUID.test(v.category)) errors.push("Pick a category from the list.");
  else if (v.category) q.set("category", v.category);

  const fromOK = !v.from || isDay(v.from);
  const toOK = !v.to || isDay(v.to);
  if (!fromOK) errors.push("The start date is not a date (use YYYY-MM-DD).");
  if (!toOK) errors.push("The end date is not a date (use YYYY-MM-DD).");
  if (fromOK && toOK && v.from && v.to && v.to < v.from) errors.push("The end date is before the start date.");
  if (v.from) q.set("from", `${v.from}T00:00:00Z`);
  if (v.to) q.set("to", `${v.to}T23:59:59Z`); // the whole last day

  const min = v.price_min ? toMinor(v.price_min) : undefined;
  const max = v.price_max ? toMinor(v.price_max) : undefined;
  if (min === null) errors.push("The lowest price is not an amount (e.g. 12 or 12.50).");
  if (max === null) errors.push("The highest price is not an amount (e.g. 12 or 12.50).");
  if (typeof min === "number" && typeof max === "number" && max < min) errors.push("The lowest price is above the highest price.");
  if (typeof min === "number") q.set("price_min", String(min));
  if (typeof max === "number") q.set("price_max", String(max));

  // Near me: the location comes as a pair; the radius select is always sent, and alone means nothing.
  if (v.lat || v.lng) {
    const lat = number(v.lat, -90, 90);
    const lng = number(v.lng, -180, 180);
    const radius = number(v.radius_km || DEFAULT_RADIUS_KM, 0.1, 20040);
    if (lat === null || lng === null) errors.push("The location is not valid: use “Near me” again.");
    if (radius === null) errors.push("Pick a distance from the list.");
    if (lat !== null && lng !== null && radius !== null) {
      q.set("lat", String(lat));
      q.set("lng", String(lng));
      q.set("radius_km", String(radius));
    }
  }

  const page = v.page ? number(v.page, 1, 1_000_000) : 1;
  const pageSize = v.page_size ? number(v.page_size, 1, 100) : DEFAULT_PAGE_SIZE;
  if (page === null || !Number.isInteger(page)) errors.push("The page number is not valid.");
  if (pageSize === null || !Number.isInteger(pageSize)) errors.push("The page size must be a whole number from 1 to 100.");
  q.set("page", String(page ?? 1));
  q.set("page_size", String(pageSize ?? DEFAULT_PAGE_SIZE));

  const filtered = ["q", "category", "from", "to", "price_min", "price_max", "lat"].some((k) => q.has(k)) || errors.length > 0;
  return {
    values: v, apiQuery: errors.length ? "" : q.toString(), errors, filtered,
    page: page ?? 1, pageSize: pageSize ?? DEFAULT_PAGE_SIZE,
  };
}

/** pageHref links to another page of the same search, keeping every filter the buyer set. */
export function pageHref(v: SearchValues, page: number): string {
  const q = new URLSearchParams();
  for (const f of FIELDS) {
    if (f === "page" || !v[f]) continue;
    if (f === "radius_km" && !v.lat) continue; // meaningless without a location
    q.set(f, v[f]);
  }
  if (page > 1) q.set("page", String(page));
  const s = q.toString();
  return s ? `/?${s}` : "/";
}

/** A category as GET /api/v1/categories lists it. */
export interface Category { id: string; name: string; parent?: { id: string; name: string } }
/** An option of the category select: depth 1 for a sub-category, shown under its parent. */
export interface CategoryOption { id: string; name: string; depth: 0 | 1 }

/**
 * categoryOptions orders categories as a tree for a select: each top-level category followed by
 * its sub-categories (the API lists all parents first). A child whose parent is missing is
 * shown at the top level rather than dropped.
 */
export function categoryOptions(items: Category[]): CategoryOption[] {
  const tops = items.filter((c) => !c.parent || !items.some((p) => p.id === c.parent!.id));
  const out: CategoryOption[] = [];
  for (const t of tops) {
    out.push({ id: t.id, name: t.name, depth: 0 });
    for (const c of items) if (c.parent?.id === t.id && c !== t) out.push({ id: c.id, name: c.name, depth: 1 });
  }
  return out;
}

/** apiErrorText makes the API's error body readable: its message and each field's problem. */
export function apiErrorText(body: unknown): string {
  const e = (body as { error?: { message?: unknown; details?: { fields?: unknown } } } | null)?.error;
  if (!e || typeof e.message !== "string") return "The search could not be run.";
  const fields = e.details?.fields;
  if (fields && typeof fields === "object") {
    const parts = Object.entries(fields as Record<string, unknown>).map(([k, p]) => `${k.replace(/_/g, " ")} ${String(p)}`);
    if (parts.length) return `${e.message}: ${parts.join("; ")}.`;
  }
  return e.message;
}
