// Shared helpers of the order load tests: dev-realm tokens and the demo event's free seats.
import http from 'k6/http';
import { Gauge } from 'k6/metrics';

export const QUERY = __ENV.QUERY_URL || 'http://127.0.0.1:8082';
export const ORDER = __ENV.ORDER_URL || 'http://127.0.0.1:8083';
export const KC = __ENV.KEYCLOAK_URL || 'http://localhost:8180';

// tokens returns access tokens of buyer1..buyerN (password = user name, dev realm only).
export function tokens(n) {
  const out = [];
  for (let i = 1; i <= n; i++) {
    const r = http.post(`${KC}/realms/ticketly/protocol/openid-connect/token`,
      { grant_type: 'password', client_id: 'dev-cli', username: `buyer${i}`, password: `buyer${i}` });
    if (r.status !== 200) throw new Error(`token for buyer${i}: ${r.status}`);
    out.push(r.json('access_token'));
  }
  return out;
}

// freeSeats returns [{session, seat}] of the demo event's ON_SALE sessions that are AVAILABLE.
export function freeSeats() {
  const out = [];
  const events = http.get(`${QUERY}/api/v1/events?q=Ticketly%20Demo%20Night`).json('items');
  for (const e of events) {
    for (const s of http.get(`${QUERY}/api/v1/events/${e.id}`).json('sessions')) {
      if (s.status !== 'ON_SALE') continue;
      for (const seat of http.get(`${QUERY}/api/v1/sessions/${s.id}/seats`).json('seats')) {
        if (seat.status === 'AVAILABLE') out.push({ session: s.id, seat: seat.id });
      }
    }
  }
  if (out.length === 0) throw new Error('no free seat of the demo event: run make run');
  return out;
}

// order posts an order. The load tests judge answers by their status alone, so the body is
// not kept (responseType none): k6 then spends its CPU on requests, not on copying bodies
// into JavaScript. Pass keepBody when the body is needed.
export function order(token, key, session, seatIDs, tags, keepBody) {
  return http.post(`${ORDER}/api/v1/orders`, JSON.stringify({ session_id: session, seat_ids: seatIDs }), {
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}`, 'Idempotency-Key': key },
    tags,
    responseType: keepBody ? 'text' : 'none',
  });
}

// scenarioClock measures the time between the end of setup and the start of teardown, i.e.
// the scenarios alone: k6's own rates divide by the whole run, setup's token logins included.
// It is exported as the gauge scenario_seconds (deploy/local/bench.sh's summary reads it).
export function scenarioClock() {
  const g = new Gauge('scenario_seconds');
  return { start: () => Date.now(), stop: (start) => g.add((Date.now() - start) / 1000) };
}
