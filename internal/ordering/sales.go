package ordering

import (
	"context"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/ticketly/ticketly/internal/apperr"
)

// SalesScope is what an organizer view covers: every session of an event, or one session.
// Exactly one of the two is set.
type SalesScope struct {
	EventID   uuid.UUID
	SessionID uuid.UUID
}

// SalesFilter selects a page of a scope's orders. Query matches the buyer's e-mail (a
// case-insensitive substring), the order ID (the whole ID) or a seat or ticket label (a
// case-insensitive substring).
type SalesFilter struct {
	Scope    SalesScope
	Status   Status // "" for every status
	Query    string
	Page     int // from 1
	PageSize int
}

// Statuses lists every order status (for validating filters).
var Statuses = []Status{PendingPayment, Paid, Expired, Cancelled, Refunded, PartiallyRefunded}

// SalesOrderView is an order as its organizer sees it (SPEC section 12): who bought what,
// each line with the share of the order's total it was paid, and the order's refunds.
type SalesOrderView struct {
	ID              string            `json:"id"`
	Status          Status            `json:"status"`
	BuyerEmail      string            `json:"buyer_email"`
	BuyerName       string            `json:"buyer_name"`
	EventID         string            `json:"event_id"`
	SessionID       string            `json:"session_id"`
	SubtotalMinor   int64             `json:"subtotal_minor"`
	DiscountMinor   int64             `json:"discount_minor"`
	TotalMinor      int64             `json:"total_minor"`
	RefundedMinor   int64             `json:"refunded_minor"`
	Currency        string            `json:"currency"`
	DiscountCode    string            `json:"discount_code"`
	PaymentIntentID *string           `json:"payment_intent_id"`
	StatusReason    string            `json:"status_reason"`
	CreatedAt       string            `json:"created_at"`
	PaidAt          *string           `json:"paid_at"`
	Lines           []SalesLine       `json:"lines"`
	Refunds         []SalesRefundView `json:"refunds"`
}

// SalesLine is one seat or standing unit of an order: its ticket once the order is paid
// (ticket_id and ticket_status are null before; price_paid_minor is then 0).
type SalesLine struct {
	TicketID       *string `json:"ticket_id"`
	SeatID         *string `json:"seat_id"`
	Label          string  `json:"label"`
	BlockID        string  `json:"block_id"`
	TierID         *string `json:"tier_id"`
	PriceMinor     int64   `json:"price_minor"`
	PricePaidMinor int64   `json:"price_paid_minor"`
	TicketStatus   *string `json:"ticket_status"`
	CheckedInAt    *string `json:"checked_in_at"`
}

// SalesRefundView is a refund of an order.
type SalesRefundView struct {
	ID          string `json:"id"`
	AmountMinor int64  `json:"amount_minor"`
	Reason      string `json:"reason"`
	CreatedAt   string `json:"created_at"`
}

// Attendee is one valid ticket of a paid order, as the attendee export lists it.
type Attendee struct {
	TicketID       uuid.UUID
	OrderID        uuid.UUID
	SessionID      uuid.UUID
	BuyerEmail     string
	BuyerName      string
	Label          string
	BlockID        string
	TierID         uuid.UUID
	TierName       string
	PricePaidMinor int64
	Currency       string
	CheckedInAt    string // "" when not checked in
}

// SessionSales are a session's raw sales figures, as the store counts them.
type SessionSales struct {
	SessionID     uuid.UUID
	Sold          int64 // valid tickets
	HeldUnits     int64 // held seats and standing units of unpaid orders
	CheckedIn     int64
	RevenueMinor  int64            // paid totals less refunds, of orders that were paid
	RefundedMinor int64            // refunds of orders that were paid
	Tiers         []TierSales      // per tier: Sold, RevenueMinor and CheckedIn
	LiveSeats     []uuid.UUID      // seats held, sold or blocked by the organizer
	HeldSeats     []uuid.UUID      // seats held by unpaid orders (among LiveSeats)
	StandingTaken map[string]int64 // units held or sold per standing block
	StandingHeld  map[string]int64 // units held by unpaid orders per standing block
}

// TierSales are a tier's figures in a session or, in the totals, in the event. Refunds
// are not split by tier: a refund by amount returns money of an order, not of a tier.
type TierSales struct {
	TierID       string `json:"tier_id"`
	Sold         int64  `json:"sold"`
	Held         int64  `json:"held"`
	Available    int64  `json:"available"`
	RevenueMinor int64  `json:"revenue_minor"` // the sold tickets' price_paid_minor
	CheckedIn    int64  `json:"checked_in"`
}

