// Read-side load test, modelled on the original's query-test.js: browse (search), open an
// event, its session and its seat map. Each request checks for a 200 and a non-empty body.
//   k6 run loadtest/k6/query.js                        # throughput: 50 VUs, 30 s, no think time
//   SCENARIO=stepup k6 run loadtest/k6/query.js        # 150 -> 300 -> 500 VUs with 1-5 s think time
// QUERY_URL defaults to http://127.0.0.1:8082.
import http from 'k6/http';
import { check, sleep } from 'k6';

const BASE = __ENV.QUERY_URL || 'http://127.0.0.1:8082';
const TERMS = ['jazz', 'demo', 'night', 'music', 'arena', 'live', 'rotterdam', 'ticketly', 'soul', 'festival'];

const scenarios = {
  throughput: { executor: 'constant-vus', vus: Number(__ENV.VUS || 50), duration: __ENV.DURATION || '30s' },
  smoke: { executor: 'constant-vus', vus: 1, duration: '1m' },
  stepup: {
    executor: 'ramping-vus', startVUs: 0,
    stages: [{ duration: '30s', target: 150 }, { duration: '30s', target: 300 }, { duration: '30s', target: 500 }, { duration: '30s', target: 0 }],
  },
};
const name = __ENV.SCENARIO || 'throughput';
const think = name !== 'throughput';

export const options = {
  scenarios: { [name]: scenarios[name] },
  thresholds: {
    http_req_failed: ['rate<0.01'],
    'http_req_duration{name:search}': ['p(95)<2000'],
    'http_req_duration{name:event}': ['p(95)<1500'],
    'http_req_duration{name:session}': ['p(95)<1500'],
    'http_req_duration{name:seats}': ['p(95)<1800'],
  },
  summaryTrendStats: ['avg', 'med', 'p(95)', 'p(99)', 'max'],
};

export function setup() {
  const r = http.get(`${BASE}/api/v1/events?page_size=100`);
  const events = r.json('items').map((e) => e.id);
  const sessions = [];
  for (const id of events.slice(0, 20)) {
    for (const s of http.get(`${BASE}/api/v1/events/${id}`).json('sessions')) sessions.push({ event: id, session: s.id });
  }
  if (sessions.length === 0) throw new Error('no event is served: run make run first');
  return { sessions };
}

function get(url, tag) {
  const r = http.get(url, { tags: { name: tag } });
  check(r, { [`${tag} 200`]: (x) => x.status === 200, [`${tag} body`]: (x) => x.body && x.body.length > 0 });
  if (think) sleep(1 + Math.random() * 4);
  return r;
}

export default function (data) {
  const pick = data.sessions[Math.floor(Math.random() * data.sessions.length)];
  get(`${BASE}/api/v1/events?q=${TERMS[Math.floor(Math.random() * TERMS.length)]}`, 'search');
  get(`${BASE}/api/v1/events/${pick.event}`, 'event');
  get(`${BASE}/api/v1/sessions/${pick.session}`, 'session');
  get(`${BASE}/api/v1/sessions/${pick.session}/seats`, 'seats');
}
