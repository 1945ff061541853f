"use client";
// useCheckouts follows an event's live checkout feed (GET /api/v1/events/{id}/checkouts/stream,
// SSE). The stream wants the organizer's token; EventSource cannot send headers, but it sends
// the session cookie to this origin and the web app's proxy turns that into the bearer token.
// EventSource reconnects by itself after a drop, but gives up on a refused stream (an error
// status): the hook then opens a new one. The feed has no replay, so onCheckout is also called
// (with null) on every (re)connection to let the page re-read its figures.
import { useEffect, useRef, useState } from "react";
import type { Checkout } from "@/lib/manage-types";

export type FeedState = "connecting" | "live" | "reconnecting" | "closed";

export function useCheckouts(eventId: string, onCheckout: (c: Checkout | null) => void) {
  const [state, setState] = useState<FeedState>("connecting");
  const [feed, setFeed] = useState<Checkout[]>([]);
  const cb = useRef(onCheckout);
  cb.current = onCheckout;

  useEffect(() => {
    let es: EventSource;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let refusals = 0;
    const open = () => {
      es = new EventSource(`/api/v1/events/${eventId}/checkouts/stream`);
      es.addEventListener("connected", () => {
        refusals = 0;
        setState("live");
        cb.current(null);
      });
      es.addEventListener("checkout", (e) => {
        let c: Checkout;
        try {
          c = JSON.parse((e as MessageEvent<string>).data) as Checkout;
        } catch {
          return;
        }
        setFeed((f) => [c, ...f].slice(0, 100));
        cb.current(c);
      });
      es.onerror = () => {
        if (es.readyState !== EventSource.CLOSED) {
          setState("reconnecting");
          return;
        }
        // Refused (signed out, not allowed, or the service restarting): tried again, later
        // and later, as long as the page is open; "closed" says so meanwhile.
        setState("closed");
        refusals++;
        retry = setTimeout(open, Math.min(30000, 1000 * 2 ** Math.min(refusals, 5)));
      };
    };
    open();
    return () => {
      clearTimeout(retry);
      es.close();
    };
  }, [eventId]);

  return { state, feed };
}
