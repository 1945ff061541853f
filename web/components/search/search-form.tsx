// The home page's search form: a plain GET form, so it works without JavaScript and every
// search is a shareable URL. Only "Near me" needs the browser (near-me.tsx).
import { type CategoryOption, type SearchValues, DEFAULT_PAGE_SIZE } from "@/lib/search";
import NearMe from "./near-me";
import s from "./search.module.css";

export default function SearchForm({ values: v, categories }: { values: SearchValues; categories: CategoryOption[] }) {
  return (
    <form role="search" aria-label="Events" action="/" method="get" className={s.form}>
      <div className={s.text}>
        <label htmlFor="q">Search events</label>
        <input id="q" name="q" type="search" defaultValue={v.q} placeholder="Artist, event, venue…" maxLength={200} />
      </div>
      <div className={s.grid}>
        <label className={s.field}>
          <span>Category</span>
          <select name="category" defaultValue={v.category}>
            <option value="">Any category</option>
            {categories.map((c) => (
              // Options cannot be padded everywhere: non-breaking spaces indent a sub-category.
              <option key={c.id} value={c.id}>{c.depth ? `\u00a0\u00a0\u00a0${c.name}` : c.name}</option>
            ))}
          </select>
        </label>
        <label className={s.field}>
          <span>From</span>
          <input name="from" type="date" defaultValue={v.from} />
        </label>
        <label className={s.field}>
          <span>To</span>
          <input name="to" type="date" defaultValue={v.to} />
        </label>
        <label className={s.field}>
          <span>Min price</span>
          <input name="price_min" type="text" inputMode="decimal" defaultValue={v.price_min} placeholder="0" size={6} />
        </label>
        <label className={s.field}>
          <span>Max price</span>
          <input name="price_max" type="text" inputMode="decimal" defaultValue={v.price_max} placeholder="any" size={6} />
        </label>
      </div>
      <NearMe lat={v.lat} lng={v.lng} radiusKm={v.radius_km} />
      {v.page_size && v.page_size !== String(DEFAULT_PAGE_SIZE) && <input type="hidden" name="page_size" value={v.page_size} />}
      <div className={s.row}>
        <button type="submit" className="primary">Search</button>
        <a href="/">Clear filters</a>
      </div>
    </form>
  );
}
