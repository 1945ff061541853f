// A horizontal bar chart in plain SVG, with its figures as a table for screen readers and
// anyone who prefers text (the SVG itself is hidden from assistive technology).
import s from "./chart.module.css";

export interface Bar { label: string; value: number; colour?: string }

interface Props { title: string; bars: Bar[]; format?: (v: number) => string; testId?: string }

const ROW = 34;
const LABEL = 150;
const WIDTH = 420;

export default function BarChart({ title, bars, format = String, testId }: Props) {
  const max = Math.max(1, ...bars.map((b) => b.value));
  const plot = WIDTH - LABEL - 80;
  return (
    <figure className={s.figure} data-testid={testId}>
      <figcaption className={s.caption}>{title}</figcaption>
      <svg viewBox={`0 0 ${WIDTH} ${Math.max(1, bars.length) * ROW + 4}`} className={s.svg} aria-hidden="true" focusable="false">
        {bars.map((b, i) => {
          const w = Math.round((b.value / max) * plot);
          const y = i * ROW + 4;
          return (
            <g key={`${b.label}-${i}`}>
              <text x={LABEL - 6} y={y + 18} textAnchor="end" className={s.label}>{b.label.length > 17 ? b.label.slice(0, 16) + "…" : b.label}</text>
              <rect x={LABEL} y={y} width={Math.max(w, b.value > 0 ? 2 : 0)} height={ROW - 10} rx={3} fill={b.colour ?? "#4F46E5"} />
              <text x={LABEL + w + 6} y={y + 18} className={s.value}>{format(b.value)}</text>
            </g>
          );
        })}
        {bars.length === 0 && <text x={0} y={18} className={s.label}>No data yet</text>}
      </svg>
      <table className={s.table}>
        <caption className={s.srOnly}>{title}</caption>
        <tbody>
          {bars.map((b, i) => (
            <tr key={`${b.label}-${i}`}><th scope="row">{b.label}</th><td data-value={b.value}>{format(b.value)}</td></tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
