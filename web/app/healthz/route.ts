// Liveness of the web app (SPEC section 4's /healthz, as every service has): the process answers.
export const dynamic = "force-dynamic";

export function GET(): Response {
  return Response.json({ status: "ok" }, { headers: { "cache-control": "no-store" } });
}
