package ordering_test

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/ticketly/ticketly/internal/apperr"
	"github.com/ticketly/ticketly/internal/ordering"
)

var (
	now      = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	cheap    = uuid.MustParse("00000000-0000-0000-0000-0000000000c1")
	mid      = uuid.MustParse("00000000-0000-0000-0000-0000000000c2")
	vip      = uuid.MustParse("00000000-0000-0000-0000-0000000000c3")
	dollars  = uuid.MustParse("00000000-0000-0000-0000-0000000000c4")
	seatC1   = uuid.MustParse("00000000-0000-0000-0000-00000000a001") // cheap 1000
	seatC2   = uuid.MustParse("00000000-0000-0000-0000-00000000a002") // cheap 1000
	seatM1   = uuid.MustParse("00000000-0000-0000-0000-00000000a003") // mid 3333
	seatV1   = uuid.MustParse("00000000-0000-0000-0000-00000000a004") // vip 5000
	seatV2   = uuid.MustParse("00000000-0000-0000-0000-00000000a005") // vip 5000
	seatBlk  = uuid.MustParse("00000000-0000-0000-0000-00000000a006") // blocked in the layout
	seatNS   = uuid.MustParse("00000000-0000-0000-0000-00000000a007") // inside a non_sellable block
	seatUSD  = uuid.MustParse("00000000-0000-0000-0000-00000000a008") // priced in USD
	sessID   = uuid.MustParse("00000000-0000-0000-0000-0000000000e1")
	otherSID = uuid.MustParse("00000000-0000-0000-0000-0000000000e2")
)

func session() *ordering.SessionInfo {
	seat := func(id, tier uuid.UUID, label string) ordering.SeatInfo {
		return ordering.SeatInfo{ID: id, BlockID: "main", Row: "A", Label: label, TierID: tier, Sellable: true}
	}
	return &ordering.SessionInfo{
		ID: sessID, EventID: uuid.New(), OrganizationID: uuid.New(), Status: "ON_SALE", EventStatus: "APPROVED",
		SalesStart: now.Add(-time.Hour), SalesEnd: now.Add(time.Hour),
		Seats: map[uuid.UUID]ordering.SeatInfo{
			seatC1: seat(seatC1, cheap, "1"), seatC2: seat(seatC2, cheap, "2"), seatM1: seat(seatM1, mid, "3"),
			seatV1: seat(seatV1, vip, "4"), seatV2: seat(seatV2, vip, "5"), seatBlk: seat(seatBlk, cheap, "6"),
			seatNS:  {ID: seatNS, BlockID: "stage", Label: "X", TierID: cheap},
			seatUSD: seat(seatUSD, dollars, "7"),
		},
		Standing: map[string]ordering.StandingInfo{"ga": {BlockID: "ga", Name: "Floor", Capacity: 100, TierID: cheap}},
		Blocked:  map[uuid.UUID]bool{seatBlk: true},
		Tiers: map[uuid.UUID]ordering.Tier{
			cheap: {ID: cheap, PriceMinor: 1000, Currency: "EUR"}, mid: {ID: mid, PriceMinor: 3333, Currency: "EUR"},
			vip: {ID: vip, PriceMinor: 5000, Currency: "EUR"}, dollars: {ID: dollars, PriceMinor: 700, Currency: "USD"},
		},
	}
}

func req(seats []uuid.UUID, ga int) ordering.Request {
	r := ordering.Request{SessionID: sessID, SeatIDs: seats}
	if ga > 0 {
		r.Standing = []ordering.StandingQty{{BlockID: "ga", Quantity: ga}}
	}
	return r
}

func ptr[T any](v T) *T { return &v }

