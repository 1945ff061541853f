// Order throughput: buyers ordering *distinct* free seats (Redis hold + PostgreSQL order +
// Stripe PaymentIntent), alongside buyers hammering seats that are already held (answered
// 409 at the Redis gate). Reports the rate and p95 of each (tags name:distinct / name:contended).
//   STRESS_VUS=50 k6 run loadtest/k6/order-stress.js
import { check } from 'k6';
import { Counter } from 'k6/metrics';
import exec from 'k6/execution';
import { tokens, freeSeats, order } from './lib.js';

const VUS = Number(__ENV.STRESS_VUS || 50);
const RUN = __ENV.RUN_ID || `${Date.now()}`;
const created = new Counter('orders_created');
const rejected = new Counter('orders_rejected');
const unexpected = new Counter('orders_unexpected');

const all = {
  distinct: { executor: 'shared-iterations', vus: VUS, iterations: Number(__ENV.STRESS_ORDERS || 1500), maxDuration: '90s', exec: 'distinct' },
  contended: { executor: 'constant-vus', vus: VUS, duration: __ENV.CONTENDED_DURATION || '15s', exec: 'contended' },
};
// STRESS_SCENARIOS picks which run (default both at once): "distinct", "contended".
const picked = (__ENV.STRESS_SCENARIOS || 'distinct,contended').split(',');

export const options = {
  setupTimeout: '300s',
  scenarios: Object.fromEntries(picked.map((n) => [n, all[n]])),
  // The original's p95 bound; the tagged thresholds also make k6 report each scenario alone.
  thresholds: Object.assign({ orders_unexpected: ['count==0'] }, ...picked.map((n) => ({ [`http_req_duration{name:${n}}`]: ['p(95)<3000'] }))),
  summaryTrendStats: ['avg', 'med', 'p(95)', 'p(99)', 'max'],
};

export function setup() {
  const seats = freeSeats();
  const toks = tokens(Math.min(1000, VUS * 4));
  // The first seats are taken up front; the contended scenario asks for them again.
  const hot = seats.splice(0, 8);
  for (let i = 0; i < hot.length; i++) {
    const r = order(toks[i], `stress-${RUN}-hot-${i}`, hot[i].session, [hot[i].seat], { name: 'setup' });
    if (r.status !== 201) throw new Error(`could not hold a hot seat: ${r.status} ${r.body}`);
  }
  return { seats, hot, tokens: toks };
}

export function distinct(data) {
  const n = exec.scenario.iterationInTest;
  if (n >= data.seats.length) return;
  const s = data.seats[n];
  const r = order(data.tokens[n % data.tokens.length], `stress-${RUN}-${n}`, s.session, [s.seat], { name: 'distinct' });
  if (r.status === 201) created.add(1);
  else unexpected.add(1);
  check(r, { 'distinct: 201': (x) => x.status === 201 });
}

export function contended(data) {
  const s = data.hot[Math.floor(Math.random() * data.hot.length)];
  const n = exec.scenario.iterationInTest;
  const r = order(data.tokens[(n + 17) % data.tokens.length], `stress-${RUN}-c-${n}`, s.session, [s.seat], { name: 'contended' });
  if (r.status === 409) rejected.add(1);
  else unexpected.add(1);
  check(r, { 'contended: 409': (x) => x.status === 409 });
}
