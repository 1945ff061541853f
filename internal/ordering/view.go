package ordering

import (
	"time"

	"github.com/google/uuid"
)

// OrderView is an order as the API shows it to its buyer (SPEC section 4). It is also what
// an Idempotency-Key replays, so it must be a pure function of the stored order; the payment
// client secret is the one field never stored (it is fetched from the payment provider).
type OrderView struct {
	ID            string         `json:"id"`
	Status        Status         `json:"status"`
	SessionID     string         `json:"session_id"`
	EventID       string         `json:"event_id"`
	SeatIDs       []string       `json:"seat_ids"`
	Standing      []StandingView `json:"standing"`
	SubtotalMinor int64          `json:"subtotal_minor"`
	DiscountMinor int64          `json:"discount_minor"`
	TotalMinor    int64          `json:"total_minor"`
	RefundedMinor int64          `json:"refunded_minor"`
	Currency      string         `json:"currency"`
	DiscountCode  string         `json:"discount_code,omitempty"`
	ExpiresAt     string         `json:"expires_at"`
	CreatedAt     string         `json:"created_at"`
	PaidAt        string         `json:"paid_at,omitempty"`
	StatusReason  string         `json:"status_reason,omitempty"`
	Payment       *PaymentView   `json:"payment"`
}

// StandingView is a standing block's quantity in an order.
type StandingView struct {
	BlockID  string `json:"block_id"`
	Quantity int    `json:"quantity"`
}

// PaymentView is how the buyer pays: the Stripe PaymentIntent and its client secret.
type PaymentView struct {
	PaymentIntentID string `json:"payment_intent_id"`
	ClientSecret    string `json:"client_secret,omitempty"`
}

// TicketView is a ticket as its buyer sees it.
type TicketView struct {
	ID         string `json:"id"`
	OrderID    string `json:"order_id"`
	SessionID  string `json:"session_id"`
	SeatID     string `json:"seat_id,omitempty"`
	BlockID    string `json:"block_id"`
	Label      string `json:"label"`
	TierID     string `json:"tier_id,omitempty"`
	PriceMinor int64  `json:"price_minor"`
	// PricePaidMinor is the ticket's share of what the order paid (discounts spread).
	PricePaidMinor int64  `json:"price_paid_minor"`
	Status         string `json:"status"`
	QR             string `json:"qr,omitempty"`
	IssuedAt       string `json:"issued_at"`
	CheckedInAt    string `json:"checked_in_at,omitempty"`
}

// FormatTime is the wire format of every time: RFC 3339 in UTC.
func FormatTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// View returns the order as its buyer sees it. Seats are those the order was placed for,
// whatever became of them; standing quantities are the units it still has (a partial refund
// lowers them).
func (o *Order) View() OrderView {
	v := OrderView{
		ID: o.s.ID.String(), Status: o.s.Status, SessionID: o.s.SessionID.String(), EventID: o.s.EventID.String(),
		SeatIDs: make([]string, 0, len(o.s.Seats)), Standing: make([]StandingView, 0, len(o.s.Standing)),
		SubtotalMinor: o.s.SubtotalMinor, DiscountMinor: o.s.DiscountMinor, TotalMinor: o.s.TotalMinor,
		RefundedMinor: o.s.RefundedMinor, Currency: o.s.Currency, DiscountCode: o.s.DiscountCode,
		ExpiresAt: FormatTime(o.s.ExpiresAt), CreatedAt: FormatTime(o.s.CreatedAt), StatusReason: o.s.StatusReason,
	}
	for _, l := range o.s.Seats {
		v.SeatIDs = append(v.SeatIDs, l.SeatID.String())
	}
	for _, l := range o.s.Standing {
		v.Standing = append(v.Standing, StandingView{BlockID: l.BlockID, Quantity: l.Quantity})
	}
	if o.s.PaidAt != nil {
		v.PaidAt = FormatTime(*o.s.PaidAt)
	}
	if o.s.PaymentIntentID != "" {
		v.Payment = &PaymentView{PaymentIntentID: o.s.PaymentIntentID}
	}
	return v
}

// View returns the ticket as its buyer sees it, with its QR code whatever its status: a
// void ticket's code admits nobody (check-in refuses it and says why), and a buyer shown
// it at the door gets that reason instead of "no ticket".
func (t Ticket) View() TicketView {
	v := TicketView{ID: t.ID.String(), OrderID: t.OrderID.String(), SessionID: t.SessionID.String(), BlockID: t.BlockID,
		Label: t.Label, PriceMinor: t.PriceMinor, PricePaidMinor: t.PricePaidMinor, Status: string(t.Status), IssuedAt: FormatTime(t.IssuedAt)}
	if t.SeatID != uuid.Nil {
		v.SeatID = t.SeatID.String()
	}
	if t.TierID != uuid.Nil {
		v.TierID = t.TierID.String()
	}
	v.QR = t.QR
	if t.CheckedInAt != nil {
		v.CheckedInAt = FormatTime(*t.CheckedInAt)
	}
	return v
}