func TestPriceWithoutDiscount(t *testing.T) {
	q, err := ordering.Price(session(), req([]uuid.UUID{seatC1, seatM1, seatV1}, 2), nil, now)
	if err != nil {
		t.Fatal(err)
	}
	if q.SubtotalMinor != 1000+3333+5000+2*1000 || q.DiscountMinor != 0 || q.TotalMinor != q.SubtotalMinor || q.Currency != "EUR" {
		t.Fatalf("quote %+v", q)
	}
	if len(q.Seats) != 3 || q.Seats[1].PriceMinor != 3333 || q.Seats[1].Label != "3" || len(q.Standing) != 1 ||
		q.Standing[0].Quantity != 2 || q.Standing[0].Capacity != 100 {
		t.Fatalf("lines %+v %+v", q.Seats, q.Standing)
	}
}

func TestDiscounts(t *testing.T) {
	cases := []struct {
		name  string
		seats []uuid.UUID
		ga    int
		d     ordering.Discount
		want  int64       // discount; -1: refused
		code  apperr.Code // when refused
	}{
		{"percentage rounds down", []uuid.UUID{seatM1}, 0, ordering.Discount{Kind: ordering.Percentage, Percent: 15}, 499, ""}, // 499.95
		{"percentage of several", []uuid.UUID{seatC1, seatV1}, 0, ordering.Discount{Kind: ordering.Percentage, Percent: 10}, 600, ""},
		{"percentage capped by max_discount", []uuid.UUID{seatV1, seatV2}, 0,
			ordering.Discount{Kind: ordering.Percentage, Percent: 50, MaxDiscountMinor: 1234}, 1234, ""},
		{"percentage 100 makes it free", []uuid.UUID{seatV1}, 0, ordering.Discount{Kind: ordering.Percentage, Percent: 100}, 5000, ""},
		{"percentage below min_spend", []uuid.UUID{seatC1}, 0,
			ordering.Discount{Kind: ordering.Percentage, Percent: 10, MinSpendMinor: 1001}, -1, apperr.Unprocessable},
		{"percentage at min_spend exactly", []uuid.UUID{seatC1}, 0,
			ordering.Discount{Kind: ordering.Percentage, Percent: 10, MinSpendMinor: 1000}, 100, ""},
		{"flat off", []uuid.UUID{seatV1}, 0, ordering.Discount{Kind: ordering.FlatOff, AmountMinor: 750}, 750, ""},
		{"flat off never below zero", []uuid.UUID{seatC1}, 0, ordering.Discount{Kind: ordering.FlatOff, AmountMinor: 99999}, 1000, ""},
		{"flat off below min_spend", []uuid.UUID{seatC1, seatC2}, 0,
			ordering.Discount{Kind: ordering.FlatOff, AmountMinor: 500, MinSpendMinor: 5000}, -1, apperr.Unprocessable},
		{"buy 1 get 1 on two seats: one paid, cheapest free", []uuid.UUID{seatV1, seatC1}, 0,
			ordering.Discount{Kind: ordering.BuyNGetNFree, Buy: 1, Get: 1}, 1000, ""},
		{"buy 1 get 1 on three seats: one free", []uuid.UUID{seatV1, seatM1, seatV2}, 0,
			ordering.Discount{Kind: ordering.BuyNGetNFree, Buy: 1, Get: 1}, 3333, ""},
		{"buy 1 get 1 on four: the two cheapest free", []uuid.UUID{seatV1, seatM1, seatV2, seatC1}, 0,
			ordering.Discount{Kind: ordering.BuyNGetNFree, Buy: 1, Get: 1}, 1000 + 3333, ""},
		{"buy 2 get 1 on seven units: two free", []uuid.UUID{seatV1, seatV2}, 5,
			ordering.Discount{Kind: ordering.BuyNGetNFree, Buy: 2, Get: 1}, 2000, ""},
		{"buy 1 get 1 on one seat is refused", []uuid.UUID{seatV1}, 0,
			ordering.Discount{Kind: ordering.BuyNGetNFree, Buy: 1, Get: 1}, -1, apperr.Unprocessable},
		{"limited to tiers: only vip discounted", []uuid.UUID{seatC1, seatV1}, 0,
			ordering.Discount{Kind: ordering.Percentage, Percent: 50, TierIDs: []uuid.UUID{vip}}, 2500, ""},
		{"limited to tiers: min_spend on eligible items", []uuid.UUID{seatC1, seatC2, seatV1}, 0,
			ordering.Discount{Kind: ordering.FlatOff, AmountMinor: 100, MinSpendMinor: 6000, TierIDs: []uuid.UUID{vip}}, -1, apperr.Unprocessable},
		{"limited to tiers: none eligible", []uuid.UUID{seatC1}, 0,
			ordering.Discount{Kind: ordering.Percentage, Percent: 50, TierIDs: []uuid.UUID{vip}}, -1, apperr.Unprocessable},
		{"bogo limited to tiers counts eligible items only", []uuid.UUID{seatC1, seatV1, seatV2}, 0,
			ordering.Discount{Kind: ordering.BuyNGetNFree, Buy: 1, Get: 1, TierIDs: []uuid.UUID{vip}}, 5000, ""},
		{"limited to sessions: this one", []uuid.UUID{seatC1}, 0,
			ordering.Discount{Kind: ordering.FlatOff, AmountMinor: 1, SessionIDs: []uuid.UUID{otherSID, sessID}}, 1, ""},
		{"limited to sessions: another", []uuid.UUID{seatC1}, 0,
			ordering.Discount{Kind: ordering.FlatOff, AmountMinor: 1, SessionIDs: []uuid.UUID{otherSID}}, -1, apperr.Unprocessable},
		{"not active yet", []uuid.UUID{seatC1}, 0,
			ordering.Discount{Kind: ordering.FlatOff, AmountMinor: 1, ActiveFrom: ptr(now.Add(time.Minute))}, -1, apperr.Unprocessable},
		{"expired", []uuid.UUID{seatC1}, 0,
			ordering.Discount{Kind: ordering.FlatOff, AmountMinor: 1, ActiveUntil: ptr(now)}, -1, apperr.Unprocessable},
		{"inside its window", []uuid.UUID{seatC1}, 0,
			ordering.Discount{Kind: ordering.FlatOff, AmountMinor: 1, ActiveFrom: ptr(now), ActiveUntil: ptr(now.Add(time.Second))}, 1, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.d.Code = "CODE"
			q, err := ordering.Price(session(), req(c.seats, c.ga), &c.d, now)
			if c.want < 0 {
				if got := apperr.CodeOf(err); got != c.code {
					t.Fatalf("code %q (%v), want %q", got, err, c.code)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if q.DiscountMinor != c.want || q.TotalMinor != q.SubtotalMinor-c.want || q.TotalMinor < 0 {
				t.Fatalf("discount %d of %d (total %d), want %d", q.DiscountMinor, q.SubtotalMinor, q.TotalMinor, c.want)
			}
		})
	}
}

func TestPercentNeverOverflows(t *testing.T) {
	d := ordering.Discount{Code: "BIG", Kind: ordering.Percentage, Percent: 99}
	units := []ordering.Unit{{TierID: vip, PriceMinor: math.MaxInt64 - 1}}
	got, err := d.Compute(sessID, units, math.MaxInt64-1, now)
	if err != nil {
		t.Fatal(err)
	}
	// ⌊(2^63-2)·99/100⌋ computed exactly.
	if want := int64(9131138316486228047); got != want {
		t.Fatalf("got %d, want %d", got, want)
	}
}

func TestPriceRefusals(t *testing.T) {
	s := session()
	cases := []struct {
		name string
		mod  func(*ordering.SessionInfo)
		r    ordering.Request
		code apperr.Code
		seat string // expected in details.seat_ids
	}{
		{"unknown seat", nil, req([]uuid.UUID{seatC1, uuid.New()}, 0), apperr.Invalid, ""},
		{"non-sellable seat", nil, req([]uuid.UUID{seatNS}, 0), apperr.Invalid, seatNS.String()},
		{"seat blocked in the layout", nil, req([]uuid.UUID{seatBlk}, 0), apperr.Conflict, seatBlk.String()},
		{"unknown standing block", nil, ordering.Request{SessionID: sessID, Standing: []ordering.StandingQty{{BlockID: "nope", Quantity: 1}}}, apperr.Invalid, ""},
		{"mixed currencies", nil, req([]uuid.UUID{seatC1, seatUSD}, 0), apperr.Unprocessable, ""},
		{"session not on sale", func(s *ordering.SessionInfo) { s.Status = "SCHEDULED" }, req([]uuid.UUID{seatC1}, 0), apperr.Conflict, ""},
		{"session closed", func(s *ordering.SessionInfo) { s.Status = "CLOSED" }, req([]uuid.UUID{seatC1}, 0), apperr.Conflict, ""},
		{"session cancelled", func(s *ordering.SessionInfo) { s.Status = "CANCELLED" }, req([]uuid.UUID{seatC1}, 0), apperr.Conflict, ""},
		{"sold out, sales ended", func(s *ordering.SessionInfo) { s.Status = "SOLD_OUT"; s.SalesEnd = now }, req([]uuid.UUID{seatC1}, 0), apperr.Conflict, ""},
		{"event not approved", func(s *ordering.SessionInfo) { s.EventStatus = "PENDING" }, req([]uuid.UUID{seatC1}, 0), apperr.Conflict, ""},
		{"sales not started", func(s *ordering.SessionInfo) { s.SalesStart = now.Add(time.Minute) }, req([]uuid.UUID{seatC1}, 0), apperr.Conflict, ""},
		{"sales ended", func(s *ordering.SessionInfo) { s.SalesEnd = now }, req([]uuid.UUID{seatC1}, 0), apperr.Conflict, ""},
		{"seat without a tier", func(s *ordering.SessionInfo) { delete(s.Tiers, cheap) }, req([]uuid.UUID{seatC1}, 0), apperr.Unprocessable, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := session()
			if c.mod != nil {
				c.mod(s)
			}
			_, err := ordering.Price(s, c.r, nil, now)
			if got := apperr.CodeOf(err); got != c.code {
				t.Fatalf("code %q (%v), want %q", got, err, c.code)
			}
			if c.seat != "" {
				var ae *apperr.Error
				if !errors.As(err, &ae) {
					t.Fatal(err)
				}
				ids, _ := ae.Details["seat_ids"].([]string)
				if len(ids) != 1 || ids[0] != c.seat {
					t.Fatalf("details %v, want seat_ids [%s]", ae.Details, c.seat)
				}
			}
		})
	}
	_ = s
}

