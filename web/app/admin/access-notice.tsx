// What a signed-out or unauthorized visitor of an admin page sees instead of the page: the
// services decide what is allowed, the page only explains their 401 or 403.
import { signInPath, type Problem } from "@/lib/admin";

export default function AccessNotice({ problem, returnTo, role }: { problem: Problem; returnTo: string; role: string }) {
  if (problem.status === 401) {
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
