// The one entry point's routing rules (SPEC section 10): every API request belongs to exactly
// one service, chosen by method and path. The rules are data, written once here; the route
// handler app/api/v1/[...path]/route.ts and the unit tests read them. The first matching rule
// wins, so more specific patterns come first.

/** A backend service of Ticketly. */
export type Service = "event-command" | "event-query" | "order" | "scheduler";

/** One routing rule: methods (empty = any) and a path pattern under /api/v1. */
export interface Rule {
  methods: string[];
  /** Path pattern: literal segments, `*` for one segment, a trailing `**` for any rest (or none). */
  pattern: string;
  service: Service;
}

const GET = ["GET", "HEAD"];
const WRITE = ["POST", "PUT", "PATCH", "DELETE"];
const ANY: string[] = [];

/** The routing table, in order: the first rule whose method and pattern match decides. */
export const RULES: Rule[] = [
  // Public reads (event-query): events, sessions, seats, streams, categories, trending.
  { methods: GET, pattern: "/api/v1/events", service: "event-query" },
  { methods: GET, pattern: "/api/v1/events/trending", service: "event-query" },
  { methods: GET, pattern: "/api/v1/events/*", service: "event-query" },
  { methods: GET, pattern: "/api/v1/events/*/checkouts/stream", service: "event-query" },
  { methods: GET, pattern: "/api/v1/sessions/*", service: "event-query" },
  { methods: GET, pattern: "/api/v1/sessions/*/seats", service: "event-query" },
  { methods: GET, pattern: "/api/v1/sessions/*/stream", service: "event-query" },
  { methods: GET, pattern: "/api/v1/categories", service: "event-query" },
  { methods: GET, pattern: "/api/v1/categories/**", service: "event-query" },
  // Orders, payments, tickets, check-ins, sales and seat blocks (order).
  { methods: ANY, pattern: "/api/v1/orders/**", service: "order" },
  { methods: ANY, pattern: "/api/v1/webhooks/**", service: "order" },
  { methods: ANY, pattern: "/api/v1/tickets/**", service: "order" },
  { methods: ANY, pattern: "/api/v1/checkins/**", service: "order" },
  { methods: ANY, pattern: "/api/v1/sales/**", service: "order" },
  { methods: ["POST"], pattern: "/api/v1/sessions/*/blocks", service: "order" },
  { methods: ["POST"], pattern: "/api/v1/sessions/*/unblocks", service: "order" },
  // Subscriptions (scheduler).
  { methods: ANY, pattern: "/api/v1/subscriptions/**", service: "scheduler" },
  // Organizer and admin reads and writes (event-command). Its reads of events, sessions,
  // discounts and categories live under /manage; on the public resource paths it has writes only,
  // so a GET there is event-query's or nobody's.
  { methods: ANY, pattern: "/api/v1/manage/**", service: "event-command" },
  { methods: ANY, pattern: "/api/v1/organizations/**", service: "event-command" },
  { methods: ANY, pattern: "/api/v1/seating-templates/**", service: "event-command" },
  { methods: ANY, pattern: "/api/v1/tiers/**", service: "event-command" },
  { methods: ANY, pattern: "/api/v1/discounts/**", service: "event-command" },
  { methods: WRITE, pattern: "/api/v1/events/**", service: "event-command" },
  { methods: WRITE, pattern: "/api/v1/sessions/**", service: "event-command" },
  { methods: WRITE, pattern: "/api/v1/categories/**", service: "event-command" },
];

/** matchPattern reports whether path (no query string) matches a rule's pattern. */
export function matchPattern(pattern: string, path: string): boolean {
  const want = pattern.split("/").filter(Boolean);
  const got = path.split("/").filter(Boolean);
  for (let i = 0; i < want.length; i++) {
    if (want[i] === "**") return i === want.length - 1;
    if (i >= got.length) return false;
    if (want[i] !== "*" && want[i] !== got[i]) return false;
  }
  return got.length === want.length;
}

/** route returns the service that owns (method, path), or undefined when none does. */
export function route(method: string, path: string): Service | undefined {
  const m = method.toUpperCase();
  for (const r of RULES) {
    if (r.methods.length > 0 && !r.methods.includes(m)) continue;
    if (matchPattern(r.pattern, path)) return r.service;
  }
  return undefined;
}

/** The environment variable and local default of each service's base URL. */
export const SERVICE_ENV: Record<Service, { env: string; fallback: string }> = {
  "event-command": { env: "EVENT_COMMAND_URL", fallback: "http://127.0.0.1:8081" },
  "event-query": { env: "EVENT_QUERY_URL", fallback: "http://127.0.0.1:8082" },
  order: { env: "ORDER_URL", fallback: "http://127.0.0.1:8083" },
  scheduler: { env: "SCHEDULER_URL", fallback: "http://127.0.0.1:8084" },
};

/** serviceURL returns the base URL of s from env (process.env by default), without a trailing slash. */
export function serviceURL(s: Service, env: Record<string, string | undefined> = process.env): string {
  const { env: name, fallback } = SERVICE_ENV[s];
  return (env[name] || fallback).replace(/\/+$/, "");
}
