"use client";
// "Follow" for an event, a session or an organization: POST /api/v1/subscriptions (201 new, 200
// already followed), and "Unfollow": DELETE /api/v1/subscriptions/{id}. Calls go to this
// origin, whose proxy adds the session's token; the page passes the current state it read.
import { useState } from "react";
import { followBody, followError, type FollowKind } from "@/lib/follow";
import s from "./event.module.css";

export default function FollowButton({ kind, id, label, initial }: { kind: FollowKind; id: string; label: string; initial: string | null }) {
  const [sub, setSub] = useState(initial);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState("");

  async function toggle() {
    setBusy(true);
    setMessage("");
    try {
      const res = sub
        ? await fetch(`/api/v1/subscriptions/${sub}`, { method: "DELETE" })
        : await fetch("/api/v1/subscriptions", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(followBody(kind, id)) });
      if (sub && (res.status === 204 || res.status === 404)) setSub(null); // 404: already gone
      else if (!sub && (res.status === 201 || res.status === 200)) setSub(((await res.json()) as { id: string }).id);
      else setMessage(followError(res.status));
    } catch {
      setMessage(followError(0));
    } finally {
      setBusy(false);
    }
  }

  return (
    <span className={s.follow} data-follow={kind} data-following={sub ? "true" : "false"}>
      {sub && <span className={s.following}>Following</span>}
      <button type="button" onClick={toggle} disabled={busy} aria-label={`${sub ? "Unfollow" : "Follow"} ${label}`}>
        {sub ? "Unfollow" : "Follow"}
      </button>
      <span role="status" className={s.followMessage}>{message}</span>
    </span>
  );
}
