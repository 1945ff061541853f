package main

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/ticketly/ticketly/internal/apperr"
	"github.com/ticketly/ticketly/internal/auth"
	"github.com/ticketly/ticketly/internal/httpapi"
	"github.com/ticketly/ticketly/internal/ordering"
	"github.com/ticketly/ticketly/internal/stripe"
)

// Body limits: an order names at most a few dozen IDs; Stripe events are a few KiB.
const (
	orderMaxBody   = 64 << 10
	webhookMaxBody = 256 << 10
)

// application is what the HTTP layer needs from the use cases (ordering.Service).
type application interface {
	PlaceOrder(ctx context.Context, b ordering.Buyer, key string, in ordering.RequestInput) (ordering.Placed, error)
	Order(ctx context.Context, buyerID string, id uuid.UUID) (ordering.OrderView, error)
	Orders(ctx context.Context, buyerID string, page, pageSize int) ([]ordering.OrderView, int, error)
	Cancel(ctx context.Context, buyerID string, id uuid.UUID) (ordering.OrderView, error)
	Tickets(ctx context.Context, buyerID string, id uuid.UUID) ([]ordering.TicketView, error)
	RefundOrder(ctx context.Context, a ordering.Actor, id uuid.UUID, req ordering.RefundRequest) (ordering.RefundResult, error)
	HandlePaymentEvent(ctx context.Context, ev ordering.PaymentEvent) (ordering.PaymentOutcome, error)
	BlockSeats(ctx context.Context, a ordering.Actor, sessionID uuid.UUID, seatIDs []string) (ordering.BlockResult, error)
	UnblockSeats(ctx context.Context, a ordering.Actor, sessionID uuid.UUID, seatIDs []string) (ordering.BlockResult, error)
	salesApp
	checkinApp
}

var _ application = (*ordering.Service)(nil)

// webhooks verifies payment-provider webhooks (stripe.Client).
type webhooks interface {
	ParseWebhook(payload []byte, sigHeader string) (ordering.PaymentEvent, error)
}

// ticketKeys publishes the key ticket QR codes are verified with (tickets.Signer).
type ticketKeys interface {
	PublicKey() ed25519.PublicKey
	PublicKeyPEM() string
}

// server holds the HTTP handlers; one routes method per resource.
type server struct {
	log   *slog.Logger
	app   application
	sales salesApp
	hook  webhooks
	keys  ticketKeys
}

// routes is the service's HTTP surface: the operational endpoints; the Stripe webhook
// (authenticated by its signature) and the tickets' public key, which need no token; and
// the rest of /api/v1 behind authn, which authenticates every request before anything else.
func routes(base httpapi.Base, authn func(http.Handler) http.Handler, app application, hook webhooks, keys ticketKeys) chi.Router {
	r := httpapi.NewRouter(base)
	s := &server{log: base.Logger, app: app, sales: app, hook: hook, keys: keys}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	r.Route("/api/v1", func(r chi.Router) {
		r.Use(httpapi.Shed(base.Metrics, base.Admission))
		r.Post("/webhooks/stripe", s.stripeWebhook)
		r.Get("/tickets/public-key", s.publicKey)
		r.Group(func(r chi.Router) {
			r.Use(authn)
			s.orderRoutes(r)
			s.checkinRoutes(r)
			s.sessionRoutes(r)
			s.salesRoutes(r)
		})
	})
	s.cancellationRoutes(r, authn)
	return r
}

// handler is an API handler given the authenticated principal.
type handler = httpapi.AuthedHandler

func (s *server) h(fn handler) http.HandlerFunc { return httpapi.Authed(s.log, fn) }

func actorOf(p auth.Principal) ordering.Actor {
	return ordering.Actor{ID: p.Subject, OrgAdmin: p.HasRole("organization_admin")}
}

func (s *server) orderRoutes(r chi.Router) {
	r.Post("/orders", s.h(s.placeOrder))
	r.Get("/orders", s.h(s.listOrders))
	r.Get("/orders/{id}", s.h(s.getOrder))
	r.Post("/orders/{id}/cancel", s.h(s.cancelOrder))
	r.Get("/orders/{id}/tickets", s.h(s.orderTickets))
	r.Post("/orders/{id}/refunds", s.h(s.refundOrder))
}

