package ordering

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
)

// Catalog reads the catalog write model (schema catalog), possibly through a short cache.
type Catalog interface {
	// Session returns a session with its event's status, layout and tiers; a NotFound
	// application error when there is none.
	Session(ctx context.Context, id uuid.UUID) (*SessionInfo, error)
	// Discount returns the event's discount with the (upper-case) code, or nil.
	Discount(ctx context.Context, eventID uuid.UUID, code string) (*Discount, error)
	// Membership says how user belongs to the organization.
	Membership(ctx context.Context, orgID uuid.UUID, user string) (Membership, error)
}

// Membership is a user's standing in an organization.
type Membership struct {
	Owner bool
	Roles []string // ADMIN, SCANNER
}

// Has reports whether the membership carries the organization role.
func (m Membership) Has(role string) bool {
	for _, r := range m.Roles {
		if r == role {
			return true
		}
	}
	return false
}

// Hold is a request to hold (or release, or sell) seats and standing units of a session in
// the admission gate.
type Hold struct {
	SessionID uuid.UUID
	Owner     string // the order ID, or BlockOwner for organizer blocks
	// Marker, when set, names the request (buyer and Idempotency-Key): Hold sets it in
	// flight for TTL, so a concurrent duplicate is recognised instead of being told the
	// seats are taken; Extend marks it done for MarkerTTL, so a retry of a committed order is
	// recognised at the gate, before any database round trip; Release removes it.
	Marker    string
	MarkerTTL time.Duration
	TTL       time.Duration // 0: no expiry (organizer blocks)
	SeatIDs   []uuid.UUID
	Standing  []StandingHold
}

// StandingHold is a quantity of a standing block; Capacity is the block's capacity (hold),
// and a Quantity of 0 means "all the owner has" (release).
type StandingHold struct {
	BlockID  string
	Quantity int
	Capacity int64
}

// BlockOwner is the holder value of organizer blocks.
const BlockOwner = "BLOCKED"

// HoldResult is the gate's answer to a Hold.
type HoldResult struct {
	OK          bool
	TakenSeats  []uuid.UUID     // seats held by another owner
	Short       []StandingAvail // standing blocks without enough units left
	DuplicateOf Marked          // the request that holds the Marker already (Owner "" if none)
	Unseeded    []string        // standing blocks the gate must first be seeded with
}

// Marked is the state of a request marker in the gate: held by Owner, in flight or Done
// (its order committed). The zero value is an absent marker.
type Marked struct {
	Owner string
	Done  bool
}

// StandingAvail is a standing block's availability.
type StandingAvail struct {
	BlockID   string `json:"block_id"`
	Available int64  `json:"available"`
}

// StandingHolder is one order's live units of a standing block (for seeding the gate);
// ExpiresAt is zero for sold units.
type StandingHolder struct {
	Owner     string
	Quantity  int
	ExpiresAt time.Time
}

// SeatHolder is the live allocation of a seat in the database.
type SeatHolder struct {
	SeatID    uuid.UUID
	Owner     string // order ID or BlockOwner
	Status    AllocStatus
	ExpiresAt time.Time // of the holding order (zero for sold and blocked seats)
}

// Holds is the admission gate (Redis): fast, atomic, all-or-nothing holds that may be lost
// at any time. The database stays the truth.
type Holds interface {
	Hold(ctx context.Context, h Hold) (HoldResult, error)
	// Release removes the owner's holds of the seats and standing units (and its marker).
	Release(ctx context.Context, h Hold) error
	// Sell removes the owner's seat holds after payment and keeps its standing units
	// counted, without expiry.
	Sell(ctx context.Context, h Hold) error
	// Seed loads a standing block's live units from the database unless the gate knows it.
	Seed(ctx context.Context, sessionID uuid.UUID, blockID string, holders []StandingHolder) error
	// Restore re-creates missing seat holds from the database (after a gate flush).
	Restore(ctx context.Context, sessionID uuid.UUID, holders []SeatHolder, ttl time.Duration) error
	// Extend gives the owner's seat holds and standing units of h a new time to live (h.TTL),
	// re-creating those the gate lost meanwhile, and marks h.Marker done for h.MarkerTTL
	// (unless another owner holds it). Holds are taken with a short provisional TTL and
	// extended once the database has the order, so the holds of a request that never
	// committed (its process died) free their seats within seconds.
	Extend(ctx context.Context, h Hold) error
	// Marker reads the state of a request marker.
	Marker(ctx context.Context, sessionID uuid.UUID, marker string) (Marked, error)
}

