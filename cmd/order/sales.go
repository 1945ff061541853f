package main

import (
	"context"
	"encoding/csv"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/ticketly/ticketly/internal/apperr"
	"github.com/ticketly/ticketly/internal/auth"
	"github.com/ticketly/ticketly/internal/httpapi"
	"github.com/ticketly/ticketly/internal/ordering"
)

// salesApp is what the organizer views need from the use cases (ordering.Service).
type salesApp interface {
	SalesOrders(ctx context.Context, a ordering.Actor, f ordering.SalesFilter) (ordering.SalesPage, error)
	SalesOrder(ctx context.Context, a ordering.Actor, id uuid.UUID) (ordering.SalesOrderView, error)
	Attendees(ctx context.Context, a ordering.Actor, scope ordering.SalesScope) ([]ordering.Attendee, error)
	Summary(ctx context.Context, a ordering.Actor, eventID uuid.UUID) (ordering.SalesSummary, error)
}

var _ salesApp = (*ordering.Service)(nil)

// salesRoutes are the organizer views (SPEC section 12), under /sales so they never collide
// with event-query's public reads.
func (s *server) salesRoutes(r chi.Router) {
	r.Get("/sales/orders", s.h(s.salesOrders))
	r.Get("/sales/orders/{id}", s.h(s.salesOrder))
	r.Get("/sales/attendees.csv", s.h(s.attendees))
	r.Get("/sales/summary", s.h(s.salesSummary))
}

// checkParams refuses each of the named query parameters given more than once, naming
// them. Unknown parameters never get here: the router refuses them for every documented
// operation, from the OpenAPI document (internal/httpapi/query.go).
func checkParams(q url.Values, names ...string) error {
	fe := apperr.FieldErrors{}
	for _, name := range names {
		if len(q[name]) > 1 {
			fe.Add(name, "must be given once")
		}
	}
	return fe.Err()
}

// queryUUID reads an optional UUID query parameter.
func queryUUID(q url.Values, name string, bad apperr.FieldErrors) uuid.UUID {
	v, ok := q[name]
	if !ok {
		return uuid.Nil
	}
	id, valid := httpapi.ParseUUID(v[0])
	if !valid || id == uuid.Nil {
		bad.Add(name, "must be a UUID")
	}
	return id
}

// requiredUUID reads a query parameter that must be given once, as a UUID.
func requiredUUID(q url.Values, name string) (uuid.UUID, error) {
	if err := checkParams(q, name); err != nil {
		return uuid.Nil, err
	}
	bad := apperr.FieldErrors{}
	id := queryUUID(q, name, bad)
	if _, ok := q[name]; !ok {
		bad.Add(name, "is required")
	}
	return id, bad.Err()
}

// scopeOf reads event_id or session_id (exactly one).
func scopeOf(q url.Values, bad apperr.FieldErrors) ordering.SalesScope {
	sc := ordering.SalesScope{EventID: queryUUID(q, "event_id", bad), SessionID: queryUUID(q, "session_id", bad)}
	_, hasEvent := q["event_id"]
	_, hasSession := q["session_id"]
	switch {
	case hasEvent && hasSession:
		bad.Add("event_id", "give event_id or session_id, not both")
	case !hasEvent && !hasSession:
		bad.Add("event_id", "give event_id or session_id")
	}
	return sc
}

// salesPage is a page of organizer order views.
type salesPage struct {
	Items    []ordering.SalesOrderView `json:"items"`
	Page     int                       `json:"page"`
	PageSize int                       `json:"page_size"`
	Total    int                       `json:"total"`
}

func (s *server) salesOrders(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	q := r.URL.Query()
	if err := checkParams(q, "event_id", "session_id", "status", "q", "page", "page_size"); err != nil {
		return err
	}
	bad := apperr.FieldErrors{}
	f := ordering.SalesFilter{Scope: scopeOf(q, bad)}
	f.Page = int(httpapi.QueryInt(q, "page", 1, 1, 100_000, bad))
	f.PageSize = int(httpapi.QueryInt(q, "page_size", 20, 1, 100, bad))
	if st := q.Get("status"); st != "" {
		if !slices.Contains(ordering.Statuses, ordering.Status(st)) {
			names := make([]string, len(ordering.Statuses))
			for i, x := range ordering.Statuses {
				names[i] = string(x)
			}
			bad.Add("status", "must be one of "+strings.Join(names, ", "))
		}
		f.Status = ordering.Status(st)
	}
	f.Query = httpapi.QueryText(q, "q", bad)
	if len(f.Query) > 200 {
		bad.Add("q", "at most 200 characters")
	}
	if err := bad.Err(); err != nil {
		return err
	}
	res, err := s.sales.SalesOrders(r.Context(), actorOf(p), f)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, salesPage{Items: res.Items, Page: f.Page, PageSize: f.PageSize, Total: res.Total})
	return nil
}

func (s *server) salesOrder(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	id, err := httpapi.PathUUID(r, "id")
	if err != nil {
		return err
	}
	v, err := s.sales.SalesOrder(r.Context(), actorOf(p), id)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, v)
	return nil
}

// attendeeHeader is the attendee export's header row.
var attendeeHeader = []string{"ticket_id", "order_id", "session_id", "buyer_email", "buyer_name", "label", "block_id",
	"tier_id", "tier_name", "price_paid_minor", "currency", "checked_in_at"}

// csvCell neutralises a value a spreadsheet would run as a formula (CSV injection, OWASP):
// a cell starting with =, +, -, @, a tab or a carriage return gets a leading apostrophe.
func csvCell(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}

func (s *server) attendees(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	q := r.URL.Query()
	if err := checkParams(q, "event_id", "session_id"); err != nil {
		return err
	}
	bad := apperr.FieldErrors{}
	scope := scopeOf(q, bad)
	if err := bad.Err(); err != nil {
		return err
	}
	rows, err := s.sales.Attendees(r.Context(), actorOf(p), scope)
	if err != nil {
		return err
	}
	name := "attendees-" + scope.EventID.String() + ".csv"
	if scope.SessionID != uuid.Nil {
		name = "attendees-" + scope.SessionID.String() + ".csv"
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	cw := csv.NewWriter(w)
	_ = cw.Write(attendeeHeader)
	for _, a := range rows {
		tier := ""
		if a.TierID != uuid.Nil {
			tier = a.TierID.String()
		}
		_ = cw.Write([]string{a.TicketID.String(), a.OrderID.String(), a.SessionID.String(), csvCell(a.BuyerEmail), csvCell(a.BuyerName),
			csvCell(a.Label), csvCell(a.BlockID), tier, csvCell(a.TierName), strconv.FormatInt(a.PricePaidMinor, 10),
			a.Currency, a.CheckedInAt})
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		s.log.WarnContext(r.Context(), "write attendee export", "err", err)
	}
	return nil
}

func (s *server) salesSummary(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	id, err := requiredUUID(r.URL.Query(), "event_id")
	if err != nil {
		return err
	}
	sum, err := s.sales.Summary(r.Context(), actorOf(p), id)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, sum)
	return nil
}
