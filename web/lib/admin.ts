// The admin pages' calls (browser side, same origin): the approval queue and the categories
// of event-command's /api/v1/manage/... reads and its approve/reject/categories writes. The
// signed-in user's token is added by the web origin (cookie session), never by this code.

/** An API error answer (SPEC section 4), or status 0 when the server could not be reached. */
export interface Problem {
  status: number;
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

/** The outcome of a call: the answer's body, or its problem. */
export type Result<T> = { ok: true; status: number; data: T } | { ok: false; problem: Problem };

/** call sends one same-origin JSON request and reads the answer or the error envelope. */
export async function call<T>(method: string, path: string, body?: unknown): Promise<Result<T>> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers: { accept: "application/json", ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
      credentials: "same-origin",
    });
  } catch {
    return { ok: false, problem: { status: 0, code: "unavailable", message: "The server cannot be reached. Check the connection and try again." } };
  }
  const text = await res.text();
  let json: unknown;
  try { json = text ? JSON.parse(text) : undefined; } catch { json = undefined; }
  if (res.ok) return { ok: true, status: res.status, data: json as T };
  const err = (json as { error?: Partial<Problem> } | undefined)?.error;
  return {
    ok: false,
    problem: { status: res.status, code: err?.code ?? "unknown", message: err?.message ?? `The server answered ${res.status}.`, details: err?.details as Record<string, unknown> | undefined },
  };
}

/** problemText is what a person reads for a failed call, with field errors spelled out. */
export function problemText(p: Problem): string {
  const fields = p.details?.fields as Record<string, string> | undefined;
  const extra = fields ? Object.entries(fields).map(([f, why]) => `${f}: ${why}`).join("; ") : "";
  return extra ? `${p.message} (${extra})` : p.message;
}

/** A category (flat list of a two-level tree). */
export interface Category { id: string; name: string; parent_id: string | null }

/** A session as event-command lists it. */
export interface ManagedSession {
  id: string; start_time: string; end_time: string; status: string; session_type?: string;
  venue?: { name?: string; address?: string } | null; online_link?: string;
}

/** An event as event-command lists it (the queue reads PENDING ones). */
export interface ManagedEvent {
  id: string; organization_id: string; organization_name: string; title: string; description?: string;
  status: string; rejection_reason?: string; submitted_at: string | null; created_at: string; updated_at: string;
  sessions?: ManagedSession[];
}

/** A page of events. */
export interface EventPage { items: ManagedEvent[]; page: number; page_size: number; total: number }

/** signInPath is where a signed-out user goes to come back to returnTo. */
export function signInPath(returnTo: string): string {
  return `/auth/login?returnTo=${encodeURIComponent(returnTo)}`;
}

/** byParent orders categories as a tree: each top-level one followed by its children, by name. */
export function byParent(items: Category[]): { category: Category; depth: number }[] {
  const byName = (a: Category, b: Category) => a.name.localeCompare(b.name);
  const tops = items.filter((c) => !c.parent_id || !items.some((p) => p.id === c.parent_id)).sort(byName);
  const out: { category: Category; depth: number }[] = [];
  for (const t of tops) {
    out.push({ category: t, depth: 0 });
    for (const c of items.filter((c) => c.parent_id === t.id).sort(byName)) out.push({ category: c, depth: 1 });
  }
  return out;
}
