"use client";
// /manage/events/{id}: the event wizard — details and status, tiers, sessions (each with its
// layout designer, seat blocks and cancellation) and discounts. One read of the event
// (with tiers, sessions and discounts) feeds every step; each step reloads it after a change.
import Link from "next/link";
import { use } from "react";
import type { EventDoc } from "@/lib/manage-types";
import { ProblemNote } from "../../_ui/problem";
import { useApi } from "../../_ui/use-api";
import { useOrgRoles } from "../../_ui/use-roles";
import s from "../../_ui/ui.module.css";
import Details from "./details";
import Tiers from "./tiers";
import Sessions from "./sessions";
import Discounts from "./discounts";

export default function EventPage({ params }: { params: Promise<{ eventId: string }> }) {
  const { eventId } = use(params);
  const { data: ev, problem, reload } = useApi<EventDoc>(`/api/v1/manage/events/${eventId}`);
  const { roles, canManage } = useOrgRoles(ev?.organization_id);
  return (
    <>
      <nav aria-label="Breadcrumb" className={s.nav}>
        <Link href="/manage">Manage</Link>
        {ev && <Link href={`/manage/orgs/${ev.organization_id}`}>Organization</Link>}
        {ev && <Link href={`/manage/events/${ev.id}/dashboard`}>Dashboard</Link>}
      </nav>
      <h1>{ev?.title ?? "Event"}</h1>
      <ProblemNote problem={problem} action="manage this event" />
      {ev && !canManage && (
        <p className={s.readonly}>
          Read only: {roles?.length ? `your role in this organization is ${roles.join(", ")}` : "you are not a member of this organization"}; its owner and admins change it.
        </p>
      )}
      {ev && (
        <>
          <Details ev={ev} onChange={reload} readOnly={!canManage} />
          <Tiers ev={ev} onChange={reload} readOnly={!canManage} />
          <Sessions ev={ev} onChange={reload} readOnly={!canManage} />
          <Discounts ev={ev} onChange={reload} readOnly={!canManage} />
        </>
      )}
    </>
  );
}
