package ordering_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/ticketly/ticketly/internal/apperr"
	"github.com/ticketly/ticketly/internal/ordering"
	"github.com/ticketly/ticketly/internal/ordering/orderingtest"
)

func TestCheckInRefusal(t *testing.T) {
	t.Parallel()
	door := uuid.New()
	valid := ordering.CheckInState{Ticket: ordering.Ticket{SessionID: door, Status: ordering.TicketValid},
		OrderStatus: ordering.Paid, SessionStatus: ordering.SessionOnSale}
	with := func(f func(*ordering.CheckInState)) ordering.CheckInState {
		s := valid
		f(&s)
		return s
	}
	cases := []struct {
		name  string
		state ordering.CheckInState
		want  string
	}{
		{"valid", valid, ""},
		{"checked in is not a refusal", with(func(s *ordering.CheckInState) { now := time.Now(); s.Ticket.CheckedInAt = &now }), ""},
		{"partially refunded order, ticket valid", with(func(s *ordering.CheckInState) {
			s.OrderStatus, s.OrderRefunded = ordering.PartiallyRefunded, true
		}), ""},
		{"sales closed still enters", with(func(s *ordering.CheckInState) { s.SessionStatus = "CLOSED" }), ""},
		{"other session", with(func(s *ordering.CheckInState) { s.Ticket.SessionID = uuid.New() }), ordering.ReasonOtherSession},
		{"other session wins over void", with(func(s *ordering.CheckInState) {
			s.Ticket.SessionID, s.Ticket.Status = uuid.New(), ordering.TicketVoid
		}), ordering.ReasonOtherSession},
		{"cancelled session", with(func(s *ordering.CheckInState) { s.SessionStatus = ordering.SessionCancelled }), ordering.ReasonSessionCancelled},
		{"session gone", with(func(s *ordering.CheckInState) { s.SessionStatus = "" }), ordering.ReasonSessionCancelled},
		{"cancelled wins over refunded", with(func(s *ordering.CheckInState) {
			s.SessionStatus, s.Ticket.Status, s.OrderRefunded = ordering.SessionCancelled, ordering.TicketVoid, true
		}), ordering.ReasonSessionCancelled},
		{"void after a refund", with(func(s *ordering.CheckInState) {
			s.Ticket.Status, s.OrderStatus, s.OrderRefunded = ordering.TicketVoid, ordering.PartiallyRefunded, true
		}), ordering.ReasonTicketRefunded},
		{"void without a refund", with(func(s *ordering.CheckInState) { s.Ticket.Status = ordering.TicketVoid }), ordering.ReasonTicketVoid},
		{"valid ticket of a refunded order", with(func(s *ordering.CheckInState) {
			s.OrderStatus, s.OrderRefunded = ordering.Refunded, true
		}), ordering.ReasonTicketRefunded},
		{"pending order", with(func(s *ordering.CheckInState) { s.OrderStatus = ordering.PendingPayment }), ordering.ReasonNotPaid},
		{"expired order", with(func(s *ordering.CheckInState) { s.OrderStatus = ordering.Expired }), ordering.ReasonNotPaid},
	}
	for _, c := range cases {
		if got := c.state.Refusal(door); got != c.want {
			t.Errorf("%s: refusal %q, want %q", c.name, got, c.want)
		}
	}
}

// wantRefused asserts a 422 with the reason.
func wantRefused(t *testing.T, err error, reason string) *apperr.Error {
	t.Helper()
	ae := wantCode(t, err, apperr.Unprocessable)
	if ae.Details["reason"] != reason {
		t.Fatalf("refusal details %v, want reason %s", ae.Details, reason)
	}
	return ae
}

