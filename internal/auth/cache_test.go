package auth_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ticketly/ticketly/internal/apperr"
	"github.com/ticketly/ticketly/internal/auth"
)

// A remembered token is still refused once its own expiry passes: the cache never extends a
// token's life.
func TestRememberedTokenIsRefusedOnceExpired(t *testing.T) {
	is := newIssuer(t)
	v := is.verifier(t)
	tok := is.token(t, func(c map[string]any) { c["exp"] = time.Now().Add(2 * time.Second).Unix() })
	for range 2 { // the second answer comes from the cache
		if p, err := v.Verify(context.Background(), tok); err != nil || p.Username != "buyer1" {
			t.Fatalf("Verify before expiry: %+v, %v", p, err)
		}
	}
	time.Sleep(time.Until(time.Now().Add(3 * time.Second).Truncate(time.Second)))
	_, err := v.Verify(context.Background(), tok)
	var e *apperr.Error
	if !errors.As(err, &e) || e.Code != apperr.Unauthorized || e.Details["reason"] != auth.ReasonExpired {
		t.Fatalf("Verify after expiry = %v, want unauthorized, reason expired", err)
	}
}

// Refusals are never remembered, and a remembered token does not vouch for another: a
// tampered copy of a verified token is refused after the original was accepted.
func TestTamperedCopyOfRememberedTokenIsRefused(t *testing.T) {
	is := newIssuer(t)
	v := is.verifier(t)
	tok := is.token(t, nil)
	if _, err := v.Verify(context.Background(), tok); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := v.Verify(context.Background(), tamper(tok)); err == nil {
			t.Fatal("a tampered token was accepted")
		}
	}
}

// BenchmarkVerify compares the first verification of a token (signature, claims) with a
// repeated one (the cache).
func BenchmarkVerify(b *testing.B) {
	t := b
	is := newIssuer(t)
	v := is.verifier(t)
	b.Run("repeated", func(b *testing.B) {
		tok := is.token(t, nil)
		for b.Loop() {
			if _, err := v.Verify(context.Background(), tok); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("first", func(b *testing.B) {
		toks := make([]string, 0, 1024)
		for i := range 1024 {
			toks = append(toks, is.token(t, func(c map[string]any) { c["jti"] = i }))
		}
		i := 0
		for b.Loop() {
			if _, err := v.Verify(context.Background(), toks[i%len(toks)]); err != nil {
				b.Fatal(err)
			}
			i++
			if i%len(toks) == 0 {
				b.StopTimer()
				v = is.verifier(t) // forget: every token is new again
				b.StartTimer()
			}
		}
	})
}
