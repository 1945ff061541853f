// Package tickets signs and verifies ticket QR payloads with Ed25519, so scanners can check
// a ticket offline with the public key alone. A payload carries no personal data:
//
//	base64url(JSON {"ticket_id","session_id","issued"}) + "." + base64url(Ed25519 signature of the first part)
//
// (base64url without padding; issued is Unix seconds).
package tickets

import (
	"bytes"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/ticketly/ticketly/internal/ordering"
)

// DevSeed is the base64 Ed25519 seed used when TICKET_SIGNING_KEY is not set. It is public
// (it is in this file): FOR LOCAL DEVELOPMENT ONLY. Production sets its own secret seed.
const DevSeed = "dGlja2V0bHktZGV2LW9ubHktc2lnbmluZy1zZWVkISE=" // "ticketly-dev-only-signing-seed!!"

// maxQRLen bounds what Verify even looks at.
const maxQRLen = 1024

var b64 = base64.RawURLEncoding

// Claims is what a QR payload says.
type Claims struct {
	TicketID  string `json:"ticket_id"`
	SessionID string `json:"session_id"`
	Issued    int64  `json:"issued"`
}

// Signer signs QR payloads with a private key.
type Signer struct {
	priv ed25519.PrivateKey
	pub  ed25519.PublicKey
}

// NewSigner returns a signer for a base64 (standard or URL alphabet) 32-byte Ed25519 seed.
func NewSigner(seedB64 string) (*Signer, error) {
	seed, err := decodeAny(strings.TrimSpace(seedB64))
	if err != nil {
		return nil, fmt.Errorf("ticket signing key is not base64: %w", err)
	}
	if len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("ticket signing key must be a %d-byte Ed25519 seed, got %d bytes", ed25519.SeedSize, len(seed))
	}
	priv := ed25519.NewKeyFromSeed(seed)
	return &Signer{priv: priv, pub: priv.Public().(ed25519.PublicKey)}, nil
}

func decodeAny(s string) ([]byte, error) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return b, nil
		}
	}
	return nil, fmt.Errorf("invalid base64")
}

// PublicKey is the key scanners verify with.
func (s *Signer) PublicKey() ed25519.PublicKey { return s.pub }

// PublicKeyPEM is the public key as a PKIX PEM block.
func (s *Signer) PublicKeyPEM() string {
	der, err := x509.MarshalPKIXPublicKey(s.pub)
	if err != nil {
		return ""
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

// Sign returns the QR payload of a ticket.
func (s *Signer) Sign(ticketID, sessionID uuid.UUID, issued time.Time) (string, error) {
	body, err := json.Marshal(Claims{TicketID: ticketID.String(), SessionID: sessionID.String(), Issued: issued.Unix()})
	if err != nil {
		return "", err
	}
	head := b64.EncodeToString(body)
	return head + "." + b64.EncodeToString(ed25519.Sign(s.priv, []byte(head))), nil
}

// Verify checks a QR payload with the signer's public key.
func (s *Signer) Verify(qr string) (uuid.UUID, uuid.UUID, error) {
	c, err := Verify(s.pub, qr)
	if err != nil {
		return uuid.Nil, uuid.Nil, err
	}
	return uuid.MustParse(c.TicketID), uuid.MustParse(c.SessionID), nil
}

// Verify checks a QR payload against a public key, as an offline scanner does. It returns
// ordering.ErrQRMalformed for something that is not a payload and ordering.ErrQRSignature
// for a payload whose signature does not match.
func Verify(pub ed25519.PublicKey, qr string) (Claims, error) {
	if len(qr) > maxQRLen {
		return Claims{}, ordering.ErrQRMalformed
	}
	head, sigPart, ok := strings.Cut(qr, ".")
	if !ok || head == "" || sigPart == "" {
		return Claims{}, ordering.ErrQRMalformed
	}
	body, err1 := b64.DecodeString(head)
	sig, err2 := b64.DecodeString(sigPart)
	if err1 != nil || err2 != nil || len(sig) != ed25519.SignatureSize {
		return Claims{}, ordering.ErrQRMalformed
	}
	var c Claims
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return Claims{}, ordering.ErrQRMalformed
	}
	if _, ok := ordering.ParseID(c.TicketID); !ok {
		return Claims{}, ordering.ErrQRMalformed
	}
	if _, ok := ordering.ParseID(c.SessionID); !ok {
		return Claims{}, ordering.ErrQRMalformed
	}
	if !ed25519.Verify(pub, []byte(head), sig) {
		return Claims{}, ordering.ErrQRSignature
	}
	return c, nil
}
