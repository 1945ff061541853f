package config

import (
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"strings"
	"time"
)

// The local stack's mail settings: the catcher takes plain SMTP without authentication, and
// the web app runs on localhost.
const (
	DevMailFrom = "Ticketly <no-reply@ticketly.example.com>"
	DevWebURL   = "http://localhost:3000"
)

// SMTPTLS is how the connection to the SMTP relay is encrypted (SMTP_TLS).
type SMTPTLS string

// The SMTP_TLS values.
const (
	// SMTPTLSNone sends in plain text (the local mail catcher).
	SMTPTLSNone SMTPTLS = "none"
	// SMTPTLSStartTLS connects in plain text and requires STARTTLS before anything is sent
	// (submission, port 587).
	SMTPTLSStartTLS SMTPTLS = "starttls"
	// SMTPTLSImplicit speaks TLS from the first byte (submissions, port 465).
	SMTPTLSImplicit SMTPTLS = "tls"
)

// Mail is how a service sends mail: the SMTP relay (SMTP_ADDR, the embedded SMTP), its
// credentials and encryption, the sender, and the web app's address the mails link to.
type Mail struct {
	SMTP
	// From is the sender, an RFC 5322 address ("Ticketly <no-reply@…>").
	From string
	// Username and Password authenticate to the relay; no authentication without a
	// Username.
	Username string
	Password string
	TLS      SMTPTLS
	// WebURL is the web app's base URL, without a trailing slash.
	WebURL string
	// Timeout bounds one send when the caller's context has no earlier deadline.
	Timeout time.Duration
}

// LoadMail reads SMTP_ADDR, SMTP_FROM, SMTP_USERNAME, SMTP_PASSWORD, SMTP_TLS (none,
// starttls or tls; default none, the local catcher), SMTP_TIMEOUT (default 30s) and WEB_URL.
func LoadMail(e *Env) Mail {
	return Mail{
		SMTP:     LoadSMTP(e),
		From:     e.String("SMTP_FROM", DevMailFrom),
		Username: e.String("SMTP_USERNAME", ""),
		Password: e.String("SMTP_PASSWORD", ""),
		TLS:      SMTPTLS(strings.ToLower(e.String("SMTP_TLS", string(SMTPTLSNone)))),
		WebURL:   strings.TrimRight(e.String("WEB_URL", DevWebURL), "/"),
		Timeout:  e.Duration("SMTP_TIMEOUT", 30*time.Second),
	}
}

// Validate implements Component.
func (m Mail) Validate() error {
	var errs []error
	if err := m.SMTP.Validate(); err != nil {
		errs = append(errs, err)
	}
	if _, err := mail.ParseAddress(m.From); err != nil {
		errs = append(errs, fmt.Errorf("SMTP_FROM: %q is not a mail address (%v)", m.From, err))
	}
	switch m.TLS {
	case SMTPTLSNone, SMTPTLSStartTLS, SMTPTLSImplicit:
	default:
		errs = append(errs, fmt.Errorf("SMTP_TLS: %q is none of %s, %s, %s", m.TLS, SMTPTLSNone, SMTPTLSStartTLS, SMTPTLSImplicit))
	}
	if m.Password != "" && m.Username == "" {
		errs = append(errs, errors.New("SMTP_PASSWORD is set without SMTP_USERNAME"))
	}
	if m.Timeout <= 0 {
		errs = append(errs, errors.New("SMTP_TIMEOUT must be positive"))
	}
	if err := httpURL("WEB_URL", m.WebURL); err != nil {
		errs = append(errs, err)
	} else if u, _ := url.Parse(m.WebURL); u.RawQuery != "" || u.Fragment != "" {
		errs = append(errs, fmt.Errorf("WEB_URL: %q has a query or fragment; mails append paths to it", m.WebURL))
	}
	return errors.Join(errs...)
}

// Development implements Component. Production sends through a real relay over TLS
// (starttls or tls: mail and the relay's credentials never cross the network in plain
// text), from its own sender, and links to the web app's public https address.
func (m Mail) Development() []DevSetting {
	dev := m.SMTP.Development()
	if m.TLS == SMTPTLSNone {
		dev = append(dev, DevSetting{"SMTP_TLS", "none: mail (and SMTP credentials) would cross the network in plain text; set starttls or tls"})
	}
	if m.From == DevMailFrom {
		dev = append(dev, DevSetting{"SMTP_FROM", "the local sender " + DevMailFrom})
	}
	switch u, err := url.Parse(m.WebURL); {
	case m.WebURL == DevWebURL:
		dev = append(dev, DevSetting{"WEB_URL", "the local web app " + DevWebURL})
	case err != nil || httpURL("WEB_URL", m.WebURL) != nil:
		// reported by Validate
	case u.Scheme != "https":
		dev = append(dev, DevSetting{"WEB_URL", "plain http: the links in mails must use https"})
	case isLoopback(u.Hostname()):
		dev = append(dev, DevSetting{"WEB_URL", "a loopback host: " + u.Hostname()})
	}
	return dev
}
