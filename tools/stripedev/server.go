package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
)

// maxBody bounds a settle request; the real one is under 200 bytes.
const maxBody = 4 << 10

type server struct {
	log      *slog.Logger
	orderURL string // base URL of the order service
	secret   string // the webhook signing secret the order service verifies with
	client   *http.Client
}

func (s *server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("POST /v1/payment_intents/{id}/webhook", s.settle)
	return mux
}

// settle turns a settle request into a signed Stripe event for the order service and
// answers with the order service's status code.
func (s *server) settle(w http.ResponseWriter, r *http.Request) {
	req, err := decodeSettle(w, r)
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid", err.Error())
		return
	}
	payload, eventID, err := paymentEvent(r.PathValue("id"), req)
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid", err.Error())
		return
	}
	log := s.log.With("payment_intent_id", r.PathValue("id"), "order_id", req.OrderID, "outcome", req.Outcome, "event_id", eventID)
	status, body, err := s.deliver(r, payload)
	if err != nil {
		log.Warn("order service unreachable", "err", err)
		writeError(w, http.StatusBadGateway, "unavailable", "the order service did not answer: "+err.Error())
		return
	}
	var answer struct {
		Outcome string `json:"outcome"`
	}
	_ = json.Unmarshal(body, &answer) // an error answer has no outcome; its status says enough
	log.Info("webhook delivered", "status", status, "order_outcome", answer.Outcome)
	writeJSON(w, http.StatusOK, map[string]any{"status": status, "event_id": eventID, "outcome": answer.Outcome})
}

// deliver POSTs a signed event to the order service's Stripe webhook endpoint.
func (s *server) deliver(r *http.Request, payload []byte) (int, []byte, error) {
	req, err := http.NewRequestWithContext(r.Context(), http.MethodPost, s.orderURL+"/api/v1/webhooks/stripe", bytes.NewReader(payload))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Stripe-Signature", sign(payload, s.secret))
	res, err := s.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return 0, nil, fmt.Errorf("read the answer: %w", err)
	}
	return res.StatusCode, body, nil
}

// decodeSettle reads exactly one settle request: unknown fields, trailing data and bodies
// over maxBody are refused.
func decodeSettle(w http.ResponseWriter, r *http.Request) (settleRequest, error) {
	var req settleRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return req, fmt.Errorf("body exceeds %d bytes", maxBody)
		}
		return req, fmt.Errorf("body: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return req, errors.New("body: one JSON object expected, found more")
	}
	return req, req.validate()
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeError answers in the services' error shape.
func writeError(w http.ResponseWriter, status int, code, message string) {
	writeJSON(w, status, map[string]any{"error": map[string]string{"code": code, "message": message}})
}
