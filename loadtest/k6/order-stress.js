// Order throughput: buyers ordering distinct free seats (Redis hold + PostgreSQL order +
// Stripe PaymentIntent), either all of ONE session ("session": every order contends for the
// same session's rows and locks) or spread over the demo's sessions ("distinct"), and buyers
// hammering seats that are already held ("contended": answered 409 at the Redis gate).
// Reports the rate and p95 of each (tags name:session / name:distinct / name:contended).
//   STRESS_VUS=50 STRESS_SCENARIOS=session k6 run loadtest/k6/order-stress.js
import { check } from 'k6';
import { Counter } from 'k6/metrics';
import exec from 'k6/execution';
import { tokens, freeSeats, order, scenarioClock } from './lib.js';

const VUS = Number(__ENV.STRESS_VUS || 50);
const RUN = __ENV.RUN_ID || `${Date.now()}`;
const P95 = Number(__ENV.STRESS_P95_MS || 3000);
const created = new Counter('orders_created');
const rejected = new Counter('orders_rejected');
const unexpected = new Counter('orders_unexpected');
const clock = scenarioClock();

const all = {
  // The iteration count is fixed before setup sees the seats: 1,180 is a demo session's size,
  // so by default every free seat of the session is ordered and the surplus iterations do nothing.
  session: { executor: 'shared-iterations', vus: VUS, iterations: Number(__ENV.SESSION_ORDERS || 1180), maxDuration: '120s', exec: 'session' },
  distinct: { executor: 'shared-iterations', vus: VUS, iterations: Number(__ENV.STRESS_ORDERS || 1500), maxDuration: '90s', exec: 'distinct' },
  contended: { executor: 'constant-vus', vus: VUS, duration: __ENV.CONTENDED_DURATION || '15s', exec: 'contended' },
};
// STRESS_SCENARIOS picks which run (default all at once): "session", "distinct", "contended".
const picked = (__ENV.STRESS_SCENARIOS || 'session,distinct,contended').split(',');

export const options = {
  setupTimeout: '300s',
  scenarios: Object.fromEntries(picked.map((n) => [n, all[n]])),
  // The original's p95 bound; the tagged thresholds also make k6 report each scenario alone.
  thresholds: Object.assign({ orders_unexpected: ['count==0'] }, ...picked.map((n) => ({ [`http_req_duration{name:${n}}`]: [`p(95)<${P95}`] }))),
  summaryTrendStats: ['avg', 'med', 'p(95)', 'p(99)', 'max'],
};

export function setup() {
  let seats = freeSeats();
  const toks = tokens(Math.min(1000, VUS * 4));
  // The session scenario takes the ON_SALE session with the most free seats; the others share
  // the rest, so that scenarios run together never ask for the same seat.
  const free = {};
  for (const s of seats) free[s.session] = (free[s.session] || 0) + 1;
  const one = Object.keys(free).reduce((a, b) => (free[b] > free[a] ? b : a));
  const sessionSeats = picked.includes('session') ? seats.filter((s) => s.session === one) : [];
  if (sessionSeats.length > 0) seats = seats.filter((s) => s.session !== one);
  // Seats taken up front, only when the contended scenario asks for them again.
  const hot = picked.includes('contended') ? seats.splice(0, 8) : [];
  for (let i = 0; i < hot.length; i++) {
    const r = order(toks[i], `stress-${RUN}-hot-${i}`, hot[i].session, [hot[i].seat], { name: 'setup' }, true);
    if (r.status !== 201) throw new Error(`could not hold a hot seat: ${r.status} ${r.body}`);
  }
  return { sessionSeats, seats, hot, tokens: toks, start: clock.start() };
}

export function teardown(data) {
  clock.stop(data.start);
}

function place(data, seats, name) {
  const n = exec.scenario.iterationInTest;
  if (n >= seats.length) return;
  const s = seats[n];
  const r = order(data.tokens[n % data.tokens.length], `stress-${RUN}-${name}-${n}`, s.session, [s.seat], { name });
  if (r.status === 201) created.add(1);
  else unexpected.add(1);
  check(r, { [`${name}: 201`]: (x) => x.status === 201 });
}

export function session(data) {
  place(data, data.sessionSeats, 'session');
}

export function distinct(data) {
  place(data, data.seats, 'distinct');
}

export function contended(data) {
  const s = data.hot[Math.floor(Math.random() * data.hot.length)];
  const n = exec.scenario.iterationInTest;
  const r = order(data.tokens[(n + 17) % data.tokens.length], `stress-${RUN}-c-${n}`, s.session, [s.seat], { name: 'contended' });
  if (r.status === 409) rejected.add(1);
  else unexpected.add(1);
  check(r, { 'contended: 409': (x) => x.status === 409 });
}
