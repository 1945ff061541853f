// Next.js settings of the web app. The server refuses to start in production without its
// session secret (SPEC section 11): the check runs when `next start` loads this file, not at
// build time, when secrets are not around.
const PRODUCTION_SERVER = "phase-production-server";

function checkSecrets(phase) {
  if (phase !== PRODUCTION_SERVER) return;
  const secret = process.env.WEB_SESSION_SECRET ?? "";
  if (process.env.TICKETLY_ENV === "production") {
    if (secret.length < 32) throw new Error("WEB_SESSION_SECRET must be set (32 or more characters) when TICKETLY_ENV=production");
  } else if (!secret) {
    console.warn("web: WEB_SESSION_SECRET is not set; using the development default (refused when TICKETLY_ENV=production)");
  }
}

/** @type {(phase: string) => import('next').NextConfig} */
export default function nextConfig(phase) {
  checkSecrets(phase);
  return {
    // No compression: it would buffer the SSE streams the API routes pass through.
    compress: false,
    poweredByHeader: false,
    reactStrictMode: true,
  };
}
