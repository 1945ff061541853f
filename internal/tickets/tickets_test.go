package tickets_test

import (
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/ticketly/ticketly/internal/ordering"
	"github.com/ticketly/ticketly/internal/tickets"
)

func TestSignAndVerify(t *testing.T) {
	s, err := tickets.NewSigner(tickets.DevSeed)
	if err != nil {
		t.Fatal(err)
	}
	tid, sid := uuid.New(), uuid.New()
	qr, err := s.Sign(tid, sid, time.Unix(1_700_000_000, 0))
	if err != nil {
		t.Fatal(err)
	}
	gotT, gotS, err := s.Verify(qr)
	if err != nil || gotT != tid || gotS != sid {
		t.Fatalf("verify: %v %v %v", gotT, gotS, err)
	}
	// Offline: the public key alone verifies it, and the payload holds no personal data.
	c, err := tickets.Verify(s.PublicKey(), qr)
	if err != nil || c.TicketID != tid.String() || c.Issued != 1_700_000_000 {
		t.Fatalf("offline verify: %+v %v", c, err)
	}
	if !strings.Contains(s.PublicKeyPEM(), "BEGIN PUBLIC KEY") {
		t.Fatal("no PEM")
	}

	head, sig, _ := strings.Cut(qr, ".")
	forgedBody := base64.RawURLEncoding.EncodeToString([]byte(`{"ticket_id":"` + uuid.NewString() + `","session_id":"` + sid.String() + `","issued":1}`))
	other, _ := tickets.NewSigner(base64.StdEncoding.EncodeToString(make([]byte, 32)))
	otherQR, _ := other.Sign(tid, sid, time.Now())
	raw, _ := base64.RawURLEncoding.DecodeString(sig)
	raw[3] ^= 1
	badSig := base64.RawURLEncoding.EncodeToString(raw)
	cases := map[string]struct {
		qr   string
		want error
	}{
		"another key":        {otherQR, ordering.ErrQRSignature},
		"body swapped":       {forgedBody + "." + sig, ordering.ErrQRSignature},
		"signature tampered": {head + "." + badSig, ordering.ErrQRSignature},
		"no dot":             {head, ordering.ErrQRMalformed},
		"not base64":         {"!!!.???", ordering.ErrQRMalformed},
		"short signature":    {head + ".AAAA", ordering.ErrQRMalformed},
		"empty":              {"", ordering.ErrQRMalformed},
		"huge":               {strings.Repeat("a", 5000) + "." + sig, ordering.ErrQRMalformed},
		"not our JSON": {base64.RawURLEncoding.EncodeToString([]byte(`{"x":1}`)) + "." +
			base64.RawURLEncoding.EncodeToString(make([]byte, ed25519.SignatureSize)), ordering.ErrQRMalformed},
	}
	for name, c := range cases {
		if _, _, err := s.Verify(c.qr); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", name, err, c.want)
		}
	}
}

func TestNewSignerRejectsBadKeys(t *testing.T) {
	for _, k := range []string{"", "not base64 !", base64.StdEncoding.EncodeToString(make([]byte, 16))} {
		if _, err := tickets.NewSigner(k); err == nil {
			t.Errorf("key %q accepted", k)
		}
	}
}
