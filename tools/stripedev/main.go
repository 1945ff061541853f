// Command stripedev stands in for Stripe.js on a development machine (SPEC section 9, "Local
// payments"): stripe-mock never calls back, so nothing would ever tell the order service
// that a test payment went through. Asked to settle a PaymentIntent, stripedev builds the
// Stripe event a real payment would produce, signs it with the local webhook secret and
// delivers it to the order service's webhook endpoint.
//
//	GET  /healthz
//	POST /v1/payment_intents/{id}/webhook  {"outcome":"succeeded"|"failed","amount":4500,"currency":"eur","order_id":"<uuid>"}
//	     -> 200 {"status":<the order service's status>,"event_id":"evt_…","outcome":"<its outcome>"}, 502 if unreachable
//
// Environment: STRIPEDEV_ADDR (127.0.0.1:12113), ORDER_URL (http://127.0.0.1:8083),
// STRIPE_WEBHOOK_SECRET (the development secret the order service also defaults to). It
// refuses to start with TICKETLY_ENV=production: anyone who can reach it can mark orders paid.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// devWebhookSecret is the order service's development default (DevStripeWebhookSecret of
// internal/config, which this separate module cannot import; a test keeps them equal).
const devWebhookSecret = "whsec_ticketly_local_development_only"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Getenv, nil); err != nil {
		fmt.Fprintln(os.Stderr, "stripedev:", err)
		os.Exit(1)
	}
}

// config is stripedev's settings, read once from the environment.
type config struct {
	Addr          string
	OrderURL      string
	WebhookSecret string
	Env           string
}

func loadConfig(getenv func(string) string) (config, error) {
	get := func(key, def string) string {
		if v := getenv(key); v != "" {
			return v
		}
		return def
	}
	c := config{Addr: get("STRIPEDEV_ADDR", "127.0.0.1:12113"), OrderURL: get("ORDER_URL", "http://127.0.0.1:8083"),
		WebhookSecret: get("STRIPE_WEBHOOK_SECRET", devWebhookSecret), Env: get("TICKETLY_ENV", "development")}
	return c, c.Validate()
}

// Validate reports every problem at once.
func (c config) Validate() error {
	var errs []error
	switch c.Env {
	case "development":
	case "production":
		errs = append(errs, errors.New("TICKETLY_ENV=production: stripedev is a development tool and would let anyone mark orders paid"))
	default:
		errs = append(errs, fmt.Errorf("TICKETLY_ENV %q: want development or production", c.Env))
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		errs = append(errs, fmt.Errorf("STRIPEDEV_ADDR %q: %w", c.Addr, err))
	}
	if u, err := url.Parse(c.OrderURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("ORDER_URL %q: want an http(s) URL", c.OrderURL))
	}
	return errors.Join(errs...)
}

// run serves until ctx ends. ready, when not nil, receives the bound address (tests listen on :0).
func run(ctx context.Context, getenv func(string) string, ready chan<- string) error {
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil)).With("component", "stripedev")
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	s := &server{log: log, orderURL: cfg.OrderURL, secret: cfg.WebhookSecret, client: &http.Client{Timeout: 15 * time.Second}}
	srv := &http.Server{Handler: s.routes(), ReadHeaderTimeout: 5 * time.Second}
	log.Info("listening", "addr", ln.Addr().String(), "order_url", cfg.OrderURL)
	if ready != nil {
		ready <- ln.Addr().String()
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(shutdownCtx)
}
