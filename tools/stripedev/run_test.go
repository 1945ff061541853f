package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestRefusesProduction(t *testing.T) {
	t.Parallel()
	err := run(context.Background(), envOf(map[string]string{"TICKETLY_ENV": "production", "STRIPEDEV_ADDR": "127.0.0.1:0"}), nil)
	if err == nil || !strings.Contains(err.Error(), "production") {
		t.Fatalf("started in production: %v", err)
	}
}

func TestConfigReportsEveryProblem(t *testing.T) {
	t.Parallel()
	_, err := loadConfig(envOf(map[string]string{"TICKETLY_ENV": "staging", "STRIPEDEV_ADDR": "nowhere", "ORDER_URL": "ftp://x"}))
	for _, want := range []string{"TICKETLY_ENV", "STRIPEDEV_ADDR", "ORDER_URL"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s not reported: %v", want, err)
		}
	}
	c, err := loadConfig(envOf(nil))
	if err != nil || c.Addr != "127.0.0.1:12113" || c.OrderURL != "http://127.0.0.1:8083" || c.WebhookSecret != devWebhookSecret {
		t.Fatalf("defaults %+v: %v", c, err)
	}
}

// TestDevSecretIsTheOrderServices: the default secret is the one the order service falls
// back to locally, or every delivery would fail its signature check.
func TestDevSecretIsTheOrderServices(t *testing.T) {
	t.Parallel()
	src, err := os.ReadFile("../../internal/config/payments.go")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(src), `DevStripeWebhookSecret = "`+devWebhookSecret+`"`) {
		t.Fatalf("internal/config/payments.go no longer defaults STRIPE_WEBHOOK_SECRET to %q", devWebhookSecret)
	}
}

func TestRunServesUntilCancelled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	ready, done := make(chan string, 1), make(chan error, 1)
	go func() { done <- run(ctx, envOf(map[string]string{"STRIPEDEV_ADDR": "127.0.0.1:0"}), ready) }()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatal(err)
	}
	res, err := http.Get("http://" + addr + "/healthz")
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("healthz: %v %v", res, err)
	}
	res.Body.Close()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return after cancel")
	}
}

// TestTheRunningOrderServiceAcceptsTheSignature delivers to the local stack's order service
// (ORDER_URL, default :8083) an event about an order that does not exist: a 200 with outcome
// unknown_order shows the signature and the event's shape passed its checks.
func TestTheRunningOrderServiceAcceptsTheSignature(t *testing.T) {
	if testing.Short() {
		t.Skip("needs the order service of the local stack")
	}
	c, err := loadConfig(os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	s := &server{log: slog.New(slog.DiscardHandler), orderURL: c.OrderURL, secret: c.WebhookSecret, client: &http.Client{Timeout: 15 * time.Second}}
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	rec := settle(s.routes(), "pi_stripedev_"+hex.EncodeToString(b), `{"outcome":"succeeded","amount":100,"currency":"eur","order_id":"00000000-0000-4000-8000-`+hex.EncodeToString(b[:6])+`"}`)
	var a answer
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &a) != nil || a.Status != http.StatusOK || a.Outcome != "unknown_order" {
		t.Fatalf("order service at %s: %d %s (is the stack up? make run)", c.OrderURL, rec.Code, rec.Body)
	}
}
