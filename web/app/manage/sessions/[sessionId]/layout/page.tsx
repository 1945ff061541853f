"use client";
// /manage/sessions/{id}/layout: the layout designer of one session (SPEC section 2 layouts).
import Link from "next/link";
import { use, useEffect, useState } from "react";
import { when } from "@/lib/api";
import type { EventDoc, Session } from "@/lib/manage-types";
import { ProblemNote } from "../../../_ui/problem";
import { useApi } from "../../../_ui/use-api";
import ui from "../../../_ui/ui.module.css";
import Designer from "./designer";

export default function LayoutPage({ params }: { params: Promise<{ sessionId: string }> }) {
  const { sessionId } = use(params);
  const session = useApi<Session>(`/api/v1/manage/sessions/${sessionId}`);
  const [eventPath, setEventPath] = useState<string | null>(null);
  useEffect(() => {
    if (session.data) setEventPath(`/api/v1/manage/events/${session.data.event_id}`);
  }, [session.data]);
  const ev = useApi<EventDoc>(eventPath);
  return (
    <>
      <nav aria-label="Breadcrumb" className={ui.nav}>
        <Link href="/manage">Manage</Link>
        {ev.data && <Link href={`/manage/events/${ev.data.id}`}>{ev.data.title}</Link>}
      </nav>
      <h1>Layout{session.data ? ` · ${when(session.data.start_time)}` : ""}</h1>
      <ProblemNote problem={session.problem ?? (eventPath ? ev.problem : null)} action="design this session's layout" />
      {session.data && ev.data && <Designer session={session.data} ev={ev.data} onSaved={session.reload} />}
    </>
  );
}
