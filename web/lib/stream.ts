// followStream keeps a server-sent event stream open while a page lives. EventSource
// reconnects by itself after a drop, but gives up on a refused stream (an error status: a
// 503 while the service restarts, a 401 after sign-out); followStream then opens a new one,
// later and later (2 s doubling up to 30 s), at the address url() gives at that moment.
// on.open runs on every (re)connection, on.error on every error, told whether the stream was
// refused (and will be reopened) or dropped (and is reconnecting by itself).
export function followStream(
  url: () => string,
  listeners: Record<string, (e: MessageEvent<string>) => void>,
  on: { open?: () => void; error?: (refused: boolean) => void } = {},
): () => void {
  let es: EventSource;
  let retry: ReturnType<typeof setTimeout> | undefined;
  let refusals = 0;
  const open = () => {
    es = new EventSource(url());
    es.addEventListener("open", () => {
      refusals = 0;
      on.open?.();
    });
    es.addEventListener("error", () => {
      const refused = es.readyState === EventSource.CLOSED;
      on.error?.(refused);
      if (!refused) return;
      refusals++;
      retry = setTimeout(open, Math.min(30000, 1000 * 2 ** Math.min(refusals, 5)));
    });
    for (const [name, fn] of Object.entries(listeners)) es.addEventListener(name, fn as EventListener);
  };
  open();
  return () => {
    clearTimeout(retry);
    es.close();
  };
}
