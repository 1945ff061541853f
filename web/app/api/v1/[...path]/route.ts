// Every /api/v1/... request is forwarded to the service that owns it (lib/routes.ts).
import { forward } from "@/lib/proxy";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

const handler = (req: Request) => forward(req);

export const GET = handler;
export const HEAD = handler;
export const POST = handler;
export const PUT = handler;
export const PATCH = handler;
export const DELETE = handler;
export const OPTIONS = handler;
