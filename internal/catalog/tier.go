package catalog

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/ticketly/ticketly/internal/apperr"
)

const maxTiersPerEvent = 100

var colourRE = regexp.MustCompile(`^#([0-9A-F]{3}|[0-9A-F]{6})$`)

// Tier is a price level of an event: seats and standing blocks name one.
type Tier struct {
	id         uuid.UUID
	eventID    uuid.UUID
	name       string
	colour     string
	priceMinor int64
	currency   string
	createdAt  time.Time
	updatedAt  time.Time
}

// TierInput creates a tier. PriceMinor is required (nil: missing).
type TierInput struct {
	Name       string
	Colour     string
	PriceMinor *int64
	Currency   string
}

// TierEdit is a partial update of a tier; nil fields are unchanged.
type TierEdit struct {
	Name       *string
	Colour     *string
	PriceMinor *int64
	Currency   *string
}

// TierState is a tier's stored state.
type TierState struct {
	ID         uuid.UUID
	EventID    uuid.UUID
	Name       string
	Colour     string
	PriceMinor int64
	Currency   string
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// RestoreTier rebuilds a tier from stored state.
func RestoreTier(s TierState) *Tier {
	return &Tier{id: s.ID, eventID: s.EventID, name: s.Name, colour: s.Colour, priceMinor: s.PriceMinor,
		currency: s.Currency, createdAt: s.CreatedAt.UTC(), updatedAt: s.UpdatedAt.UTC()}
}

// State returns a copy of the tier's fields.
func (t *Tier) State() TierState {
	return TierState{ID: t.id, EventID: t.eventID, Name: t.name, Colour: t.colour, PriceMinor: t.priceMinor,
		Currency: t.currency, CreatedAt: t.createdAt, UpdatedAt: t.updatedAt}
}

// ID returns the tier's ID.
func (t *Tier) ID() uuid.UUID { return t.id }

func cleanTierName(fe apperr.FieldErrors, field, s string) string {
	return cleanText(fe, field, s, 1, maxShortNameLen, false)
}

func cleanColour(fe apperr.FieldErrors, field, s string) string {
	s = strings.ToUpper(strings.TrimSpace(s))
	if s != "" && !colourRE.MatchString(s) {
		fe.Add(field, "must be a hex colour such as #1E88E5 or #F80")
	}
	return s
}

func checkPrice(fe apperr.FieldErrors, field string, p *int64) int64 {
	switch {
	case p == nil:
		fe.Add(field, "is required (an integer number of minor units, e.g. 2500 for 25.00)")
		return 0
	case *p < 0:
		fe.Add(field, "must not be negative")
	case *p > MaxAmountMinor:
		fe.Add(field, fmt.Sprintf("must be at most %d", MaxAmountMinor))
	}
	return *p
}

func cleanCurrency(fe apperr.FieldErrors, field, s string) string {
	if !ValidCurrency(s) {
		fe.Add(field, "must be an ISO 4217 currency code in upper case, such as EUR or USD")
	}
	return s
}

// newTier validates in; field names are prefixed (e.g. "tiers[0].").
func newTier(fe apperr.FieldErrors, prefix string, id, eventID uuid.UUID, in TierInput, now time.Time) *Tier {
	return &Tier{
		id:         id,
		eventID:    eventID,
		name:       cleanTierName(fe, prefix+"name", in.Name),
		colour:     cleanColour(fe, prefix+"colour", in.Colour),
		priceMinor: checkPrice(fe, prefix+"price_minor", in.PriceMinor),
		currency:   cleanCurrency(fe, prefix+"currency", in.Currency),
		createdAt:  normTime(now),
		updatedAt:  normTime(now),
	}
}
