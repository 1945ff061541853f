// Every /api/v1/... request is forwarded to the service that owns it (lib/routes.ts), with the
// signed-in browser's bearer token taken from its session cookie (lib/proxy.ts).
import { authConfig } from "@/lib/auth-config";
import { forward } from "@/lib/proxy";
import { loadSession } from "@/lib/session-store";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

const handler = (req: Request) => {
  const { origin, secureCookies } = authConfig();
  return forward(req, process.env, {
    origin,
    secureCookies,
    load: async (cookies) => {
      const { session, setCookie } = await loadSession(cookies);
      return { accessToken: session?.accessToken ?? null, setCookie };
    },
  });
};

export const GET = handler;
export const HEAD = handler;
export const POST = handler;
export const PUT = handler;
export const PATCH = handler;
export const DELETE = handler;
export const OPTIONS = handler;