func TestCheckInAtASession(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	scanner := ordering.Actor{ID: "sub-scanner"}
	w.cat.SetMember(w.sess.OrganizationID, scanner.ID, ordering.Membership{Roles: []string{ordering.RoleScanner}})
	// Another session of the same event (the 9 December show at the 7 December door).
	other := *w.sess
	other.ID = uuid.New()
	w.cat.AddSession(&other)
	v := w.paid(buyer("ann"), w.in([]uuid.UUID{w.seats[0], w.vip}, 0, ""))
	tickets := w.state(v).Tickets
	qr := tickets[0].QR

	_, err := w.svc.CheckIn(ctx, scanner, uuid.New(), qr)
	wantCode(t, err, apperr.NotFound)
	_, err = w.svc.CheckIn(ctx, ordering.Actor{ID: "sub-stranger"}, w.sess.ID, qr)
	wantCode(t, err, apperr.Forbidden)
	_, err = w.svc.CheckIn(ctx, scanner, w.sess.ID, "not a ticket")
	wantCode(t, err, apperr.Invalid)
	forged, _ := orderingtest.NewSigner().Sign(tickets[0].ID, w.sess.ID, w.clock.Now())
	_, err = w.svc.CheckIn(ctx, scanner, w.sess.ID, forged)
	wantRefused(t, err, ordering.ReasonInvalidSignature)
	_, err = w.svc.CheckIn(ctx, scanner, other.ID, qr)
	if ae := wantRefused(t, err, ordering.ReasonOtherSession); ae.Details["ticket_session_id"] != w.sess.ID.String() {
		t.Fatalf("other session details %v", ae.Details)
	}
	unknown, _ := w.signer.Sign(uuid.New(), w.sess.ID, w.clock.Now())
	_, err = w.svc.CheckIn(ctx, scanner, w.sess.ID, unknown)
	wantCode(t, err, apperr.NotFound)
	if w.state(v).Tickets[0].CheckedInAt != nil {
		t.Fatal("a refused check-in checked the ticket in")
	}

	res, err := w.svc.CheckIn(ctx, scanner, w.sess.ID, qr)
	if err != nil || res.Ticket.ID != tickets[0].ID.String() || !res.CheckedInAt.Equal(w.clock.Now()) ||
		res.SessionID != w.sess.ID || res.Label != tickets[0].Label || res.TierName != "Cheap" ||
		res.HolderName != "Buyer ann" || res.HolderEmail != "ann@example.test" {
		t.Fatalf("check-in %+v %v", res, err)
	}
	w.clock.Advance(time.Minute)
	_, err = w.svc.CheckIn(ctx, scanner, w.sess.ID, qr)
	if ae := wantCode(t, err, apperr.Conflict); ae.Details["checked_in_at"] != ordering.FormatTime(res.CheckedInAt) {
		t.Fatalf("second check-in details %v", ae.Details)
	}
	if res, err := w.svc.CheckIn(ctx, scanner, w.sess.ID, tickets[1].QR); err != nil || res.TierName != "VIP" {
		t.Fatalf("vip check-in %+v %v", res, err)
	}

	// The session is cancelled: its tickets are refused, checked in or not.
	w.repo.SetSessionStatus(w.sess.ID, ordering.SessionCancelled)
	_, err = w.svc.CheckIn(ctx, scanner, w.sess.ID, qr)
	wantRefused(t, err, ordering.ReasonSessionCancelled)
}

func TestCheckInRefundedTicket(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	admin := ordering.Actor{ID: "sub-admin", OrgAdmin: true}
	v := w.paid(buyer("bob"), w.in(w.seats[:2], 0, ""))
	tickets := w.state(v).Tickets
	if _, err := w.svc.RefundOrder(ctx, admin, uuid.MustParse(v.ID), ordering.RefundRequest{TicketIDs: []uuid.UUID{tickets[1].ID}}); err != nil {
		t.Fatal(err)
	}
	state := w.state(v)
	var refunded, kept ordering.Ticket
	for _, tk := range state.Tickets {
		if tk.Status == ordering.TicketVoid {
			refunded = tk
		} else {
			kept = tk
		}
	}
	if refunded.ID == uuid.Nil {
		t.Fatalf("no ticket voided by the refund: %+v", state.Tickets)
	}
	_, err := w.svc.CheckIn(ctx, admin, w.sess.ID, tickets[slices.IndexFunc(tickets, func(t ordering.Ticket) bool { return t.ID == refunded.ID })].QR)
	wantRefused(t, err, ordering.ReasonTicketRefunded)
	if kept.ID != uuid.Nil {
		if _, err := w.svc.CheckIn(ctx, admin, w.sess.ID, kept.QR); err != nil {
			t.Fatalf("the ticket not refunded: %v", err)
		}
	}
}

