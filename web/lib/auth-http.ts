// Small answers of the /auth routes: redirects carrying cookies, and a plain error page.
import { setCookieHeader, type CookieWrite } from "./session-codec";

/** redirect answers 303 to location, writing cookies. */
export function redirect(location: string, cookies: CookieWrite[], secure: boolean): Response {
  const h = new Headers({ location, "cache-control": "no-store" });
  for (const c of cookies) h.append("set-cookie", setCookieHeader(c, secure));
  return new Response(null, { status: 303, headers: h });
}

/** problem answers a short HTML page with a way back to signing in. */
export function problem(status: number, message: string, cookies: CookieWrite[] = [], secure = false): Response {
  const esc = message.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const h = new Headers({ "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
  for (const c of cookies) h.append("set-cookie", setCookieHeader(c, secure));
  return new Response(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Sign-in problem · Ticketly</title></head>` +
      `<body style="font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem"><h1>Sign-in did not work</h1><p role="alert">${esc}</p>` +
      `<p><a href="/auth/login">Try again</a> · <a href="/">Home</a></p></body></html>`,
    { status, headers: h },
  );
}