func (s *server) placeOrder(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	key := r.Header.Get("Idempotency-Key")
	if err := ordering.CheckIdempotencyKey(key); err != nil {
		return err
	}
	var in ordering.RequestInput
	if err := httpapi.DecodeJSON(w, r, &in, orderMaxBody); err != nil {
		return err
	}
	placed, err := s.app.PlaceOrder(r.Context(), ordering.Buyer{ID: p.Subject, Email: p.Email, Name: p.Name}, key, in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/orders/"+placed.View.ID)
	httpapi.WriteJSON(w, placed.Status, placed.View)
	return nil
}

type page struct {
	Items    any `json:"items"`
	Page     int `json:"page"`
	PageSize int `json:"page_size"`
	Total    int `json:"total"`
}

func (s *server) listOrders(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	bad, q := apperr.FieldErrors{}, r.URL.Query()
	pg := int(httpapi.QueryInt(q, "page", 1, 1, 100_000, bad))
	size := int(httpapi.QueryInt(q, "page_size", 20, 1, 100, bad))
	if err := bad.Err(); err != nil {
		return err
	}
	items, total, err := s.app.Orders(r.Context(), p.Subject, pg, size)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, page{Items: items, Page: pg, PageSize: size, Total: total})
	return nil
}

func (s *server) getOrder(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	id, err := httpapi.PathUUID(r, "id")
	if err != nil {
		return err
	}
	v, err := s.app.Order(r.Context(), p.Subject, id)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, v)
	return nil
}

func (s *server) cancelOrder(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	id, err := httpapi.PathUUID(r, "id")
	if err != nil {
		return err
	}
	v, err := s.app.Cancel(r.Context(), p.Subject, id)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, v)
	return nil
}

func (s *server) orderTickets(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	id, err := httpapi.PathUUID(r, "id")
	if err != nil {
		return err
	}
	ts, err := s.app.Tickets(r.Context(), p.Subject, id)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, map[string]any{"items": ts})
	return nil
}

// concealOrder answers a refusal to someone who may not see the order (neither its buyer
// nor a manager of its organization) exactly like a missing order: orders are private, so
// "not yours" must not differ from "does not exist". The buyer, who sees the order, is
// still told that refunds are the organizer's.
func (s *server) concealOrder(ctx context.Context, p auth.Principal, id uuid.UUID, err error) error {
	if apperr.CodeOf(err) != apperr.Forbidden {
		return err
	}
	if _, berr := s.app.Order(ctx, p.Subject, id); berr == nil {
		return err
	}
	return apperr.New(apperr.NotFound, "order %s not found", id)
}

type refundRequest struct {
	AmountMinor *int64   `json:"amount_minor"`
	TicketIDs   []string `json:"ticket_ids"`
	Reason      *string  `json:"reason"`
}

type refundView struct {
	ID             string `json:"id"`
	OrderID        string `json:"order_id"`
	AmountMinor    int64  `json:"amount_minor"`
	Reason         string `json:"reason"`
	StripeRefundID string `json:"stripe_refund_id"`
	CreatedAt      string `json:"created_at"`
}

func (s *server) refundOrder(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	id, err := httpapi.PathUUID(r, "id")
	if err != nil {
		return err
	}
	var req refundRequest
	if r.ContentLength != 0 {
		if err := httpapi.DecodeJSON(w, r, &req, orderMaxBody); err != nil {
			return err
		}
	}
	fe := apperr.FieldErrors{}
	ticketIDs := make([]uuid.UUID, 0, len(req.TicketIDs))
	for i, t := range req.TicketIDs {
		tid, ok := httpapi.ParseUUID(t)
		if !ok {
			fe.Add(fmt.Sprintf("ticket_ids[%d]", i), "must be a UUID")
			continue
		}
		ticketIDs = append(ticketIDs, tid)
	}
	if err := fe.Err(); err != nil {
		return err
	}
	in := ordering.RefundRequest{AmountMinor: req.AmountMinor, TicketIDs: ticketIDs}
	if req.Reason != nil {
		in.Reason = *req.Reason
	}
	res, err := s.app.RefundOrder(r.Context(), actorOf(p), id, in)
	if err != nil {
		return s.concealOrder(r.Context(), p, id, err)
	}
	rf := res.Refund
	voided := make([]string, len(res.VoidedTickets))
	for i, t := range res.VoidedTickets {
		voided[i] = t.String()
	}
	httpapi.WriteJSON(w, http.StatusCreated, map[string]any{
		"refund": refundView{ID: rf.ID.String(), OrderID: rf.OrderID.String(), AmountMinor: rf.AmountMinor, Reason: rf.Reason,
			StripeRefundID: rf.StripeRefundID, CreatedAt: ordering.FormatTime(rf.CreatedAt)},
		"order":             res.Order,
		"voided_ticket_ids": voided,
	})
	return nil
}