// IdempotencyRecord is the stored outcome of a POST /orders with an Idempotency-Key,
// written in the order's own transaction. Status 0 is left only by versions before the
// single-commit placement (order first, payment intent in a second transaction).
type IdempotencyRecord struct {
	BuyerID     string
	Key         string
	RequestHash string
	Status      int
	OrderID     uuid.UUID
	Body        []byte // the OrderView JSON (without client secret) once Status != 0
	CreatedAt   time.Time
}

// PaymentEvent is a verified payment-provider webhook event.
type PaymentEvent struct {
	ID              string
	Type            string // payment_intent.succeeded, payment_intent.payment_failed, ...
	PaymentIntentID string
	OrderID         uuid.UUID // from the intent's metadata; uuid.Nil when absent
	AmountMinor     int64     // amount received (succeeded) or intended
	Currency        string
	FailureMessage  string
}

// Payment event types the service acts on.
const (
	EventPaymentSucceeded = "payment_intent.succeeded"
	EventPaymentFailed    = "payment_intent.payment_failed"
	EventPaymentCanceled  = "payment_intent.canceled"
)

// Repository is the order write model (schema ordering). Every method is one transaction.
type Repository interface {
	// Idempotency returns the record of (buyer, key), or nil.
	Idempotency(ctx context.Context, buyerID, key string) (*IdempotencyRecord, error)
	// CreateOrder inserts a new order with everything it holds, its idempotency record,
	// its discount reservation and its seat-change feed entry. It fails with
	// ErrIdempotencyKeyUsed, ErrSeatTaken, ErrStandingShort or ErrDiscountUsedUp.
	CreateOrder(ctx context.Context, o *Order, rec IdempotencyRecord) error
	// Order returns an order with its lines (not its tickets); NotFound when absent.
	Order(ctx context.Context, id uuid.UUID) (*Order, error)
	// OrdersOf returns a buyer's orders, newest first, and how many there are.
	OrdersOf(ctx context.Context, buyerID string, limit, offset int) ([]*Order, int, error)
	// UpdateOrder locks an order (with lines and tickets), lets fn change it and persists
	// the changes; NotFound when absent. fn's error rolls everything back.
	UpdateOrder(ctx context.Context, id uuid.UUID, fn func(*Order) error) (*Order, error)
	// ApplyPaymentEvent records the event and, in the same transaction, lets fn change the
	// event's order (found by payment intent, else by the metadata order ID). It returns
	// ErrDuplicateEvent when the event was applied before, and a nil order when no order
	// matches (the event is then recorded and ignored).
	ApplyPaymentEvent(ctx context.Context, ev PaymentEvent, fn func(*Order) error) (*Order, error)
	// ExpireNext locks one PENDING_PAYMENT order whose hold ended before now (skipping
	// orders other sweepers hold), lets fn expire it and persists it; nil when none is due.
	ExpireNext(ctx context.Context, now time.Time, fn func(*Order) error) (*Order, error)
	// Tickets returns an order's tickets.
	Tickets(ctx context.Context, orderID uuid.UUID) ([]Ticket, error)
	// CheckIn checks a ticket in at a session in one atomic step when it may enter there
	// (CheckInState.Refusal is "", reading the session's status from the catalog, not a
	// cache) and is not checked in yet. It returns the ticket's state after the attempt and
	// whether this call checked it in; NotFound when the ticket is absent.
	CheckIn(ctx context.Context, ticketID, sessionID uuid.UUID, by string, now time.Time) (CheckInState, bool, error)
	// TicketCheckIn returns a ticket's state at the door; NotFound when absent.
	TicketCheckIn(ctx context.Context, ticketID uuid.UUID) (CheckInState, error)
	// UndoCheckIn clears a ticket's check-in in one atomic step; it returns when the ticket
	// had been checked in and false when it was not (or does not exist).
	UndoCheckIn(ctx context.Context, ticketID uuid.UUID) (time.Time, bool, error)
	// SessionTickets returns the catalog status of a session ("" when absent) and the
	// states of all tickets issued for it (SessionStatus left empty), sorted by ticket id.
	SessionTickets(ctx context.Context, sessionID uuid.UUID) (string, []CheckInState, error)
	// LiveSeats returns the live allocations among the seats of a session.
	LiveSeats(ctx context.Context, sessionID uuid.UUID, seatIDs []uuid.UUID) ([]SeatHolder, error)
	// StandingHolders returns the live units of a standing block, per order.
	StandingHolders(ctx context.Context, sessionID uuid.UUID, blockID string) ([]StandingHolder, error)
	// BlockSeats makes organizer blocks of the seats not blocked yet (ErrSeatTaken when one
	// is held or sold) and returns the seats it blocked.
	BlockSeats(ctx context.Context, s *SessionInfo, seats []SeatLine, now time.Time) ([]uuid.UUID, error)
	// UnblockSeats releases organizer blocks of the seats and returns those it released.
	UnblockSeats(ctx context.Context, s *SessionInfo, seatIDs []uuid.UUID, now time.Time) ([]uuid.UUID, error)
	// PurgeIdempotency deletes idempotency records created before cutoff.
	PurgeIdempotency(ctx context.Context, cutoff time.Time) (int64, error)
}

