// The organizer console's calls to the API, from the browser, same-origin: the web app's proxy
// adds the signed-in user's bearer token from the session cookie (lib/proxy.ts), so no token
// is ever handled here. Every call resolves to a Result; nothing throws for an API error, so
// pages can show 401 (sign in), 403 (not allowed) and field errors where they belong.

/** An error answer of a service (SPEC section 4), or a network failure (status 0). */
export interface Problem {
  status: number;
  code: string;
  message: string;
  details: Record<string, unknown>;
  /** details.fields of a 400: field path (e.g. "blocks[0].grid.rows") → problem. */
  fields: Record<string, string>;
}

export type Result<T> = { ok: true; status: number; data: T } | { ok: false; problem: Problem };

/** api calls method path (starting with /api/v1/) with an optional JSON body. */
export async function api<T>(method: string, path: string, body?: unknown): Promise<Result<T>> {
  const init: RequestInit = { method, headers: { accept: "application/json" }, cache: "no-store" };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers = { accept: "application/json", "content-type": "application/json" };
  }
  let res: Response;
  try {
    res = await fetch(path, init);
  } catch {
    return { ok: false, problem: problem(0, "unavailable", "The server could not be reached. Check your connection and retry.") };
  }
  const text = await res.text();
  let parsed: unknown = undefined;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // Not JSON: only the status says something.
  }
  if (res.ok) return { ok: true, status: res.status, data: parsed as T };
  const e = (parsed as { error?: { code?: string; message?: string; details?: Record<string, unknown> } } | undefined)?.error;
  return { ok: false, problem: problem(res.status, e?.code ?? "error", e?.message ?? `The request failed (${res.status}).`, e?.details) };
}

function problem(status: number, code: string, message: string, details: Record<string, unknown> = {}): Problem {
  const f = details.fields;
  const fields: Record<string, string> = {};
  if (f && typeof f === "object") {
    for (const [k, v] of Object.entries(f as Record<string, unknown>)) fields[k] = String(v);
  }
  return { status, code, message, details, fields };
}

/** fieldsUnder returns the field errors whose path starts with prefix (e.g. "blocks[2]"). */
export function fieldsUnder(p: Problem | null | undefined, prefix: string): [string, string][] {
  if (!p) return [];
  return Object.entries(p.fields).filter(([k]) => k === prefix || k.startsWith(prefix + ".") || k.startsWith(prefix + "["));
}

/** query builds "?a=1&b=2" from the non-empty values. */
export function query(params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : "";
}

/** toMinor reads "12.50" as 1250 minor units; NaN when it is not an amount. */
export function toMinor(s: string): number {
  const t = s.trim().replace(",", ".");
  if (!/^\d+(\.\d{1,2})?$/.test(t)) return NaN;
  const [whole, frac = ""] = t.split(".");
  return Number(whole) * 100 + Number(frac.padEnd(2, "0"));
}

/** fromLocalInput reads a datetime-local value as UTC; "" stays "". */
export function fromLocalInput(v: string): string {
  return v ? new Date(v + ":00Z").toISOString().replace(".000Z", "Z") : "";
}
