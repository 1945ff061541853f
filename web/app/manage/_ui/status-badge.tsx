// A status as a coloured badge with its text (the colour is never the only signal).
import s from "./ui.module.css";

export function StatusBadge({ status, label }: { status: string; label?: string }) {
  return <span className={`${s.badge} ${s[status] ?? ""}`} data-status={status}>{label ?? status.replace(/_/g, " ")}</span>;
}
