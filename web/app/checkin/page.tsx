import type { Metadata } from "next";
import Door from "./door";
import "./checkin.css";

export const metadata: Metadata = { title: "Check-in · Ticketly" };

export default async function CheckInPage({ searchParams }: { searchParams: Promise<{ session_id?: string | string[] }> }) {
  const { session_id } = await searchParams;
  const initial = typeof session_id === "string" ? session_id : "";
  return (
    <div className="checkin">
      <h1>Check-in</h1>
      <Door initialSession={initial} />
    </div>
  );
}
