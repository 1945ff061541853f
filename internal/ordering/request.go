package ordering

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/ticketly/ticketly/internal/apperr"
)

// Limits bound one order. The defaults (DefaultLimits) are what a flash sale wants: enough
// for a family, too few for a scalper's single request to empty a block.
type Limits struct {
	MaxSeats            int // seats per order
	MaxStandingPerBlock int // standing units per block per order
	MaxStandingBlocks   int // distinct standing blocks per order
}

// DefaultLimits: 10 seats, 10 standing units per block, 5 standing blocks per order.
var DefaultLimits = Limits{MaxSeats: 10, MaxStandingPerBlock: 10, MaxStandingBlocks: 5}

// MaxIdempotencyKeyLen is the longest Idempotency-Key accepted (SPEC section 2).
const MaxIdempotencyKeyLen = 255

const (
	maxBlockIDLen      = 64
	maxDiscountCodeLen = 40
)

// RequestInput is an order request as the buyer sent it (JSON already decoded).
type RequestInput struct {
	SessionID    string          `json:"session_id"`
	SeatIDs      []string        `json:"seat_ids"`
	Standing     []StandingInput `json:"standing"`
	DiscountCode string          `json:"discount_code"`
}

// StandingInput asks for quantity units of a standing block.
type StandingInput struct {
	BlockID  string `json:"block_id"`
	Quantity int    `json:"quantity"`
}

// Fingerprint identifies the request's content for idempotency: two requests with the same
// fields (whatever their whitespace or key order) have the same fingerprint.
func (in RequestInput) Fingerprint() string {
	b, _ := json.Marshal(in) // cannot fail: strings, ints and slices only
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Request is a validated order request.
type Request struct {
	SessionID    uuid.UUID
	SeatIDs      []uuid.UUID
	Standing     []StandingQty
	DiscountCode string // upper-case, trimmed; "" for none
}

// StandingQty is a number of units of one standing block.
type StandingQty struct {
	BlockID  string
	Quantity int
}

// ParseRequest checks the shape of an order request: canonical UUIDs, no duplicates, at
// least one seat or standing unit, and the per-order limits. Every problem is reported at
// once as an Invalid error with field details.
func ParseRequest(in RequestInput, lim Limits) (Request, error) {
	fe := apperr.FieldErrors{}
	var r Request
	if in.SessionID == "" {
		fe.Add("session_id", "is required")
	} else if id, ok := ParseID(in.SessionID); ok {
		r.SessionID = id
	} else {
		fe.Add("session_id", "must be a UUID")
	}
	if len(in.SeatIDs) == 0 && len(in.Standing) == 0 {
		fe.Add("seat_ids", "give seat_ids, standing, or both")
	}
	if len(in.SeatIDs) > lim.MaxSeats {
		fe.Add("seat_ids", fmt.Sprintf("at most %d seats per order", lim.MaxSeats))
	} else {
		seen := make(map[uuid.UUID]int, len(in.SeatIDs))
		for i, s := range in.SeatIDs {
			field := fmt.Sprintf("seat_ids[%d]", i)
			id, ok := ParseID(s)
			if !ok {
				fe.Add(field, "must be a UUID")
				continue
			}
			if j, dup := seen[id]; dup {
				fe.Add(field, fmt.Sprintf("duplicate of seat_ids[%d]", j))
				continue
			}
			seen[id] = i
			r.SeatIDs = append(r.SeatIDs, id)
		}
	}
	if len(in.Standing) > lim.MaxStandingBlocks {
		fe.Add("standing", fmt.Sprintf("at most %d standing blocks per order", lim.MaxStandingBlocks))
	} else {
		seen := make(map[string]int, len(in.Standing))
		for i, s := range in.Standing {
			p := fmt.Sprintf("standing[%d]", i)
			switch {
			case s.BlockID == "":
				fe.Add(p+".block_id", "is required")
			case len(s.BlockID) > maxBlockIDLen || !utf8.ValidString(s.BlockID):
				fe.Add(p+".block_id", "is not a block id")
			}
			if j, dup := seen[s.BlockID]; dup && s.BlockID != "" {
				fe.Add(p+".block_id", fmt.Sprintf("duplicate of standing[%d]", j))
			}
			seen[s.BlockID] = i
			if s.Quantity < 1 || s.Quantity > lim.MaxStandingPerBlock {
				fe.Add(p+".quantity", fmt.Sprintf("must be between 1 and %d", lim.MaxStandingPerBlock))
			}
			r.Standing = append(r.Standing, StandingQty{BlockID: s.BlockID, Quantity: s.Quantity})
		}
	}
	code := strings.ToUpper(strings.TrimSpace(in.DiscountCode))
	if len(code) > maxDiscountCodeLen || !utf8.ValidString(code) {
		fe.Add("discount_code", fmt.Sprintf("at most %d characters", maxDiscountCodeLen))
	}
	r.DiscountCode = code
	if err := fe.Err(); err != nil {
		return Request{}, err
	}
	return r, nil
}

// CheckIdempotencyKey validates an Idempotency-Key header value.
func CheckIdempotencyKey(key string) error {
	switch {
	case key == "":
		return apperr.New(apperr.Invalid, "the Idempotency-Key header is required (any string up to %d characters)", MaxIdempotencyKeyLen).
			WithDetails(map[string]any{"fields": map[string]any{"Idempotency-Key": "is required"}})
	case len(key) > MaxIdempotencyKeyLen:
		return apperr.New(apperr.Invalid, "the Idempotency-Key header is longer than %d characters", MaxIdempotencyKeyLen).
			WithDetails(map[string]any{"fields": map[string]any{"Idempotency-Key": fmt.Sprintf("at most %d characters", MaxIdempotencyKeyLen)}})
	case !utf8.ValidString(key):
		return apperr.New(apperr.Invalid, "the Idempotency-Key header must be valid UTF-8")
	}
	return nil
}

// ParseID parses a UUID in its canonical 36-character form, the only form the API accepts.
func ParseID(s string) (uuid.UUID, bool) {
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return uuid.Nil, false
	}
	id, err := uuid.Parse(s)
	return id, err == nil
}
