// Package locking is the admission gate of the flash sale: seat holds and counted standing
// capacity in Redis, each change one Lua script so it is atomic and all-or-nothing.
//
// Keys of one session share the hash tag {<session_id>}, so a session lives in one cluster
// slot and every script runs on one shard:
//
//	hold:{S}:<seat_id>      string: the holder (order ID, or BLOCKED); PX = hold TTL (none for blocks)
//	ga:{S}:<block_id>       hash: <owner> → units, "_n" → units counted (held + sold), "_seeded" → 1
//	gax:{S}:<block_id>      sorted set: <owner> scored by the hold's expiry (ms); sold units have none
//
// A standing block's keys expire after a day without holds (an ended session's keys go
// away); the block is then seeded again from the database on its next hold.
//
//	idem:{S}:<marker>       string: the request (buyer + Idempotency-Key): its order ID while in
//	                        flight (PX = provisional TTL), "done:<order ID>" once committed
//	                        (PX = the key's retention)
//
// Redis is not the truth: a flush or failover loses holds, and the database constraints
// still refuse a second sale. A standing block the gate does not know ("_seeded" missing)
// is reported so the caller seeds it from the database before holding.
package locking

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"

	"github.com/ticketly/ticketly/internal/ordering"
)

// holdScript holds every seat and standing quantity of one owner, or nothing.
//
// KEYS: [marker]?, seat keys…, then per standing block its hash and its expiry set.
// ARGV: owner, ttl_ms (0: no expiry), n_seats, n_blocks, has_marker (1/0), then per block
// quantity and capacity.
// Returns {"ok"}, {"dup", owner}, {"unseeded", i…} or {"taken", "i,j", "k,avail,…"} where
// i, j index the seats and k the blocks.
var holdScript = redis.NewScript(`
local owner, ttl = ARGV[1], tonumber(ARGV[2])
local ns, ng, hasMarker = tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5] == '1'
local idle = 86400000
local k = 1
if hasMarker then
  local cur = redis.call('GET', KEYS[1])
  if cur and cur ~= owner then return {'dup', cur} end
  k = 2
end
local taken = {}
for i = 0, ns - 1 do
  local cur = redis.call('GET', KEYS[k + i])
  if cur and cur ~= owner then taken[#taken + 1] = tostring(i) end
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local g = k + ns
local short, unseeded = {}, {}
for j = 0, ng - 1 do
  local h, z = KEYS[g + 2 * j], KEYS[g + 2 * j + 1]
  local q, cap = tonumber(ARGV[6 + 2 * j]), tonumber(ARGV[7 + 2 * j])
  if redis.call('HEXISTS', h, '_seeded') == 0 then
    unseeded[#unseeded + 1] = tostring(j)
  else
    local gone = redis.call('ZRANGEBYSCORE', z, '-inf', now, 'LIMIT', 0, 1000)
    for _, o in ipairs(gone) do
      local n = tonumber(redis.call('HGET', h, o) or '0')
      redis.call('HDEL', h, o)
      redis.call('HINCRBY', h, '_n', -n)
      redis.call('ZREM', z, o)
    end
    local used = tonumber(redis.call('HGET', h, '_n') or '0')
    local mine = tonumber(redis.call('HGET', h, owner) or '0')
    if used - mine + q > cap then
      short[#short + 1] = tostring(j) .. ':' .. tostring(math.max(0, cap - used + mine))
    end
  end
end
if #unseeded > 0 then
  table.insert(unseeded, 1, 'unseeded')
  return unseeded
end
if #taken > 0 or #short > 0 then
  return {'taken', table.concat(taken, ','), table.concat(short, ',')}
end
for i = 0, ns - 1 do
  if ttl > 0 then
    redis.call('SET', KEYS[k + i], owner, 'PX', ttl)
  else
    redis.call('SET', KEYS[k + i], owner)
  end
end
for j = 0, ng - 1 do
  local h, z = KEYS[g + 2 * j], KEYS[g + 2 * j + 1]
  local q = tonumber(ARGV[6 + 2 * j])
  local mine = tonumber(redis.call('HGET', h, owner) or '0')
  redis.call('HSET', h, owner, q)
  redis.call('HINCRBY', h, '_n', q - mine)
  if ttl > 0 then redis.call('ZADD', z, now + ttl, owner) else redis.call('ZREM', z, owner) end
  redis.call('PEXPIRE', h, idle)
  redis.call('PEXPIRE', z, idle)
end
if hasMarker then redis.call('SET', KEYS[1], owner, 'PX', math.max(ttl, 1000)) end
return {'ok'}
`)