// SalesFigures are the figures of a session, or of a whole event in its totals.
type SalesFigures struct {
	Sold          int64       `json:"sold"`
	Held          int64       `json:"held"`
	Available     int64       `json:"available"`
	RevenueMinor  int64       `json:"revenue_minor"`
	RefundedMinor int64       `json:"refunded_minor"`
	CheckedIn     int64       `json:"checked_in"`
	Tiers         []TierSales `json:"tiers"`
}

// add adds o's figures (and its tiers') to f's.
func (f *SalesFigures) add(o SalesFigures) {
	f.Sold += o.Sold
	f.Held += o.Held
	f.Available += o.Available
	f.RevenueMinor += o.RevenueMinor
	f.RefundedMinor += o.RefundedMinor
	f.CheckedIn += o.CheckedIn
	f.Tiers = mergeTiers(f.Tiers, o.Tiers)
}

// add adds o's figures to t's.
func (t *TierSales) add(o TierSales) {
	t.Sold += o.Sold
	t.Held += o.Held
	t.Available += o.Available
	t.RevenueMinor += o.RevenueMinor
	t.CheckedIn += o.CheckedIn
}

// mergeTiers adds each tier of more to the same tier of into, and returns them by tier id.
func mergeTiers(into, more []TierSales) []TierSales {
	at := make(map[string]int, len(into)+len(more))
	out := make([]TierSales, 0, len(into)+len(more))
	for _, t := range slices.Concat(into, more) {
		i, ok := at[t.TierID]
		if !ok {
			i, at[t.TierID] = len(out), len(out)
			out = append(out, TierSales{TierID: t.TierID})
		}
		out[i].add(t)
	}
	slices.SortFunc(out, func(a, b TierSales) int { return strings.Compare(a.TierID, b.TierID) })
	return out
}

// SessionSummary is a session's line of the sales summary.
type SessionSummary struct {
	SessionID string `json:"session_id"`
	Status    string `json:"status"`
	SalesFigures
}

// SalesSummary is GET /api/v1/sales/summary: the event's totals and each session's
// figures.
type SalesSummary struct {
	EventID  string           `json:"event_id"`
	Currency string           `json:"currency"`
	Totals   SalesFigures     `json:"totals"`
	Sessions []SessionSummary `json:"sessions"`
}

// SalesPage is a page of an organizer's order list.
type SalesPage struct {
	Items []SalesOrderView
	Total int
}

// Sales is the read side of the organizer views (schema ordering, reading catalog for the
// scope's owner).
type Sales interface {
	// ScopeOwner returns the organization and event of the scope's event or session: from
	// the catalog, or from its orders once the catalog no longer has it; found is false
	// when neither knows it.
	ScopeOwner(ctx context.Context, scope SalesScope) (orgID, eventID uuid.UUID, found bool, err error)
	// SalesOrders returns a page of the scope's orders, newest first, and how many match.
	SalesOrders(ctx context.Context, f SalesFilter) ([]SalesOrderView, int, error)
	// SalesOrder returns one order with its organization; NotFound when absent.
	SalesOrder(ctx context.Context, id uuid.UUID) (SalesOrderView, uuid.UUID, error)
	// Attendees returns the valid tickets of the scope's paid orders, by session and label.
	Attendees(ctx context.Context, scope SalesScope) ([]Attendee, error)
	// EventSessions returns the event's sessions (the catalog's, by start time, then any
	// others its orders name) and the currency of its prices ("" when it has none).
	EventSessions(ctx context.Context, eventID uuid.UUID) ([]uuid.UUID, string, error)
	// SessionSales returns the raw figures of the sessions.
	SessionSales(ctx context.Context, sessionIDs []uuid.UUID) (map[uuid.UUID]SessionSales, error)
}

// UseSales sets the store of the organizer views.
func (s *Service) UseSales(sales Sales) { s.sales = sales }

// authorizeScope finds the owner of a scope (404 when unknown) and checks the actor manages
// it (403).
func (s *Service) authorizeScope(ctx context.Context, a Actor, scope SalesScope) (uuid.UUID, error) {
	if s.sales == nil {
		return uuid.Nil, apperr.New(apperr.Unavailable, "the organizer views are not configured")
	}
	org, event, found, err := s.sales.ScopeOwner(ctx, scope)
	if err != nil {
		return uuid.Nil, err
	}
	if !found {
		if scope.SessionID != uuid.Nil {
			return uuid.Nil, notFound("session", scope.SessionID)
		}
		return uuid.Nil, notFound("event", scope.EventID)
	}
	return event, s.authorize(ctx, a, org, false)
}

