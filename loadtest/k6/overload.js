// Overload: many buyers hammering seats that are already held, far more at once than the
// order service can serve (run something CPU-heavy beside it to starve it further). Every
// request must be answered: 409 (the seat is held) or 503 + Retry-After (load shed), never a
// dropped connection (status 0: EOF, reset, timeout). Fails when any request got no answer
// or an answer other than 409/503.
//   OVERLOAD_VUS=1000 OVERLOAD_DURATION=20s k6 run loadtest/k6/overload.js
import { check } from 'k6';
import { Counter } from 'k6/metrics';
import exec from 'k6/execution';
import { tokens, freeSeats, order, scenarioClock } from './lib.js';

const VUS = Number(__ENV.OVERLOAD_VUS || 1000);
const RUN = __ENV.RUN_ID || `${Date.now()}`;
const conflicts = new Counter('overload_409');
const shed = new Counter('overload_503');
const dropped = new Counter('overload_dropped');
const unexpected = new Counter('overload_unexpected');
const clock = scenarioClock();

export const options = {
  setupTimeout: '120s',
  scenarios: {
    overload: { executor: 'constant-vus', vus: VUS, duration: __ENV.OVERLOAD_DURATION || '20s' },
  },
  thresholds: { overload_dropped: ['count==0'], overload_unexpected: ['count==0'] },
  summaryTrendStats: ['avg', 'med', 'p(95)', 'p(99)', 'max'],
};

export function setup() {
  // Tokens are shared by VUs: the verifier checks signatures locally, so a few dozen buyers
  // load the service the same as a thousand, and the setup's logins stay short.
  const toks = tokens(Number(__ENV.OVERLOAD_BUYERS || 40));
  // The read model may still list as AVAILABLE a seat held a moment ago (by an earlier run):
  // such a seat answers 409 here and the next one is tried.
  const hot = [];
  for (const s of freeSeats().slice(0, 40)) {
    const r = order(toks[hot.length], `overload-${RUN}-hot-${hot.length}`, s.session, [s.seat], { name: 'setup' }, true);
    if (r.status === 201) hot.push(s);
    else if (r.status !== 409) throw new Error(`could not hold a hot seat: ${r.status} ${r.body}`);
    if (hot.length === 4) break;
  }
  if (hot.length === 0) throw new Error('no seat could be held: every free seat answered 409');
  return { hot, tokens: toks.slice(hot.length), start: clock.start() };
}

export function teardown(data) {
  clock.stop(data.start);
}

export default function (data) {
  const s = data.hot[Math.floor(Math.random() * data.hot.length)];
  const n = exec.scenario.iterationInTest;
  const r = order(data.tokens[n % data.tokens.length], `overload-${RUN}-${n}`, s.session, [s.seat], { name: 'overload' });
  if (r.status === 409) conflicts.add(1);
  else if (r.status === 503 && r.headers['Retry-After']) shed.add(1);
  else if (r.status === 0) dropped.add(1, { error_code: `${r.error_code}` });
  else unexpected.add(1);
  check(r, { 'answered 409 or 503': (x) => x.status === 409 || x.status === 503 });
}