// releaseScript removes an owner's holds. With mode "sell", seat holds are removed and
// standing units stay counted without expiry.
//
// KEYS: [marker]?, seat keys…, per block hash and expiry set.
// ARGV: owner, mode (release|sell), n_seats, n_blocks, has_marker, then per block the
// quantity to release (0: all the owner has).
var releaseScript = redis.NewScript(`
local owner, mode = ARGV[1], ARGV[2]
local ns, ng, hasMarker = tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5] == '1'
local k = 1
if hasMarker then
  if redis.call('GET', KEYS[1]) == owner then redis.call('DEL', KEYS[1]) end
  k = 2
end
for i = 0, ns - 1 do
  if redis.call('GET', KEYS[k + i]) == owner then redis.call('DEL', KEYS[k + i]) end
end
local g = k + ns
for j = 0, ng - 1 do
  local h, z = KEYS[g + 2 * j], KEYS[g + 2 * j + 1]
  if mode == 'sell' then
    redis.call('ZREM', z, owner)
  else
    local mine = tonumber(redis.call('HGET', h, owner) or '0')
    local q = tonumber(ARGV[6 + j])
    if mine > 0 then
      if q == 0 or q >= mine then
        q = mine
        redis.call('HDEL', h, owner)
        redis.call('ZREM', z, owner)
      else
        redis.call('HINCRBY', h, owner, -q)
      end
      redis.call('HINCRBY', h, '_n', -q)
    end
  end
end
return 1
`)

// seedScript loads a standing block unless the gate knows it already.
// KEYS: hash, expiry set. ARGV: triples owner, quantity, expiry_ms (0: sold).
var seedScript = redis.NewScript(`
if redis.call('HEXISTS', KEYS[1], '_seeded') == 1 then return 0 end
redis.call('DEL', KEYS[1], KEYS[2])
local n = 0
for i = 1, #ARGV, 3 do
  local q = tonumber(ARGV[i + 1])
  redis.call('HINCRBY', KEYS[1], ARGV[i], q)
  n = n + q
  local exp = tonumber(ARGV[i + 2])
  if exp > 0 then redis.call('ZADD', KEYS[2], exp, ARGV[i]) end
end
redis.call('HSET', KEYS[1], '_n', n, '_seeded', 1)
redis.call('PEXPIRE', KEYS[1], 86400000)
redis.call('PEXPIRE', KEYS[2], 86400000)
return 1
`)

// restoreScript re-creates missing seat holds. KEYS: seat keys. ARGV: per key owner, ttl_ms
// (0: none).
var restoreScript = redis.NewScript(`
for i = 1, #KEYS do
  local ttl = tonumber(ARGV[2 * i])
  if ttl > 0 then
    redis.call('SET', KEYS[i], ARGV[2 * i - 1], 'NX', 'PX', ttl)
  else
    redis.call('SET', KEYS[i], ARGV[2 * i - 1], 'NX')
  end
end
return 1
`)

// extendScript gives an owner's holds a new TTL once its order is committed, re-creating
// seat holds the gate lost (never taking a seat from another owner) and standing units of
// seeded blocks that expired meanwhile (the database counts them: the gate follows it), and
// marks the request's marker done (unless another owner holds it).
//
// KEYS: [marker]?, seat keys…, then per standing block its hash and its expiry set.
// ARGV: owner, ttl_ms, n_seats, n_blocks, has_marker, marker_ttl_ms, then per block the
// owner's quantity.
var extendScript = redis.NewScript(`
local owner, ttl = ARGV[1], tonumber(ARGV[2])
local ns, ng, hasMarker = tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5] == '1'
local k = 1
if hasMarker then
  local cur = redis.call('GET', KEYS[1])
  if not cur or cur == owner then
    redis.call('SET', KEYS[1], 'done:' .. owner, 'PX', math.max(tonumber(ARGV[6]), 1000))
  end
  k = 2
end
for i = k, k + ns - 1 do
  local cur = redis.call('GET', KEYS[i])
  if cur == owner then
    redis.call('PEXPIRE', KEYS[i], ttl)
  elseif not cur then
    redis.call('SET', KEYS[i], owner, 'PX', ttl)
  end
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local g = k + ns
for j = 0, ng - 1 do
  local h, z = KEYS[g + 2 * j], KEYS[g + 2 * j + 1]
  if redis.call('HEXISTS', h, '_seeded') == 1 then
    local q = tonumber(ARGV[7 + j])
    local mine = tonumber(redis.call('HGET', h, owner) or '0')
    if mine ~= q then
      redis.call('HSET', h, owner, q)
      redis.call('HINCRBY', h, '_n', q - mine)
    end
    redis.call('ZADD', z, now + ttl, owner)
  end
end
return 1
`)

// Client is what the gate needs of a Redis client (single node, sentinel or cluster).
type Client interface {
	redis.Scripter
	Get(ctx context.Context, key string) *redis.StringCmd
}

