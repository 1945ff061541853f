package orderingtest

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/ticketly/ticketly/internal/ordering"
)

// Signer is a ticket signer for tests: a QR payload is "<ticket>.<session>.<signature>"
// where the signature is the signer's secret (no cryptography: another Signer's payloads
// fail verification with ErrQRSignature).
type Signer struct {
	secret string
	mu     sync.Mutex
	signed int
}

var _ ordering.TicketSigner = (*Signer)(nil)

// NewSigner returns a signer with its own secret.
func NewSigner() *Signer {
	return &Signer{secret: "sig" + strings.ReplaceAll(uuid.NewString(), "-", "")}
}

// Signed returns how many payloads were signed.
func (s *Signer) Signed() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.signed
}

// Sign returns the QR payload of a ticket.
func (s *Signer) Sign(ticketID, sessionID uuid.UUID, issued time.Time) (string, error) {
	s.mu.Lock()
	s.signed++
	s.mu.Unlock()
	return fmt.Sprintf("%s.%s.%s", ticketID, sessionID, s.secret), nil
}

// Verify returns the ticket and session IDs of a payload this signer made.
func (s *Signer) Verify(qr string) (uuid.UUID, uuid.UUID, error) {
	parts := strings.Split(qr, ".")
	if len(parts) != 3 {
		return uuid.Nil, uuid.Nil, ordering.ErrQRMalformed
	}
	t, err1 := uuid.Parse(parts[0])
	sid, err2 := uuid.Parse(parts[1])
	if err1 != nil || err2 != nil {
		return uuid.Nil, uuid.Nil, ordering.ErrQRMalformed
	}
	if parts[2] != s.secret {
		return uuid.Nil, uuid.Nil, ordering.ErrQRSignature
	}
	return t, sid, nil
}
