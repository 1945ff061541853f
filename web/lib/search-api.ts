// Server-side reads of the home page: one search, trending events and the categories of the
// filter. A refused search comes back as text to show (the API's own message), never a throw,
// so a bad URL cannot crash the page.
import { type EventItem } from "./api";
import { apiErrorText, type Category } from "./search";
import { serviceURL } from "./routes";

/** A page of GET /api/v1/events or /api/v1/events/trending. */
export interface EventPage { items: EventItem[]; page: number; page_size: number; total: number }

/** A search's answer: a page of events, or why there is none. */
export type SearchResult = { ok: true; page: EventPage } | { ok: false; message: string };

// read GETs path from event-query; a non-2xx answer becomes its readable error.
async function read<T>(path: string): Promise<{ ok: true; body: T } | { ok: false; message: string }> {
  try {
    const res = await fetch(serviceURL("event-query") + path, { cache: "no-store", headers: { accept: "application/json" } });
    const body = await res.json().catch(() => null);
    if (res.ok && body) return { ok: true, body: body as T };
    if (res.status === 400) return { ok: false, message: apiErrorText(body) };
    return { ok: false, message: "Events cannot be listed right now. Please try again in a moment." };
  } catch {
    return { ok: false, message: "Events cannot be listed right now. Please try again in a moment." };
  }
}

/** searchEvents runs GET /api/v1/events with a query built by parseSearch. */
export async function searchEvents(apiQuery: string): Promise<SearchResult> {
  const r = await read<EventPage>(`/api/v1/events?${apiQuery}`);
  return r.ok ? { ok: true, page: r.body } : r;
}

/** trendingEvents lists the n hottest events; none when the scores cannot be read. */
export async function trendingEvents(n: number): Promise<EventItem[]> {
  const r = await read<EventPage>(`/api/v1/events/trending?page_size=${n}`);
  return r.ok ? r.body.items : [];
}

/** categories lists every category; none when they cannot be read (the filter then offers "Any"). */
export async function categories(): Promise<Category[]> {
  const r = await read<{ items: Category[] }>("/api/v1/categories");
  return r.ok ? r.body.items : [];
}
