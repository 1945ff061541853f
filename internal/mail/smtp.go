package mail

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"strconv"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/ticketly/ticketly/internal/apperr"
	"github.com/ticketly/ticketly/internal/config"
)

// Sender delivers a composed Message. A failed send says through IsPermanent whether a
// retry can succeed.
type Sender interface {
	Send(ctx context.Context, m *Message) error
}

// SMTPSender sends through an SMTP relay (config.Mail): one connection per Send, with the
// configured TLS policy, authenticating only when a username is set. It is safe for
// concurrent use.
type SMTPSender struct {
	cfg  config.Mail
	host string
	port int
}

var _ Sender = (*SMTPSender)(nil)

// NewSMTPSender returns a sender for c (validated: a wrong setting is an error here, not
// at the first send).
func NewSMTPSender(c config.Mail) (*SMTPSender, error) {
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("mail sender: %w", err)
	}
	host, p, err := net.SplitHostPort(c.Addr)
	if err != nil {
		return nil, fmt.Errorf("mail sender: SMTP_ADDR: %w", err)
	}
	port, err := strconv.Atoi(p)
	if err != nil || port < 1 || port > 65535 {
		return nil, fmt.Errorf("mail sender: SMTP_ADDR: %q has no valid port", c.Addr)
	}
	return &SMTPSender{cfg: c, host: host, port: port}, nil
}

// SendError is a failed send. Permanent says the relay refused the mail itself (a 5xx
// reply to MAIL FROM, RCPT TO or DATA, e.g. an unknown mailbox): sending it again cannot
// succeed. Everything else (connection refused or cut, timeouts, 4xx replies, a failed
// TLS handshake or login) is temporary.
type SendError struct {
	Permanent bool
	// Code is the SMTP reply code when the relay sent one, else 0.
	Code int
	Err  error
}

func (e *SendError) Error() string {
	kind := "temporary"
	if e.Permanent {
		kind = "permanent"
	}
	return fmt.Sprintf("send mail (%s failure): %v", kind, e.Err)
}

func (e *SendError) Unwrap() error { return e.Err }

// IsPermanent reports whether err (from Send or Compose) means the mail can never be sent
// as it is: a permanent SendError, or the apperr.Invalid of a message Compose refused.
// A caller retries only when it is false.
func IsPermanent(err error) bool {
	var se *SendError
	if errors.As(err, &se) {
		return se.Permanent
	}
	return err != nil && apperr.CodeOf(err) == apperr.Invalid
}

// Send delivers m, within ctx's deadline (and the configured timeout).
func (s *SMTPSender) Send(ctx context.Context, m *Message) error {
	if m == nil || m.To == "" {
		return apperr.New(apperr.Invalid, "send mail: no message or no recipient")
	}
	msg, err := m.goMail()
	if err != nil {
		return &SendError{Permanent: true, Err: err}
	}
	client, err := s.client(ctx)
	if err != nil {
		return &SendError{Err: err}
	}
	conn, err := client.DialToSMTPClientWithContext(ctx)
	if err != nil {
		return classify(ctx, fmt.Errorf("connect to %s: %w", s.cfg.Addr, err))
	}
	// A cancelled context cuts the connection, which ends a blocked read or write.
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	defer stop()
	defer func() { _ = client.CloseWithSMTPClient(conn) }()
	if err := client.SendWithSMTPClient(conn, msg); err != nil {
		return classify(ctx, fmt.Errorf("send %s to %s: %w", m.MessageID, s.cfg.Addr, err))
	}
	return nil
}

// Ping opens an SMTP session with the relay (TLS and login included) and quits: a
// readiness check.
func (s *SMTPSender) Ping(ctx context.Context) error {
	client, err := s.client(ctx)
	if err != nil {
		return err
	}
	conn, err := client.DialToSMTPClientWithContext(ctx)
	if err != nil {
		return fmt.Errorf("smtp %s: %w", s.cfg.Addr, err)
	}
	return client.CloseWithSMTPClient(conn)
}

// client returns a go-mail client for one connection, its timeout bounded by ctx.
func (s *SMTPSender) client(ctx context.Context) (*gomail.Client, error) {
	timeout := s.cfg.Timeout
	if dl, ok := ctx.Deadline(); ok {
		if left := time.Until(dl); left < timeout {
			timeout = left
		}
	}
	if timeout <= 0 {
		return nil, context.DeadlineExceeded
	}
	opts := []gomail.Option{gomail.WithPort(s.port), gomail.WithTimeout(timeout)}
	switch s.cfg.TLS {
	case config.SMTPTLSImplicit:
		opts = append(opts, gomail.WithSSL(), gomail.WithTLSPolicy(gomail.TLSMandatory))
	case config.SMTPTLSStartTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	}
	if s.cfg.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(s.cfg.Username), gomail.WithPassword(s.cfg.Password))
	}
	return gomail.NewClient(s.host, opts...)
}

// classify wraps a go-mail error in a SendError: permanent for a 5xx reply about the
// message itself.
func classify(ctx context.Context, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return &SendError{Err: fmt.Errorf("%w (%w)", err, ctxErr)}
	}
	var ge *gomail.SendError
	if errors.As(err, &ge) {
		code := ge.ErrorCode()
		permanent := code >= 500 && code < 600
		if ge.Reason == gomail.ErrNoUnencoded || ge.Reason == gomail.ErrGetSender || ge.Reason == gomail.ErrGetRcpts {
			permanent = true // the message itself cannot be sent as it is
		}
		if ge.Reason == gomail.ErrConnCheck || ge.Reason == gomail.ErrSMTPReset {
			permanent = false // the connection failed, not the message
		}
		return &SendError{Permanent: permanent && !ge.IsTemp(), Code: code, Err: err}
	}
	var te *textproto.Error
	if errors.As(err, &te) {
		return &SendError{Code: te.Code, Err: err}
	}
	return &SendError{Err: err}
}

// goMail builds the MIME message: multipart/alternative text and HTML, the HTML related to
// its inline images, the attachments mixed in.
func (m *Message) goMail() (*gomail.Msg, error) {
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	if err := msg.From(m.From); err != nil {
		return nil, fmt.Errorf("from %q: %w", m.From, err)
	}
	if err := msg.To(m.To); err != nil {
		return nil, fmt.Errorf("to %q: %w", m.To, err)
	}
	msg.Subject(m.Subject)
	msg.SetMessageIDWithValue(m.MessageID)
	msg.SetDateWithValue(m.Date)
	msg.SetUserAgent("Ticketly")
	msg.SetGenHeader("X-Ticketly-Kind", string(m.Kind))
	msg.SetGenHeader("Auto-Submitted", "auto-generated")
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	for _, a := range m.Inline {
		if err := msg.EmbedReader(a.Filename, bytes.NewReader(a.Data),
			gomail.WithFileContentType(gomail.ContentType(a.ContentType)), gomail.WithFileContentID("<"+a.ContentID+">")); err != nil { // RFC 2392: Content-ID: <id>
			return nil, fmt.Errorf("embed %s: %w", a.Filename, err)
		}
	}
	for _, a := range m.Attachments {
		if err := msg.AttachReader(a.Filename, bytes.NewReader(a.Data),
			gomail.WithFileContentType(gomail.ContentType(a.ContentType))); err != nil {
			return nil, fmt.Errorf("attach %s: %w", a.Filename, err)
		}
	}
	return msg, nil
}

// WriteTo writes m as an RFC 5322 message (what Send transmits).
func (m *Message) WriteTo(w io.Writer) (int64, error) {
	msg, err := m.goMail()
	if err != nil {
		return 0, err
	}
	return msg.WriteTo(w)
}
