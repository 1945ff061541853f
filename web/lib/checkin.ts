// The door's check-in (browser side, same origin): POST /api/v1/checkins and what its answer
// means for the person scanning (SPEC section 12): 200 admitted, 409 already checked in (with
// the first check-in's time), 422 refused with a reason; the rest are problems of the page's
// setup (signed out, not a scanner of this organization, no such session) or of the network.

/** What the scanner is shown after a scan. */
export type Outcome =
  | { kind: "checked_in"; ticketId: string; label: string; tier: string; holder: string; at: string }
  | { kind: "already"; at: string }
  | { kind: "not_valid"; reason: string }
  | { kind: "signed_out" }
  | { kind: "forbidden" }
  | { kind: "error"; message: string };

/** Why a ticket is refused, in words, by the API's details.reason. */
const REASONS: Record<string, string> = {
  other_session: "The ticket is for another session.",
  session_cancelled: "This session is cancelled.",
  ticket_void: "The ticket is void.",
  ticket_refunded: "The ticket was refunded.",
  not_paid: "Its order is not paid.",
  invalid_signature: "Not a Ticketly ticket: the signature does not match.",
};

interface ErrorBody { error?: { code?: string; message?: string; details?: Record<string, unknown> } }
interface CheckedIn { ticket?: { id?: string }; checked_in_at: string; label: string; tier_name: string; holder?: { email?: string } }

/** outcome reads an answer of POST /api/v1/checkins (status and parsed body). */
export function outcome(status: number, body: unknown): Outcome {
  const err = (body as ErrorBody | undefined)?.error;
  const details = err?.details ?? {};
  switch (status) {
    case 200: {
      const b = body as CheckedIn;
      return { kind: "checked_in", ticketId: b.ticket?.id ?? "", label: b.label, tier: b.tier_name, holder: b.holder?.email ?? "", at: b.checked_in_at };
    }
    case 409:
      return { kind: "already", at: String(details.checked_in_at ?? "") };
    case 422: {
      const reason = String(details.reason ?? "");
      return { kind: "not_valid", reason: REASONS[reason] ?? (err?.message || "Refused.") };
    }
    case 400: {
      // A malformed QR is the ticket's problem; a missing or bad session is the page's.
      const fields = details.fields as Record<string, string> | undefined;
      if (fields?.session_id) return { kind: "error", message: `Choose a session first (${fields.session_id}).` };
      return { kind: "not_valid", reason: "The code is not a ticket" + (err?.message ? ` (${err.message}).` : ".") };
    }
    case 404:
      return { kind: "not_valid", reason: err?.message ? `Unknown ticket or session (${err.message}).` : "Unknown ticket or session." };
    case 401:
      return { kind: "signed_out" };
    case 403:
      return { kind: "forbidden" };
    default:
      return { kind: "error", message: err?.message ? `${err.message} (${status}). Scan again.` : `The server answered ${status}. Scan again.` };
  }
}

/** checkIn sends one scan for a session's door. */
export async function checkIn(qr: string, sessionId: string): Promise<Outcome> {
  let res: Response;
  try {
    res = await fetch("/api/v1/checkins", {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify({ qr, session_id: sessionId }),
      cache: "no-store",
      credentials: "same-origin",
    });
  } catch {
    return { kind: "error", message: "The server cannot be reached. Check the connection and scan again." };
  }
  let body: unknown;
  try { body = await res.json(); } catch { body = undefined; }
  return outcome(res.status, body);
}

/**
 * undoCheckIn takes a ticket's check-in back (a mistaken scan): allowed to the owner and ADMINs
 * of the organization, not to scanners. Returns what to tell the person, "" when undone.
 */
export async function undoCheckIn(ticketId: string): Promise<string> {
  try {
    const res = await fetch(`/api/v1/checkins/${encodeURIComponent(ticketId)}`, { method: "DELETE", cache: "no-store", credentials: "same-origin" });
    if (res.status === 204) return "";
    if (res.status === 403) return "Only the organization's owner or admins can undo a check-in.";
    if (res.status === 409) return "The ticket is not checked in.";
    const body = (await res.json().catch(() => undefined)) as ErrorBody | undefined;
    return body?.error?.message ?? `The server answered ${res.status}.`;
  } catch {
    return "The server cannot be reached.";
  }
}

/** A session a scanner may check in for, as listed in the door's picker. */
export interface DoorSession { id: string; event_title: string; start_time: string; venue: string; status: string }

interface MyOrg { id: string; name: string; my_roles: string[] }
interface Listed { id: string; title: string }
interface PublicEvent { sessions?: { id: string; start_time: string; end_time: string; status: string; venue?: { name?: string } }[] }

// getJSON reads path; undefined when it cannot, with the status (0: no answer).
async function getJSON<T>(path: string): Promise<{ data?: T; status: number }> {
  try {
    const res = await fetch(path, { headers: { accept: "application/json" }, cache: "no-store", credentials: "same-origin" });
    return { data: res.ok ? ((await res.json()) as T) : undefined, status: res.status };
  } catch {
    return { status: 0 };
  }
}

/**
 * doorSessions lists the sessions of the caller's organizations (owner, ADMIN or SCANNER:
 * those the order service lets check in) that are not cancelled and not long over, soonest
 * first. Best effort: what cannot be read is left out, and the page still takes ?session_id=.
 */
export async function doorSessions(now = Date.now()): Promise<{ signedOut: boolean; sessions: DoorSession[] }> {
  const mine = await getJSON<{ items: MyOrg[] }>("/api/v1/organizations/mine");
  if (mine.status === 401) return { signedOut: true, sessions: [] };
  const orgs = mine.data?.items ?? [];
  const doors = orgs.filter((o) => o.my_roles.some((r) => r === "OWNER" || r === "ADMIN" || r === "SCANNER"));
  const events = (await Promise.all(doors.map(async (o) =>
    (await getJSON<{ items: Listed[] }>(`/api/v1/manage/events?organization_id=${o.id}&status=APPROVED&page_size=50`)).data?.items ?? []))).flat();
  const sessions = await Promise.all(events.map(async (e) => {
    const doc = (await getJSON<PublicEvent>(`/api/v1/events/${e.id}`)).data;
    return (doc?.sessions ?? [])
      .filter((s) => s.status !== "CANCELLED" && Date.parse(s.end_time) > now - 12 * 3600e3)
      .map((s) => ({ id: s.id, event_title: e.title, start_time: s.start_time, venue: s.venue?.name ?? "", status: s.status }));
  }));
  return { signedOut: false, sessions: sessions.flat().sort((a, b) => a.start_time.localeCompare(b.start_time)) };
}