func TestUndoCheckIn(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	scanner, admin, owner := ordering.Actor{ID: "sub-scanner"}, ordering.Actor{ID: "sub-admin"}, ordering.Actor{ID: "sub-owner"}
	w.cat.SetMember(w.sess.OrganizationID, scanner.ID, ordering.Membership{Roles: []string{ordering.RoleScanner}})
	w.cat.SetMember(w.sess.OrganizationID, admin.ID, ordering.Membership{Roles: []string{ordering.RoleAdmin}})
	w.cat.SetMember(w.sess.OrganizationID, owner.ID, ordering.Membership{Owner: true})
	v := w.paid(buyer("cid"), w.in(w.seats[:1], 0, ""))
	tk := w.state(v).Tickets[0]

	wantCode(t, w.svc.UndoCheckIn(ctx, admin, uuid.New()), apperr.NotFound)
	wantCode(t, w.svc.UndoCheckIn(ctx, admin, tk.ID), apperr.Conflict)
	if _, err := w.svc.CheckIn(ctx, scanner, w.sess.ID, tk.QR); err != nil {
		t.Fatal(err)
	}
	wantCode(t, w.svc.UndoCheckIn(ctx, scanner, tk.ID), apperr.Forbidden)
	wantCode(t, w.svc.UndoCheckIn(ctx, ordering.Actor{ID: "sub-stranger"}, tk.ID), apperr.Forbidden)
	if w.state(v).Tickets[0].CheckedInAt == nil {
		t.Fatal("a refused undo cleared the check-in")
	}
	if err := w.svc.UndoCheckIn(ctx, admin, tk.ID); err != nil {
		t.Fatal(err)
	}
	wantCode(t, w.svc.UndoCheckIn(ctx, owner, tk.ID), apperr.Conflict)
	// Checked in again after the undo, by the owner, who then undoes it too.
	if _, err := w.svc.CheckIn(ctx, scanner, w.sess.ID, tk.QR); err != nil {
		t.Fatalf("check-in after undo: %v", err)
	}
	if err := w.svc.UndoCheckIn(ctx, owner, tk.ID); err != nil {
		t.Fatal(err)
	}
	if err := w.svc.UndoCheckIn(ctx, ordering.Actor{ID: "sub-realm-admin", OrgAdmin: true}, tk.ID); apperr.CodeOf(err) != apperr.Conflict {
		t.Fatalf("organization_admin undo of a ticket not checked in: %v", err)
	}
}

func TestSessionCheckInList(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	scanner, admin := ordering.Actor{ID: "sub-scanner"}, ordering.Actor{ID: "sub-admin", OrgAdmin: true}
	w.cat.SetMember(w.sess.OrganizationID, scanner.ID, ordering.Membership{Roles: []string{ordering.RoleScanner}})

	empty, err := w.svc.SessionCheckInList(ctx, scanner, w.sess.ID)
	if err != nil || empty.Valid == nil || empty.CheckedIn == nil || empty.Revoked == nil || len(empty.Valid)+len(empty.Revoked) != 0 {
		t.Fatalf("empty list %+v %v (lists must be empty, not nil)", empty, err)
	}
	a := w.paid(buyer("ann"), w.in(w.seats[:2], 0, ""))
	b := w.paid(buyer("bob"), w.in(w.seats[2:3], 0, ""))
	w.mustPlace(buyer("pending"), w.in(w.seats[3:4], 0, "")) // no tickets until paid
	ta, tb := w.state(a).Tickets, w.state(b).Tickets
	if _, err := w.svc.CheckIn(ctx, scanner, w.sess.ID, ta[0].QR); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.RefundOrder(ctx, admin, uuid.MustParse(b.ID), ordering.RefundRequest{}); err != nil {
		t.Fatal(err)
	}

	_, err = w.svc.SessionCheckInList(ctx, ordering.Actor{ID: "sub-stranger"}, w.sess.ID)
	wantCode(t, err, apperr.Forbidden)
	_, err = w.svc.SessionCheckInList(ctx, scanner, uuid.New())
	wantCode(t, err, apperr.NotFound)
	l, err := w.svc.SessionCheckInList(ctx, scanner, w.sess.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(l.Valid, []uuid.UUID{ta[1].ID}) || !slices.Equal(l.CheckedIn, []uuid.UUID{ta[0].ID}) ||
		!slices.Equal(l.Revoked, []uuid.UUID{tb[0].ID}) || l.SessionID != w.sess.ID || !l.GeneratedAt.Equal(w.clock.Now()) {
		t.Fatalf("list %+v", l)
	}

	w.repo.SetSessionStatus(w.sess.ID, ordering.SessionCancelled)
	l, err = w.svc.SessionCheckInList(ctx, scanner, w.sess.ID)
	if err != nil || len(l.Valid)+len(l.CheckedIn) != 0 || len(l.Revoked) != 3 || l.SessionStatus != ordering.SessionCancelled {
		t.Fatalf("cancelled session's list %+v %v", l, err)
	}
	if !slices.IsSortedFunc(l.Revoked, func(x, y uuid.UUID) int { return compareUUID(x, y) }) {
		t.Fatalf("revoked ids not sorted: %v", l.Revoked)
	}
}

func compareUUID(x, y uuid.UUID) int {
	for i := range x {
		if x[i] != y[i] {
			return int(x[i]) - int(y[i])
		}
	}
	return 0
}