// Repository errors the use cases react to.
var (
	ErrIdempotencyKeyUsed = errors.New("idempotency key already used")
	ErrSeatTaken          = errors.New("seat already held, sold or blocked")
	ErrStandingShort      = errors.New("standing block has not enough units left")
	ErrDiscountUsedUp     = errors.New("discount usage limit reached")
	ErrDuplicateEvent     = errors.New("payment event already applied")
)

// StandingShortError says which standing block is short and what it has left.
type StandingShortError struct {
	StandingAvail
}

func (e *StandingShortError) Error() string { return ErrStandingShort.Error() + ": " + e.BlockID }
func (e *StandingShortError) Unwrap() error { return ErrStandingShort }

// Payments is the payment provider (Stripe).
type Payments interface {
	// CreateIntent creates (or, for the same idempotency key, returns) a payment intent.
	CreateIntent(ctx context.Context, in IntentRequest) (Intent, error)
	// ClientSecret returns the client secret of a payment intent.
	ClientSecret(ctx context.Context, paymentIntentID string) (string, error)
	// CancelIntent cancels a payment intent that has not succeeded.
	CancelIntent(ctx context.Context, paymentIntentID string) error
	// Refund refunds amount of a payment intent, once per idempotency key.
	Refund(ctx context.Context, paymentIntentID string, amountMinor int64, idempotencyKey string) (string, error)
}

// IntentRequest asks for a payment intent of an order.
type IntentRequest struct {
	OrderID        uuid.UUID
	AmountMinor    int64
	Currency       string
	IdempotencyKey string
	BuyerEmail     string
}

// Intent is a created payment intent.
type Intent struct {
	ID           string
	ClientSecret string
}

// ErrPaymentRejected wraps a payment provider's refusal of a request (a 4xx): retrying
// the same request cannot help.
var ErrPaymentRejected = errors.New("payment provider rejected the request")

// TicketSigner signs and verifies ticket QR payloads.
type TicketSigner interface {
	Sign(ticketID, sessionID uuid.UUID, issued time.Time) (string, error)
	// Verify returns the ticket and session IDs of a QR payload; ErrQRMalformed or
	// ErrQRSignature when it is not one of ours.
	Verify(qr string) (ticketID, sessionID uuid.UUID, err error)
}

// QR verification errors.
var (
	ErrQRMalformed = errors.New("malformed ticket QR payload")
	ErrQRSignature = errors.New("ticket QR signature is not valid")
)
