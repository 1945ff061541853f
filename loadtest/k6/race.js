// The original's race scenario (order-test.js): ORDER_VUS buyers (default 100) each post
// the same 16 seats in turn, all VUs on seat i in iteration i, as fast as they can.
// Expected: exactly 16 orders (one per seat), every other request a 409 "taken".
//   ORDER_VUS=1000 k6 run loadtest/k6/race.js
// Double bookings are checked in PostgreSQL afterwards by deploy/local/bench.sh.
import { check } from 'k6';
import { Counter } from 'k6/metrics';
import { tokens, freeSeats, order, scenarioClock } from './lib.js';

const VUS = Number(__ENV.ORDER_VUS || 100);
const SEATS = 16;
const RUN = __ENV.RUN_ID || `${Date.now()}`;
const P95 = Number(__ENV.RACE_P95_MS || 2000);
const created = new Counter('orders_created');
const taken = new Counter('orders_taken');
const other = new Counter('orders_other');
const clock = scenarioClock();

export const options = {
  setupTimeout: '300s',
  scenarios: { race: { executor: 'per-vu-iterations', vus: VUS, iterations: SEATS, maxDuration: '5m' } },
  // The original's thresholds; the tagged one also makes k6 report the race requests alone.
  thresholds: { orders_created: [`count==${SEATS}`], orders_other: ['count==0'], 'http_req_duration{name:race}': [`p(95)<${P95}`] },
  summaryTrendStats: ['avg', 'med', 'p(95)', 'p(99)', 'max'],
};

export function setup() {
  const seats = freeSeats();
  const session = seats[0].session;
  const toks = tokens(VUS);
  return { tokens: toks, seats: seats.filter((s) => s.session === session).slice(0, SEATS).map((s) => s.seat), session, start: clock.start() };
}

export function teardown(data) {
  clock.stop(data.start);
}

export default function (data) {
  const i = __ITER;
  const r = order(data.tokens[__VU - 1], `race-${RUN}-${__VU}-${i}`, data.session, [data.seats[i]], { name: 'race' });
  if (r.status === 201) created.add(1);
  else if (r.status === 409) taken.add(1);
  else other.add(1);
  check(r, { '201 or 409': (x) => x.status === 201 || x.status === 409 });
}
