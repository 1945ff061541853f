// The organizer console (SPEC section 9): every page below /manage is a client component
// that calls the API same-origin; the services decide what is allowed.
import type { Metadata } from "next";

export const metadata: Metadata = { title: "Manage · Ticketly" };

export default function ManageLayout({ children }: { children: React.ReactNode }) {
  return <div data-area="manage">{children}</div>;
}
