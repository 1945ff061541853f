package scheduling

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/google/uuid"

	"github.com/ticketly/ticketly/internal/projection"
)

// The CDC topics the scheduler plans from.
const (
	TopicEventAggregate = "ticketly.catalog.event_aggregate"
	TopicOrders         = "ticketly.ordering.orders"
	TopicRefunds        = "ticketly.ordering.refunds"
	TopicSeatChanges    = "ticketly.ordering.seat_changes"
)

// Topics lists the CDC topics the scheduler consumes.
func Topics() []string {
	return []string{TopicEventAggregate, TopicOrders, TopicRefunds, TopicSeatChanges}
}

// Follow makes a buyer follow the session of a paid order (scheduling.subscriptions,
// source purchase).
type Follow struct {
	UserID    string
	Email     string
	SessionID uuid.UUID
}

// EventName is an event's title as last seen, remembered so that buyers of a deleted
// event can still be told what a refund is for.
type EventName struct {
	ID             uuid.UUID
	Title          string
	OrganizationID uuid.UUID
}

// Changes is what one CDC record asks of the scheduler.
type Changes struct {
	Plans   []Plan
	Drops   []Drop
	Follows []Follow
	Names   []EventName
	// Notes are things worth a log line (a mail that could not be addressed).
	Notes []string
}

func (c *Changes) add(o Changes) {
	c.Plans = append(c.Plans, o.Plans...)
	c.Drops = append(c.Drops, o.Drops...)
	c.Follows = append(c.Follows, o.Follows...)
	c.Names = append(c.Names, o.Names...)
	c.Notes = append(c.Notes, o.Notes...)
}

// Lookup reads what a CDC record does not carry.
type Lookup interface {
	// OwnerEmail is the address of the owner of an organization ("" when unknown).
	OwnerEmail(ctx context.Context, organizationID uuid.UUID) (string, error)
	// OrderBuyer is the buyer's address and the status of an order (found=false if none).
	OrderBuyer(ctx context.Context, orderID uuid.UUID) (email, status string, found bool, err error)
}

// PlanChange turns one decoded change into jobs. Snapshot reads (op r) plan time jobs but
// never mails: a snapshot is history, not news.
func PlanChange(ctx context.Context, c projection.Change, now time.Time, l Lookup) (Changes, error) {
	switch c.Schema + "." + c.Table {
	case "catalog.sessions":
		return planSessionRow(c, now)
	case "catalog.events":
		if c.Op == projection.OpDelete {
			return Changes{}, nil
		}
		name, err := eventName(c)
		if err != nil {
			return Changes{}, err
		}
		if c.Op == projection.OpRead {
			return Changes{Names: []EventName{name}}, nil
		}
		ch, err := planEventRow(ctx, c, now, l)
		ch.Names = append(ch.Names, name)
		return ch, err
	case "ordering.orders":
		if c.Op == projection.OpRead || c.Op == projection.OpDelete {
			return Changes{}, nil
		}
		return planOrderRow(c, now)
	case "ordering.refunds":
		if c.Op != projection.OpCreate {
			return Changes{}, nil
		}
		return planRefundRow(ctx, c, now, l)
	case "ordering.seat_changes":
		if c.Op != projection.OpCreate {
			return Changes{}, nil
		}
		var r struct {
			SessionID uuid.UUID `json:"session_id"`
		}
		if err := json.Unmarshal(c.After, &r); err != nil || r.SessionID == uuid.Nil {
			return Changes{}, fmt.Errorf("%w: seat change row: %v", projection.ErrPoison, err)
		}
		return Changes{Plans: []Plan{PlanAvailability(r.SessionID, now)}}, nil
	}
	return Changes{}, nil
}

type sessionRow struct {
	ID         uuid.UUID `json:"id"`
	EventID    uuid.UUID `json:"event_id"`
	Start      string    `json:"start_time"`
	End        string    `json:"end_time"`
	SalesStart string    `json:"sales_start_time"`
	SalesEnd   string    `json:"sales_end_time"`
	Status     string    `json:"status"`
	UpdatedAt  string    `json:"updated_at"`
}

func planSessionRow(c projection.Change, now time.Time) (Changes, error) {
	var r sessionRow
	if err := json.Unmarshal(c.Row(), &r); err != nil || r.ID == uuid.Nil {
		return Changes{}, fmt.Errorf("%w: session row: %v", projection.ErrPoison, err)
	}
	if c.Op == projection.OpDelete {
		// Deleted for good (or with its event): nothing may move these jobs again, and
		// orders it still has are ended like a cancelled session's (the order service
		// answers "unknown" for a session without any).
		return Changes{Drops: []Drop{DropSession(r.ID, math.MaxInt64, "session deleted")},
			Plans: []Plan{PlanCancelOrders(r.ID, now)}}, nil
	}
	s := Session{ID: r.ID, EventID: r.EventID, Status: r.Status}
	var updated time.Time
	for _, f := range []struct {
		dst *time.Time
		src string
	}{{&s.Start, r.Start}, {&s.End, r.End}, {&s.SalesStart, r.SalesStart}, {&s.SalesEnd, r.SalesEnd}, {&updated, r.UpdatedAt}} {
		t, err := time.Parse(time.RFC3339Nano, f.src)
		if err != nil {
			return Changes{}, fmt.Errorf("%w: session %s: time %q: %v", projection.ErrPoison, r.ID, f.src, err)
		}
		*f.dst = t.UTC()
	}
	s.Version = updated.UnixMicro()
	plans, drops := PlanSession(s, now)
	out := Changes{Plans: plans, Drops: drops}
	if c.Op != projection.OpRead && (s.Status == StatusOnSale || s.Status == StatusSoldOut) {
		out.Plans = append(out.Plans, PlanAvailability(s.ID, now))
	}
	if c.Op != projection.OpRead && s.Status == StatusCancelled {
		// Its paid orders are refunded and its unpaid ones cancelled (a snapshot is left to
		// the sweep, which finds cancelled sessions that still have live orders).
		out.Plans = append(out.Plans, PlanCancelOrders(s.ID, now))
	}
	return out, nil
}

