// Previous/Next links of a search's results; they keep every filter (lib/search.ts pageHref).
import Link from "next/link";
import { pageHref, type SearchValues } from "@/lib/search";
import s from "./search.module.css";

export default function Pager({ values, page, pageSize, total }: { values: SearchValues; page: number; pageSize: number; total: number }) {
  const pages = Math.max(1, Math.ceil(total / pageSize));
  if (pages <= 1 && page <= 1) return null;
  return (
    <nav aria-label="Result pages" className={s.pager}>
      {page > 1 ? <Link href={pageHref(values, Math.min(page - 1, pages))} rel="prev">Previous</Link> : <span aria-hidden="true" />}
      <span>Page {page} of {pages}</span>
      {page < pages ? <Link href={pageHref(values, page + 1)} rel="next">Next</Link> : <span aria-hidden="true" />}
    </nav>
  );
}