// SalesOrders is GET /api/v1/sales/orders: the orders of an event or session the actor
// manages (owner or ADMIN of its organization, or organization_admin).
func (s *Service) SalesOrders(ctx context.Context, a Actor, f SalesFilter) (SalesPage, error) {
	if _, err := s.authorizeScope(ctx, a, f.Scope); err != nil {
		return SalesPage{}, err
	}
	f.Query = strings.TrimSpace(f.Query)
	items, total, err := s.sales.SalesOrders(ctx, f)
	if err != nil {
		return SalesPage{}, err
	}
	if items == nil {
		items = []SalesOrderView{}
	}
	return SalesPage{Items: items, Total: total}, nil
}

// SalesOrder is GET /api/v1/sales/orders/{id}: one order, for a manager of its organization.
func (s *Service) SalesOrder(ctx context.Context, a Actor, id uuid.UUID) (SalesOrderView, error) {
	if s.sales == nil {
		return SalesOrderView{}, apperr.New(apperr.Unavailable, "the organizer views are not configured")
	}
	v, org, err := s.sales.SalesOrder(ctx, id)
	if err != nil {
		return SalesOrderView{}, err
	}
	if err := s.authorize(ctx, a, org, false); err != nil {
		return SalesOrderView{}, err
	}
	return v, nil
}

// Attendees is GET /api/v1/sales/attendees.csv: every valid ticket of the scope's paid
// orders.
func (s *Service) Attendees(ctx context.Context, a Actor, scope SalesScope) ([]Attendee, error) {
	if _, err := s.authorizeScope(ctx, a, scope); err != nil {
		return nil, err
	}
	return s.sales.Attendees(ctx, scope)
}

// Summary is GET /api/v1/sales/summary: per session of the event, tickets sold, units held
// by unpaid orders, what is still available, revenue (paid totals less refunds), refunds
// and check-ins, per tier the same but refunds, and the event's totals of each.
func (s *Service) Summary(ctx context.Context, a Actor, eventID uuid.UUID) (SalesSummary, error) {
	if _, err := s.authorizeScope(ctx, a, SalesScope{EventID: eventID}); err != nil {
		return SalesSummary{}, err
	}
	ids, currency, err := s.sales.EventSessions(ctx, eventID)
	if err != nil {
		return SalesSummary{}, err
	}
	figures, err := s.sales.SessionSales(ctx, ids)
	if err != nil {
		return SalesSummary{}, err
	}
	out := SalesSummary{EventID: eventID.String(), Currency: currency, Totals: SalesFigures{Tiers: []TierSales{}},
		Sessions: make([]SessionSummary, 0, len(ids))}
	for _, id := range ids {
		f := figures[id]
		line := SessionSummary{SessionID: id.String(), Status: "DELETED", SalesFigures: SalesFigures{Sold: f.Sold, Held: f.HeldUnits,
			RevenueMinor: f.RevenueMinor, RefundedMinor: f.RefundedMinor, CheckedIn: f.CheckedIn}}
		var layout []TierSales
		sess, err := s.cat.Session(ctx, id)
		switch {
		case err == nil:
			line.Status = sess.Status
			layout, line.Available = tierStock(sess, f)
		case apperr.CodeOf(err) != apperr.NotFound:
			return SalesSummary{}, err
		}
		line.Tiers = mergeTiers(f.Tiers, layout)
		out.Totals.add(line.SalesFigures)
		out.Sessions = append(out.Sessions, line)
	}
	return out, nil
}

// tierStock returns, per tier of the session's layout, the seats and standing units held
// by unpaid orders and those nobody holds or bought: its sellable seats not blocked in the
// layout nor held, sold or blocked (live), plus each standing block's capacity less the
// units taken; and how many are available in all (a seat or block without a tier counts
// there only).
func tierStock(sess *SessionInfo, f SessionSales) ([]TierSales, int64) {
	byTier := map[uuid.UUID]*TierSales{}
	tier := func(id uuid.UUID) *TierSales {
		if byTier[id] == nil {
			byTier[id] = &TierSales{TierID: id.String()}
		}
		return byTier[id]
	}
	gone := make(map[uuid.UUID]bool, len(f.LiveSeats))
	for _, id := range f.LiveSeats {
		gone[id] = true
	}
	for id, seat := range sess.Seats {
		if seat.Sellable && !sess.Blocked[id] {
			t := tier(seat.TierID)
			if !gone[id] {
				t.Available++
			}
		}
	}
	for _, id := range f.HeldSeats {
		if seat, ok := sess.Seats[id]; ok {
			tier(seat.TierID).Held++
		}
	}
	for id, b := range sess.Standing {
		t := tier(b.TierID)
		t.Available += max(0, b.Capacity-f.StandingTaken[id])
		t.Held += f.StandingHeld[id]
	}
	var available int64
	out := make([]TierSales, 0, len(byTier))
	for id, t := range byTier {
		available += t.Available
		if id != uuid.Nil {
			out = append(out, *t)
		}
	}
	return out, available
}
