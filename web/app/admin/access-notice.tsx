// What a signed-out or unauthorized visitor of an admin page sees instead of the page. The
// pages decide by the session's roles; the services still decide what is allowed, and their
// 401 or 403 (an expired session, a role removed meanwhile) lands here too.
import { signInPath } from "@/lib/admin";

export default function AccessNotice({ signedOut, returnTo, role }: { signedOut: boolean; returnTo: string; role: string }) {
  if (signedOut) {
    return (
      <p role="alert" className="notice">
        You are signed out. <a href={signInPath(returnTo)}>Sign in</a> to continue.
      </p>
    );
  }
  return (
    <p role="alert" className="notice notice-error">
      Not allowed: this page needs the <code>{role}</code> role, which your account does not have.
    </p>
  );
}
