package catalog_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/ticketly/ticketly/internal/apperr"
	"github.com/ticketly/ticketly/internal/catalog"
)

func TestDiscountValidation(t *testing.T) {
	t.Parallel()
	e, vip, _ := newEvent(t)
	P, F, B := catalog.DiscountPercentage, catalog.DiscountFlatOff, catalog.DiscountBuyNGetNFree
	for name, tc := range map[string]struct {
		in    catalog.DiscountInput
		field string // "" = valid
	}{
		"percentage":            {catalog.DiscountInput{Code: "early10", Kind: P, Percent: ptr(10), MinSpendMinor: ptr[int64](5000), MaxDiscountMinor: ptr[int64](2000)}, ""},
		"flat off":              {catalog.DiscountInput{Code: "FLAT-5", Kind: F, AmountMinor: ptr[int64](500)}, ""},
		"bogo":                  {catalog.DiscountInput{Code: "B1G1", Kind: B, Buy: ptr(1), Get: ptr(1), UsageLimit: ptr(100)}, ""},
		"short code":            {catalog.DiscountInput{Code: "X", Kind: P, Percent: ptr(5)}, "code"},
		"code with space":       {catalog.DiscountInput{Code: "NO SPACE", Kind: P, Percent: ptr(5)}, "code"},
		"unknown kind":          {catalog.DiscountInput{Code: "OK", Kind: "FREE_BEER"}, "kind"},
		"percent 0":             {catalog.DiscountInput{Code: "OK", Kind: P, Percent: ptr(0)}, "percent"},
		"percent 101":           {catalog.DiscountInput{Code: "OK", Kind: P, Percent: ptr(101)}, "percent"},
		"percent missing":       {catalog.DiscountInput{Code: "OK", Kind: P}, "percent"},
		"percent with amount":   {catalog.DiscountInput{Code: "OK", Kind: P, Percent: ptr(5), AmountMinor: ptr[int64](5)}, "amount_minor"},
		"negative min spend":    {catalog.DiscountInput{Code: "OK", Kind: P, Percent: ptr(5), MinSpendMinor: ptr[int64](-1)}, "min_spend_minor"},
		"zero max discount":     {catalog.DiscountInput{Code: "OK", Kind: P, Percent: ptr(5), MaxDiscountMinor: ptr[int64](0)}, "max_discount_minor"},
		"flat without amount":   {catalog.DiscountInput{Code: "OK", Kind: F}, "amount_minor"},
		"flat amount 0":         {catalog.DiscountInput{Code: "OK", Kind: F, AmountMinor: ptr[int64](0)}, "amount_minor"},
		"flat with max":         {catalog.DiscountInput{Code: "OK", Kind: F, AmountMinor: ptr[int64](5), MaxDiscountMinor: ptr[int64](5)}, "max_discount_minor"},
		"bogo without get":      {catalog.DiscountInput{Code: "OK", Kind: B, Buy: ptr(2)}, "get"},
		"bogo with min spend":   {catalog.DiscountInput{Code: "OK", Kind: B, Buy: ptr(2), Get: ptr(1), MinSpendMinor: ptr[int64](1)}, "min_spend_minor"},
		"usage limit 0":         {catalog.DiscountInput{Code: "OK", Kind: P, Percent: ptr(5), UsageLimit: ptr(0)}, "usage_limit"},
		"window reversed":       {catalog.DiscountInput{Code: "OK", Kind: P, Percent: ptr(5), ActiveFrom: ptr(now), ActiveUntil: ptr(now.Add(-time.Hour))}, "active_until"},
		"tier of another event": {catalog.DiscountInput{Code: "OK", Kind: P, Percent: ptr(5), TierIDs: []uuid.UUID{vip, uuid.New()}}, "tier_ids[1]"},
		"unknown session":       {catalog.DiscountInput{Code: "OK", Kind: P, Percent: ptr(5), SessionIDs: []uuid.UUID{uuid.New()}}, "session_ids[0]"},
	} {
		t.Run(name, func(t *testing.T) {
			d, err := e.AddDiscount(uuid.New(), tc.in, now)
			if tc.field == "" {
				wantCode(t, err, "")
				if s := d.State(); s.Code != strings.ToUpper(tc.in.Code) {
					t.Fatalf("code %q not normalised", s.Code)
				}
				wantCode(t, e.RemoveDiscount(d.ID()), "")
				return
			}
			wantField(t, err, tc.field)
		})
	}
}

func TestDiscountCodesAndPatches(t *testing.T) {
	t.Parallel()
	e, _, _ := newEvent(t)
	d, err := e.AddDiscount(uuid.New(), catalog.DiscountInput{Code: "SUMMER", Kind: catalog.DiscountPercentage, Percent: ptr(10), UsageLimit: ptr(5)}, now)
	wantCode(t, err, "")
	_, err = e.AddDiscount(uuid.New(), catalog.DiscountInput{Code: "summer", Kind: catalog.DiscountFlatOff, AmountMinor: ptr[int64](100)}, now)
	wantCode(t, err, apperr.Conflict)

	// Changing the kind drops the old parameters; the new ones are required.
	kind := catalog.DiscountFlatOff
	_, err = e.EditDiscount(d.ID(), catalog.DiscountPatch{Kind: &kind}, now)
	wantField(t, err, "amount_minor")
	d, err = e.EditDiscount(d.ID(), catalog.DiscountPatch{Kind: &kind, AmountMinor: catalog.Of[int64](300), UsageLimit: catalog.Clear[int]()}, now)
	wantCode(t, err, "")
	s := d.State()
	if s.Kind != kind || s.Percent != nil || s.AmountMinor == nil || *s.AmountMinor != 300 || s.UsageLimit != nil {
		t.Fatalf("after patch: %+v", s)
	}
	before := s.UpdatedAt
	d, err = e.EditDiscount(d.ID(), catalog.DiscountPatch{}, now.Add(time.Hour))
	wantCode(t, err, "")
	if !d.State().UpdatedAt.Equal(before) {
		t.Fatal("an empty patch bumped updated_at")
	}
	wantCode(t, e.RemoveDiscount(uuid.New()), apperr.NotFound)
}