type eventRow struct {
	ID             uuid.UUID `json:"id"`
	OrganizationID uuid.UUID `json:"organization_id"`
	Status         string    `json:"status"`
	Title          string    `json:"title"`
}

// eventName is the title an event row carries.
func eventName(c projection.Change) (EventName, error) {
	var row eventRow
	if err := json.Unmarshal(c.After, &row); err != nil || row.ID == uuid.Nil {
		return EventName{}, fmt.Errorf("%w: event row: %v", projection.ErrPoison, err)
	}
	return EventName{ID: row.ID, Title: row.Title, OrganizationID: row.OrganizationID}, nil
}

func planEventRow(ctx context.Context, c projection.Change, now time.Time, l Lookup) (Changes, error) {
	var after, before eventRow
	if err := json.Unmarshal(c.After, &after); err != nil || after.ID == uuid.Nil {
		return Changes{}, fmt.Errorf("%w: event row: %v", projection.ErrPoison, err)
	}
	_ = json.Unmarshal(c.Before, &before) // null on insert
	if before.Status == after.Status {
		return Changes{}, nil
	}
	kind := map[string]string{"APPROVED": MailApproved, "REJECTED": MailRejected}[after.Status]
	if kind == "" {
		return Changes{}, nil
	}
	to, err := l.OwnerEmail(ctx, after.OrganizationID)
	if err != nil {
		return Changes{}, err
	}
	if to == "" {
		return Changes{Notes: []string{fmt.Sprintf("no %s mail for event %s: its organization's owner has no address", kind, after.ID)}}, nil
	}
	return Changes{Plans: []Plan{PlanMail(MailPayload{Kind: kind, To: to, EventID: after.ID}, now)}}, nil
}

type orderRow struct {
	ID           uuid.UUID `json:"id"`
	BuyerID      string    `json:"buyer_id"`
	BuyerEmail   string    `json:"buyer_email"`
	SessionID    uuid.UUID `json:"session_id"`
	EventID      uuid.UUID `json:"event_id"`
	Status       string    `json:"status"`
	StatusReason string    `json:"status_reason"`
	TotalMinor   int64     `json:"total_minor"`
}

func planOrderRow(c projection.Change, now time.Time) (Changes, error) {
	var after, before orderRow
	if err := json.Unmarshal(c.After, &after); err != nil || after.ID == uuid.Nil {
		return Changes{}, fmt.Errorf("%w: order row: %v", projection.ErrPoison, err)
	}
	_ = json.Unmarshal(c.Before, &before)
	if before.Status == after.Status {
		return Changes{}, nil
	}
	kind := map[string]string{"PAID": MailConfirmed, "CANCELLED": MailCancelled, "EXPIRED": MailExpired}[after.Status]
	// A refunded order is told about by its refund row's mail (one per refund), so a
	// session's cancellation mails each paid order once; only a free order, which has no
	// refund to tell about, is told here that its session was cancelled.
	if after.Status == "REFUNDED" && after.StatusReason == SessionCancelledReason && after.TotalMinor == 0 {
		kind = MailCancelled
	}
	if kind == "" {
		return Changes{}, nil
	}
	var out Changes
	if after.Status == "PAID" && after.BuyerID != "" {
		out.Follows = append(out.Follows, Follow{UserID: after.BuyerID, Email: after.BuyerEmail, SessionID: after.SessionID})
	}
	if after.BuyerEmail == "" {
		out.Notes = append(out.Notes, fmt.Sprintf("no %s mail for order %s: no buyer address", kind, after.ID))
		return out, nil
	}
	out.Plans = append(out.Plans, PlanMail(MailPayload{Kind: kind, To: after.BuyerEmail, EventID: after.EventID,
		SessionID: after.SessionID, OrderID: after.ID}, now))
	return out, nil
}

type refundRow struct {
	ID          uuid.UUID `json:"id"`
	OrderID     uuid.UUID `json:"order_id"`
	RequestedBy string    `json:"requested_by"`
	Reason      string    `json:"reason"`
}

// SystemRefunder is who an automatic refund (a payment the order could not take, e.g. one
// that arrived after the hold expired) is requested by in ordering.refunds.
const SystemRefunder = "system"

func planRefundRow(ctx context.Context, c projection.Change, now time.Time, l Lookup) (Changes, error) {
	var r refundRow
	if err := json.Unmarshal(c.After, &r); err != nil || r.ID == uuid.Nil {
		return Changes{}, fmt.Errorf("%w: refund row: %v", projection.ErrPoison, err)
	}
	to, _, found, err := l.OrderBuyer(ctx, r.OrderID)
	if err != nil {
		return Changes{}, err
	}
	if !found || to == "" {
		return Changes{Notes: []string{fmt.Sprintf("no refund mail for refund %s: no buyer address", r.ID)}}, nil
	}
	kind := MailRefunded
	if r.RequestedBy == SystemRefunder && r.Reason != SessionCancelledReason {
		kind = MailLateRefunded // a payment the order could not take
	}
	return Changes{Plans: []Plan{PlanMail(MailPayload{Kind: kind, To: to, OrderID: r.OrderID, RefundID: r.ID}, now)}}, nil
}
