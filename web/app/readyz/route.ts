// Readiness of the web app: its own settings are usable (the sign-in configuration, which in
// production refuses development secrets). It does not probe the services behind it: one slow
// service must not take the entry point out of every load balancer.
import { authConfig } from "@/lib/auth-config";

export const dynamic = "force-dynamic";

export function GET(): Response {
  const headers = { "cache-control": "no-store" };
  try {
    authConfig();
    return Response.json({ status: "ready" }, { headers });
  } catch (err) {
    return Response.json({ status: "unready", error: (err as Error).message }, { status: 503, headers });
  }
}
