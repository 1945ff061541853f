// /orders: the signed-in buyer's orders, newest first.
import Link from "next/link";
import { redirect } from "next/navigation";
import { listOrders, sessionOf } from "@/lib/orders";
import { getSession } from "@/lib/session";
import { money, statusWord, when } from "./format";

export const dynamic = "force-dynamic";
export const metadata = { title: "My orders · Ticketly" };

export default async function OrdersPage() {
  if (!(await getSession())) redirect("/auth/login?returnTo=/orders");
  const r = await listOrders();
  if (!r.ok && r.status === 401) redirect("/auth/login?returnTo=/orders");
  if (!r.ok) return (<><h1>My orders</h1><p role="alert">Your orders cannot be listed right now ({r.status}).</p></>);
  const orders = r.value.items;
  // One read per distinct session names the events (a page holds at most 50 orders).
  const sessions = new Map(await Promise.all([...new Set(orders.map((o) => o.session_id))].map(async (id) => [id, await sessionOf(id)] as const)));
  return (
    <>
      <h1>My orders</h1>
      {orders.length === 0 ? (
        <p>No orders yet. <Link href="/">Find an event</Link>.</p>
      ) : (
        <table className="orders">
          <caption className="sr-only">Your orders, newest first</caption>
          <thead>
            <tr><th scope="col">Event</th><th scope="col">Session</th><th scope="col">Status</th><th scope="col">Total</th><th scope="col">Ordered</th></tr>
          </thead>
          <tbody>
            {orders.map((o) => {
              const s = sessions.get(o.session_id);
              return (
                <tr key={o.id}>
                  <td><Link href={`/orders/${o.id}`}>{s?.event_title ?? "Order"}</Link></td>
                  <td>{s ? when(s.start_time) : ""}</td>
                  <td><span className={`order-status ${o.status}`}>{statusWord(o.status)}</span></td>
                  <td>{money(o.total_minor, o.currency)}</td>
                  <td>{when(o.created_at)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </>
  );
}
