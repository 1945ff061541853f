import type { Metadata, Viewport } from "next";
import Link from "next/link";
import SignInLink from "./auth/sign-in-link";
import { getSession } from "@/lib/session";
import "./globals.css";

export const metadata: Metadata = { title: "Ticketly", description: "Find events and pick your seats live" };
export const viewport: Viewport = { width: "device-width", initialScale: 1 };

// Roles decide what the header offers; the services decide what is allowed.
const ADMIN_ROLES = ["event_admin", "category_admin"];

export default async function RootLayout({ children }: { children: React.ReactNode }) {
  const session = await getSession();
  return (
    <html lang="en">
      <body>
        <header className="top">
          <Link href="/" className="brand">Ticketly</Link>
          <nav aria-label="Account" className="account">
            {session ? (
              <>
                <Link href="/orders">My orders</Link>
                <Link href="/manage">Manage</Link>
                {session.roles.some((r) => ADMIN_ROLES.includes(r)) && <Link href="/admin">Admin</Link>}
                <Link href="/checkin">Check-in</Link>
                <span className="who" data-testid="user-name">{session.name || session.username}</span>
                <form action="/auth/logout" method="post">
                  <button type="submit">Sign out</button>
                </form>
              </>
            ) : (
              <SignInLink />
            )}
          </nav>
        </header>
        <main>{children}</main>
      </body>
    </html>
  );
}
