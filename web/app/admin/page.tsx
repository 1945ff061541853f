import type { Metadata } from "next";
import { getSession } from "@/lib/session";
import AccessNotice from "./access-notice";
import ApprovalQueue from "./approval-queue";

export const metadata: Metadata = { title: "Approval queue · Ticketly admin" };
export const dynamic = "force-dynamic";

export default async function AdminPage() {
  const session = await getSession();
  return (
    <>
      <h1>Approval queue</h1>
      {session?.roles.includes("event_admin")
        ? <ApprovalQueue />
        : <AccessNotice signedOut={!session} returnTo="/admin" role="event_admin" />}
    </>
  );
}
