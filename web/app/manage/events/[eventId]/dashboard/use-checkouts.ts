"use client";
// useCheckouts follows an event's live checkout feed (GET /api/v1/events/{id}/checkouts/stream,
// SSE). The stream wants the organizer's token; EventSource cannot send headers, but it sends
// the session cookie to this origin and the web app's proxy turns that into the bearer token.
// A refused stream is opened again (followStream). The feed has no replay, so onCheckout is
// also called (with null) on every (re)connection to let the page re-read its figures.
import { useEffect, useRef, useState } from "react";
import type { Checkout } from "@/lib/manage-types";
import { followStream } from "@/lib/stream";

export type FeedState = "connecting" | "live" | "reconnecting" | "closed";

export function useCheckouts(eventId: string, onCheckout: (c: Checkout | null) => void) {
  const [state, setState] = useState<FeedState>("connecting");
  const [feed, setFeed] = useState<Checkout[]>([]);
  const cb = useRef(onCheckout);
  cb.current = onCheckout;

  useEffect(
    () =>
      followStream(
        () => `/api/v1/events/${eventId}/checkouts/stream`,
        {
          connected: () => {
            setState("live");
            cb.current(null);
          },
          checkout: (e) => {
            let c: Checkout;
            try {
              c = JSON.parse(e.data) as Checkout;
            } catch {
              return;
            }
            setFeed((f) => [c, ...f].slice(0, 100));
            cb.current(c);
          },
        },
        // Refused (signed out, not allowed, or the service restarting): tried again, later
        // and later, as long as the page is open; "closed" says so meanwhile.
        { error: (refused) => setState(refused ? "closed" : "reconnecting") },
      ),
    [eventId],
  );

  return { state, feed };
}
