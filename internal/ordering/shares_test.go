package ordering_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/ticketly/ticketly/internal/ordering"
)

func sum(xs []int64) int64 {
	var s int64
	for _, x := range xs {
		s += x
	}
	return s
}

// checkShares asserts the properties every split must have.
func checkShares(t *testing.T, prices []int64, total int64, shares []int64) {
	t.Helper()
	if len(shares) != len(prices) {
		t.Fatalf("split %v of %d: %d shares for %d lines", prices, total, len(shares), len(prices))
	}
	if got := sum(shares); got != total {
		t.Fatalf("split %v of %d: shares %v add up to %d", prices, total, shares, got)
	}
	for i, s := range shares {
		if s < 0 || s > prices[i] {
			t.Fatalf("split %v of %d: share %d of line %d is outside [0, %d]", prices, total, s, i, prices[i])
		}
	}
	if again := ordering.SplitTotal(prices, total); !slices.Equal(again, shares) {
		t.Fatalf("split %v of %d is not deterministic: %v then %v", prices, total, shares, again)
	}
}

func TestSplitTotal(t *testing.T) {
	cases := []struct {
		name   string
		prices []int64
		total  int64
		want   []int64
	}{
		{"no discount", []int64{1000, 5000, 1000}, 7000, []int64{1000, 5000, 1000}},
		{"percentage 20 %", []int64{5000, 5000}, 8000, []int64{4000, 4000}},
		{"a remainder goes to the first of equal lines", []int64{1000, 1000, 1000}, 2000, []int64{667, 667, 666}},
		{"largest remainders win", []int64{1000, 3333, 5000}, 7333, []int64{786, 2619, 3928}},
		{"flat off", []int64{1000, 5000}, 5300, []int64{883, 4417}},
		{"buy 1 get 1 free is spread, not put on the cheapest", []int64{5000, 1000}, 5000, []int64{4167, 833}},
		{"100 % discount", []int64{1000, 5000}, 0, []int64{0, 0}},
		{"one cent over many lines", []int64{100, 100, 100, 100}, 1, []int64{1, 0, 0, 0}},
		{"free lines stay free", []int64{0, 1000, 0}, 500, []int64{0, 500, 0}},
		{"nothing priced", []int64{0, 0}, 0, []int64{0, 0}},
		{"no lines", nil, 0, []int64{}},
		{"huge prices do not overflow", []int64{math.MaxInt64 / 2, math.MaxInt64 / 2}, math.MaxInt64 - 1, []int64{math.MaxInt64 / 2, math.MaxInt64/2 - 0}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := ordering.SplitTotal(c.prices, c.total)
			if !slices.Equal(got, c.want) {
				t.Fatalf("SplitTotal(%v, %d) = %v, want %v", c.prices, c.total, got, c.want)
			}
			checkShares(t, c.prices, c.total, got)
		})
	}
}

func TestSplitTotalProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(10, 12))
	for range 5000 {
		n := 1 + rng.IntN(12)
		prices := make([]int64, n)
		for i := range prices {
			prices[i] = rng.Int64N(20_000)
			if rng.IntN(5) == 0 {
				prices[i] = []int64{0, 1, 999, 1000}[rng.IntN(4)]
			}
		}
		total := int64(0)
		if s := sum(prices); s > 0 {
			total = rng.Int64N(s + 1)
		}
		checkShares(t, prices, total, ordering.SplitTotal(prices, total))
	}
}

// Every discount kind reaches the tickets: MarkPaid gives each ticket its share and the
// shares add up to the order's total.
func TestMarkPaidSpreadsTheDiscount(t *testing.T) {
	cases := []struct {
		name string
		d    ordering.Discount
	}{
		{"percentage", ordering.Discount{Kind: ordering.Percentage, Percent: 15}},
		{"flat off", ordering.Discount{Kind: ordering.FlatOff, AmountMinor: 1001}},
		{"buy 2 get 1 free", ordering.Discount{Kind: ordering.BuyNGetNFree, Buy: 2, Get: 1}},
		{"100 %", ordering.Discount{Kind: ordering.Percentage, Percent: 100}},
		{"none", ordering.Discount{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var d *ordering.Discount
			if c.d.Kind != "" {
				d = &c.d
				d.ID, d.Code = uuid.New(), "CODE"
			}
			q, err := ordering.Price(session(), req([]uuid.UUID{seatC1, seatM1, seatV1}, 2), d, now)
			if err != nil {
				t.Fatal(err)
			}
			o := ordering.NewOrder(uuid.New(), ordering.Buyer{ID: "buyer"}, session(), q, now, 10*time.Minute)
			if err := o.MarkPaid(now, "pi_1", issuer); err != nil {
				t.Fatal(err)
			}
			ts := o.Changes().NewTickets
			var prices, shares []int64
			for _, tk := range ts {
				prices, shares = append(prices, tk.PriceMinor), append(shares, tk.PricePaidMinor)
			}
			checkShares(t, prices, q.TotalMinor, shares)
			if d == nil && !slices.Equal(prices, shares) {
				t.Fatalf("without a discount each ticket pays its price: %v vs %v", shares, prices)
			}
			if v := ts[0].View(); v.PricePaidMinor != shares[0] {
				t.Fatalf("the ticket view shows %d, want %d", v.PricePaidMinor, shares[0])
			}
		})
	}
}

func TestPaymentMismatch(t *testing.T) {
	o := ordering.RestoreOrder(newOrder(t).State()) // total 8000 EUR
	if !o.Matches(8000, "EUR") || o.Matches(1, "EUR") || o.Matches(8000, "USD") {
		t.Fatal("Matches")
	}
	o.RecordPaymentMismatch(now, ordering.PaymentEvent{ID: "evt_1", PaymentIntentID: "pi_1", AmountMinor: 1, Currency: "EUR"})
	st, ch := o.State(), o.Changes()
	if st.Status != ordering.PendingPayment || st.StatusReason == "" || ch.Mismatch == nil || ch.Mismatch.ExpectedMinor != 8000 ||
		len(ch.NewTickets) != 0 || ch.SeatStatus != "" {
		t.Fatalf("state %+v changes %+v", st, ch)
	}
}
