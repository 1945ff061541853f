"use client";
// The header's "Sign in" link: it brings the user back to the page they were on.
import { usePathname } from "next/navigation";

export default function SignInLink({ label = "Sign in", className }: { label?: string; className?: string }) {
  const path = usePathname() || "/";
  return (
    <a
      className={className}
      href={`/auth/login?returnTo=${encodeURIComponent(path)}`}
      // The query and fragment are known only in the browser: added when clicked.
      onClick={(e) => {
        const here = window.location.pathname + window.location.search + window.location.hash;
        e.currentTarget.href = `/auth/login?returnTo=${encodeURIComponent(here)}`;
      }}
    >
      {label}
    </a>
  );
}