// Gate is the Redis admission gate. It implements ordering.Holds.
type Gate struct {
	rdb   Client
	slack time.Duration
	now   func() time.Time
}

var _ ordering.Holds = (*Gate)(nil)

// New returns a gate over a Redis client (single node, sentinel or cluster). Holds restored
// or seeded from the database expire slack after their order does, so the gate never frees
// a seat before the database sweep.
func New(rdb Client, slack time.Duration) *Gate {
	return &Gate{rdb: rdb, slack: slack, now: time.Now}
}

// Load loads the scripts into Redis (EVALSHA then works at once; Run falls back to EVAL
// anyway when a flush forgot them).
func (g *Gate) Load(ctx context.Context) error {
	for _, s := range []*redis.Script{holdScript, releaseScript, seedScript, restoreScript, extendScript} {
		if err := s.Load(ctx, g.rdb).Err(); err != nil {
			return fmt.Errorf("load gate script: %w", err)
		}
	}
	return nil
}

func tag(sessionID uuid.UUID) string { return "{" + sessionID.String() + "}" }

// SeatKey is the key holding a seat of a session.
func SeatKey(sessionID, seatID uuid.UUID) string {
	return "hold:" + tag(sessionID) + ":" + seatID.String()
}

// StandingKey is the hash counting a standing block's units.
func StandingKey(sessionID uuid.UUID, blockID string) string {
	return "ga:" + tag(sessionID) + ":" + blockID
}

// StandingExpiryKey is the sorted set of a standing block's held units' expiries.
func StandingExpiryKey(sessionID uuid.UUID, blockID string) string {
	return "gax:" + tag(sessionID) + ":" + blockID
}

// MarkerKey is the key naming an in-flight request.
func MarkerKey(sessionID uuid.UUID, marker string) string {
	return "idem:" + tag(sessionID) + ":" + marker
}

func keysAndArgs(h ordering.Hold, head ...any) ([]string, []any) {
	keys := make([]string, 0, 1+len(h.SeatIDs)+2*len(h.Standing))
	hasMarker := "0"
	if h.Marker != "" {
		keys = append(keys, MarkerKey(h.SessionID, h.Marker))
		hasMarker = "1"
	}
	for _, id := range h.SeatIDs {
		keys = append(keys, SeatKey(h.SessionID, id))
	}
	for _, s := range h.Standing {
		keys = append(keys, StandingKey(h.SessionID, s.BlockID), StandingExpiryKey(h.SessionID, s.BlockID))
	}
	args := append(head, len(h.SeatIDs), len(h.Standing), hasMarker)
	return keys, args
}

// Hold holds every seat and standing quantity of h for h.Owner, or nothing.
func (g *Gate) Hold(ctx context.Context, h ordering.Hold) (ordering.HoldResult, error) {
	keys, args := keysAndArgs(h, h.Owner, h.TTL.Milliseconds())
	for _, s := range h.Standing {
		args = append(args, s.Quantity, s.Capacity)
	}
	res, err := holdScript.Run(ctx, g.rdb, keys, args...).StringSlice()
	if err != nil {
		return ordering.HoldResult{}, fmt.Errorf("hold seats of session %s: %w", h.SessionID, err)
	}
	if len(res) == 0 {
		return ordering.HoldResult{}, errors.New("hold script returned nothing")
	}
	switch res[0] {
	case "ok":
		return ordering.HoldResult{OK: true}, nil
	case "dup":
		return ordering.HoldResult{DuplicateOf: parseMarker(res[1])}, nil
	case "unseeded":
		var r ordering.HoldResult
		for _, s := range res[1:] {
			i, _ := strconv.Atoi(s)
			r.Unseeded = append(r.Unseeded, h.Standing[i].BlockID)
		}
		return r, nil
	case "taken":
		var r ordering.HoldResult
		for _, s := range splitNonEmpty(res[1]) {
			i, _ := strconv.Atoi(s)
			r.TakenSeats = append(r.TakenSeats, h.SeatIDs[i])
		}
		if len(res) > 2 {
			for _, s := range splitNonEmpty(res[2]) {
				is, avail, _ := strings.Cut(s, ":")
				i, _ := strconv.Atoi(is)
				a, _ := strconv.ParseInt(avail, 10, 64)
				r.Short = append(r.Short, ordering.StandingAvail{BlockID: h.Standing[i].BlockID, Available: a})
			}
		}
		return r, nil
	}
	return ordering.HoldResult{}, fmt.Errorf("hold script answered %q", res[0])
}

func splitNonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

