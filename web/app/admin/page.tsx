import type { Metadata } from "next";
import ApprovalQueue from "./approval-queue";

export const metadata: Metadata = { title: "Approval queue · Ticketly admin" };

export default function AdminPage() {
  return (
    <>
      <h1>Approval queue</h1>
      <ApprovalQueue />
    </>
  );
}
