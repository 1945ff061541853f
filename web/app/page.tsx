// Home: search events by text, category, dates, price and distance (a GET form, shareable URLs),
// with trending events when no filter is set. The filters are checked before the API is asked
// (lib/search.ts); a refusal of the API is shown as its message.
import SearchForm from "@/components/search/search-form";
import EventList from "@/components/search/event-list";
import Pager from "@/components/search/pager";
import s from "@/components/search/search.module.css";
import { categoryOptions, parseSearch } from "@/lib/search";
import { categories, searchEvents, trendingEvents } from "@/lib/search-api";

export const dynamic = "force-dynamic";

const TRENDING = 6;

export default async function Home({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const search = parseSearch(await searchParams);
  const showTrending = !search.filtered && search.page === 1;
  const [cats, result, trending] = await Promise.all([
    categories(),
    search.errors.length ? null : searchEvents(search.apiQuery),
    showTrending ? trendingEvents(TRENDING) : [],
  ]);
  return (
    <>
      <h1>Ticketly</h1>
      <p>Find an event, then pick your seats on a live map.</p>
      <SearchForm values={search.values} categories={categoryOptions(cats)} />
      {search.errors.length > 0 && (
        <div role="alert" className={s.problems} id="search-problems">
          <p>Please check the filters:</p>
          <ul>{search.errors.map((e) => <li key={e}>{e}</li>)}</ul>
        </div>
      )}
      {trending.length > 0 && (
        <section aria-labelledby="trending">
          <h2 id="trending">Trending</h2>
          <EventList items={trending} label="Trending events" />
        </section>
      )}
      {result && (
        <section aria-labelledby="results">
          <h2 id="results">{search.filtered ? "Results" : "Upcoming events"}</h2>
          {!result.ok && <p role="alert" className={s.problems} id="search-problems">{result.message}</p>}
          {result.ok && (
            <>
              <p className="meta" id="result-count">
                {result.page.total === 0 ? "No events found." : `${result.page.total} event${result.page.total === 1 ? "" : "s"} found.`}
              </p>
              <EventList items={result.page.items} label={search.filtered ? "Search results" : "Upcoming events"} />
              <Pager values={search.values} page={search.page} pageSize={search.pageSize} total={result.page.total} />
            </>
          )}
        </section>
      )}
    </>
  );
}