func (g *Gate) release(ctx context.Context, h ordering.Hold, mode string) error {
	if len(h.SeatIDs) == 0 && len(h.Standing) == 0 && h.Marker == "" {
		return nil
	}
	keys, args := keysAndArgs(h, h.Owner, mode)
	for _, s := range h.Standing {
		args = append(args, s.Quantity)
	}
	if err := releaseScript.Run(ctx, g.rdb, keys, args...).Err(); err != nil {
		return fmt.Errorf("%s holds of %s in session %s: %w", mode, h.Owner, h.SessionID, err)
	}
	return nil
}

// Release removes the owner's seat holds, standing units (Quantity 0: all) and marker.
func (g *Gate) Release(ctx context.Context, h ordering.Hold) error {
	return g.release(ctx, h, "release")
}

// Sell removes the owner's seat holds and keeps its standing units counted, without expiry.
func (g *Gate) Sell(ctx context.Context, h ordering.Hold) error { return g.release(ctx, h, "sell") }

// Extend gives the owner's seat holds and standing units of h the TTL h.TTL, re-creating
// the seat holds and standing units the gate lost since they were taken (a seat held by
// another owner meanwhile is left to it: the database decides between them), and marks
// h.Marker done for h.MarkerTTL.
func (g *Gate) Extend(ctx context.Context, h ordering.Hold) error {
	if len(h.SeatIDs) == 0 && len(h.Standing) == 0 && h.Marker == "" {
		return nil
	}
	keys, args := keysAndArgs(h, h.Owner, h.TTL.Milliseconds())
	args = append(args, h.MarkerTTL.Milliseconds())
	for _, s := range h.Standing {
		args = append(args, s.Quantity)
	}
	if err := extendScript.Run(ctx, g.rdb, keys, args...).Err(); err != nil {
		return fmt.Errorf("extend holds of %s in session %s: %w", h.Owner, h.SessionID, err)
	}
	return nil
}

// donePrefix marks a request marker whose order is committed.
const donePrefix = "done:"

func parseMarker(v string) ordering.Marked {
	if owner, ok := strings.CutPrefix(v, donePrefix); ok {
		return ordering.Marked{Owner: owner, Done: true}
	}
	return ordering.Marked{Owner: v}
}

// Marker reads the state of a request marker.
func (g *Gate) Marker(ctx context.Context, sessionID uuid.UUID, marker string) (ordering.Marked, error) {
	v, err := g.rdb.Get(ctx, MarkerKey(sessionID, marker)).Result()
	if errors.Is(err, redis.Nil) {
		return ordering.Marked{}, nil
	}
	if err != nil {
		return ordering.Marked{}, fmt.Errorf("read request marker in session %s: %w", sessionID, err)
	}
	return parseMarker(v), nil
}

// Seed loads a standing block's live units unless the gate knows the block already.
func (g *Gate) Seed(ctx context.Context, sessionID uuid.UUID, blockID string, holders []ordering.StandingHolder) error {
	args := make([]any, 0, 3*len(holders))
	for _, h := range holders {
		var exp int64
		if !h.ExpiresAt.IsZero() {
			exp = h.ExpiresAt.Add(g.slack).UnixMilli()
		}
		args = append(args, h.Owner, h.Quantity, exp)
	}
	keys := []string{StandingKey(sessionID, blockID), StandingExpiryKey(sessionID, blockID)}
	if err := seedScript.Run(ctx, g.rdb, keys, args...).Err(); err != nil {
		return fmt.Errorf("seed standing block %s of session %s: %w", blockID, sessionID, err)
	}
	return nil
}

// Restore re-creates the seat holds the gate lost: held seats until their order expires
// (plus slack), sold and blocked ones for ttl (the keys of sold seats are otherwise deleted
// at payment; these spare the database the next buyers of a sold seat for a while).
// Existing keys are kept.
func (g *Gate) Restore(ctx context.Context, sessionID uuid.UUID, holders []ordering.SeatHolder, ttl time.Duration) error {
	if len(holders) == 0 {
		return nil
	}
	keys := make([]string, 0, len(holders))
	args := make([]any, 0, 2*len(holders))
	now := g.now()
	for _, h := range holders {
		var ms int64
		switch h.Status {
		case ordering.AllocHeld:
			ms = max(1000, h.ExpiresAt.Add(g.slack).Sub(now).Milliseconds())
		default: // sold or blocked: the database refuses them anyway; spare it the next buyers
			ms = ttl.Milliseconds()
		}
		keys = append(keys, SeatKey(sessionID, h.SeatID))
		args = append(args, h.Owner, ms)
	}
	if err := restoreScript.Run(ctx, g.rdb, keys, args...).Err(); err != nil {
		return fmt.Errorf("restore seat holds of session %s: %w", sessionID, err)
	}
	return nil
}