// TestSoldOutSessionsStillSell: SOLD_OUT lags behind releases; the seat gate decides.
func TestSoldOutSessionsStillSell(t *testing.T) {
	for _, status := range []string{"ON_SALE", "SOLD_OUT"} {
		s := session()
		s.Status = status
		if err := s.Purchasable(now); err != nil {
			t.Fatalf("%s: %v", status, err)
		}
		if _, err := ordering.Price(s, req([]uuid.UUID{seatC1}, 2), nil, now); err != nil {
			t.Fatalf("%s: price: %v", status, err)
		}
	}
	for _, status := range []string{"SCHEDULED", "CLOSED", "CANCELLED", ""} {
		s := session()
		s.Status = status
		err := s.Purchasable(now)
		if apperr.CodeOf(err) != apperr.Conflict {
			t.Fatalf("%q: %v", status, err)
		}
		var ae *apperr.Error
		if !errors.As(err, &ae) || ae.Details["session_status"] != status {
			t.Fatalf("%q: details %v", status, err)
		}
	}
}

func TestParseRequest(t *testing.T) {
	id := uuid.NewString()
	lim := ordering.DefaultLimits
	tooMany := make([]string, lim.MaxSeats+1)
	for i := range tooMany {
		tooMany[i] = uuid.NewString()
	}
	cases := []struct {
		name  string
		in    ordering.RequestInput
		field string // "" = valid
	}{
		{"valid seats", ordering.RequestInput{SessionID: id, SeatIDs: []string{uuid.NewString()}}, ""},
		{"valid standing", ordering.RequestInput{SessionID: id, Standing: []ordering.StandingInput{{BlockID: "ga", Quantity: 10}}}, ""},
		{"missing session", ordering.RequestInput{SeatIDs: []string{uuid.NewString()}}, "session_id"},
		{"bad session uuid", ordering.RequestInput{SessionID: "123", SeatIDs: []string{uuid.NewString()}}, "session_id"},
		{"uuid without dashes", ordering.RequestInput{SessionID: "0123456789abcdef0123456789abcdef", SeatIDs: []string{uuid.NewString()}}, "session_id"},
		{"nothing ordered", ordering.RequestInput{SessionID: id}, "seat_ids"},
		{"empty lists", ordering.RequestInput{SessionID: id, SeatIDs: []string{}, Standing: []ordering.StandingInput{}}, "seat_ids"},
		{"bad seat uuid", ordering.RequestInput{SessionID: id, SeatIDs: []string{"x"}}, "seat_ids[0]"},
		{"duplicate seat", ordering.RequestInput{SessionID: id, SeatIDs: []string{id, id}}, "seat_ids[1]"},
		{"too many seats", ordering.RequestInput{SessionID: id, SeatIDs: tooMany}, "seat_ids"},
		{"zero quantity", ordering.RequestInput{SessionID: id, Standing: []ordering.StandingInput{{BlockID: "ga", Quantity: 0}}}, "standing[0].quantity"},
		{"negative quantity", ordering.RequestInput{SessionID: id, Standing: []ordering.StandingInput{{BlockID: "ga", Quantity: -3}}}, "standing[0].quantity"},
		{"huge quantity", ordering.RequestInput{SessionID: id, Standing: []ordering.StandingInput{{BlockID: "ga", Quantity: 1 << 40}}}, "standing[0].quantity"},
		{"missing block", ordering.RequestInput{SessionID: id, Standing: []ordering.StandingInput{{Quantity: 1}}}, "standing[0].block_id"},
		{"duplicate block", ordering.RequestInput{SessionID: id, Standing: []ordering.StandingInput{{BlockID: "ga", Quantity: 1}, {BlockID: "ga", Quantity: 1}}}, "standing[1].block_id"},
		{"long discount code", ordering.RequestInput{SessionID: id, SeatIDs: []string{uuid.NewString()}, DiscountCode: string(make([]byte, 41))}, "discount_code"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := ordering.ParseRequest(c.in, lim)
			if c.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				if r.SessionID.String() != id {
					t.Fatalf("session %s", r.SessionID)
				}
				return
			}
			var ae *apperr.Error
			if !errors.As(err, &ae) || ae.Code != apperr.Invalid {
				t.Fatalf("want invalid, got %v", err)
			}
			fields, _ := ae.Details["fields"].(map[string]any)
			if _, ok := fields[c.field]; !ok {
				t.Fatalf("want a problem with %s, got %v", c.field, fields)
			}
		})
	}
	r, err := ordering.ParseRequest(ordering.RequestInput{SessionID: id, SeatIDs: []string{id}, DiscountCode: " summer-10 "}, lim)
	if err != nil || r.DiscountCode != "SUMMER-10" {
		t.Fatalf("code %q %v", r.DiscountCode, err)
	}
}

func TestIdempotencyKeyAndFingerprint(t *testing.T) {
	for key, ok := range map[string]bool{"": false, "k": true, string(make([]byte, 255)): true, string(make([]byte, 256)): false} {
		if err := ordering.CheckIdempotencyKey(key); (err == nil) != ok {
			t.Errorf("key of %d chars: %v", len(key), err)
		}
	}
	a := ordering.RequestInput{SessionID: "s", SeatIDs: []string{"a", "b"}}
	b := ordering.RequestInput{SessionID: "s", SeatIDs: []string{"a", "b"}}
	c := ordering.RequestInput{SessionID: "s", SeatIDs: []string{"a", "c"}}
	if a.Fingerprint() != b.Fingerprint() || a.Fingerprint() == c.Fingerprint() {
		t.Fatal("fingerprints must depend on the content only")
	}
}