// stripeWebhook applies a Stripe event. The signature is verified over the raw body before
// anything else; an event whose effect could not be applied (e.g. an automatic refund that
// failed) answers 503 so Stripe delivers it again. A succeeded payment whose amount or
// currency is not its order's is answered 200 (outcome amount_mismatch): it was verified,
// recorded and deliberately not applied, and a redelivery could not change that — a non-2xx
// would only make Stripe retry it for days and, in the end, disable the endpoint.
func (s *server) stripeWebhook(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, webhookMaxBody))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		httpapi.WriteError(w, r, s.log, apperr.New(apperr.PayloadTooLarge, "webhook body exceeds %d bytes", webhookMaxBody))
		return
	}
	if err != nil {
		httpapi.WriteError(w, r, s.log, apperr.New(apperr.Invalid, "could not read the webhook body"))
		return
	}
	ev, err := s.hook.ParseWebhook(body, r.Header.Get("Stripe-Signature"))
	if errors.Is(err, stripe.ErrSignature) {
		httpapi.WriteError(w, r, s.log, apperr.New(apperr.Invalid, "the Stripe-Signature header does not verify this body"))
		return
	}
	if err != nil {
		httpapi.WriteError(w, r, s.log, apperr.New(apperr.Invalid, "not a Stripe event: %v", err))
		return
	}
	outcome, err := s.app.HandlePaymentEvent(r.Context(), ev)
	if err != nil {
		httpapi.WriteError(w, r, s.log, err)
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, map[string]any{"received": true, "event_id": ev.ID, "outcome": outcome})
}

func (s *server) publicKey(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Cache-Control", "public, max-age=300")
	httpapi.WriteJSON(w, http.StatusOK, map[string]any{
		"algorithm":      "Ed25519",
		"public_key":     base64.RawURLEncoding.EncodeToString(s.keys.PublicKey()),
		"public_key_pem": s.keys.PublicKeyPEM(),
		"qr_format":      "base64url(JSON {ticket_id, session_id, issued}) + \".\" + base64url(Ed25519 signature of the first part), unpadded",
	})
}

func (s *server) sessionRoutes(r chi.Router) {
	r.Post("/sessions/{id}/blocks", s.h(s.blockSeats(true)))
	r.Post("/sessions/{id}/unblocks", s.h(s.blockSeats(false)))
}

type seatsRequest struct {
	SeatIDs []string `json:"seat_ids"`
}

func (s *server) blockSeats(block bool) handler {
	return func(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
		id, err := httpapi.PathUUID(r, "id")
		if err != nil {
			return err
		}
		var req seatsRequest
		if err := httpapi.DecodeJSON(w, r, &req, orderMaxBody); err != nil {
			return err
		}
		do, status := s.app.UnblockSeats, ordering.StateAvailable
		if block {
			do, status = s.app.BlockSeats, ordering.StateBlocked
		}
		res, err := do(r.Context(), actorOf(p), id, req.SeatIDs)
		if err != nil {
			return err
		}
		ids := make([]string, len(res.SeatIDs))
		for i, sid := range res.SeatIDs {
			ids[i] = sid.String()
		}
		httpapi.WriteJSON(w, http.StatusOK, map[string]any{"session_id": res.SessionID.String(), "status": status, "seat_ids": ids})
		return nil
	}
}
