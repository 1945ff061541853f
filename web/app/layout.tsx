import type { Metadata } from "next";
import Link from "next/link";
import "./globals.css";

export const metadata: Metadata = { title: "Ticketly", description: "Find events and pick your seats live" };

export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en">
      <body>
        <header className="top">
          <Link href="/" className="brand">Ticketly</Link>
        </header>
        <main>{children}</main>
      </body>
    </html>
  );
}
