// Package mail renders Ticketly's transactional mails (SPEC section 8: reminders, order
// confirmations with their tickets, order and event notices) and sends them over SMTP.
//
// Compose turns the facts of one mail (Data) into a Message: a subject, a plain-text and
// an HTML part rendered from the embedded templates (one pair per Kind), and, for an order
// confirmation, one QR code PNG per ticket (inline in the HTML and attached) and an .ics
// calendar entry for the session. A Sender delivers a Message; IsPermanent tells the caller
// whether a failed send is worth retrying.
package mail

import (
	"fmt"
	"net/mail"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/ticketly/ticketly/internal/apperr"
	"github.com/ticketly/ticketly/internal/catalog"
)

// DefaultFrom is the sender when Options.From is empty (SPEC section 8).
const DefaultFrom = "Ticketly <no-reply@ticketly.example.com>"

// Kind is the purpose of a mail; it selects the templates and the data a mail needs.
type Kind string

// The mails of SPEC section 8.
const (
	// ReminderSessionStart goes 24 h before a session starts (followers, ticket holders).
	ReminderSessionStart Kind = "reminder.session_start"
	// ReminderSalesOpen goes 30 min before a session's sales open (followers).
	ReminderSalesOpen Kind = "reminder.sales_open"
	// OrderConfirmed goes once per paid order, with its tickets (QR PNG per ticket + .ics).
	OrderConfirmed Kind = "order.confirmed"
	// OrderCancelled says an order was cancelled (Order.Reason or Data.Reason: why).
	OrderCancelled Kind = "order.cancelled"
	// OrderExpired says an unpaid order's hold expired.
	OrderExpired Kind = "order.expired"
	// OrderRefunded says a refund was made; Order.RefundMinor is this refund's amount.
	OrderRefunded Kind = "order.refunded"
	// LatePaymentRefunded says a payment arrived after the hold expired and was refunded.
	LatePaymentRefunded Kind = "order.late_payment_refunded"
	// EventApproved goes to the organization's owner.
	EventApproved Kind = "event.approved"
	// EventRejected goes to the organization's owner, with Event.RejectionReason.
	EventRejected Kind = "event.rejected"
)

// needs says which parts of Data a kind requires.
type needs struct {
	session, salesStart, order, refund, tickets bool
}

var kinds = map[Kind]needs{
	ReminderSessionStart: {session: true},
	ReminderSalesOpen:    {session: true, salesStart: true},
	OrderConfirmed:       {session: true, order: true, tickets: true},
	OrderCancelled:       {order: true},
	OrderExpired:         {order: true},
	OrderRefunded:        {order: true, refund: true},
	LatePaymentRefunded:  {order: true},
	EventApproved:        {},
	EventRejected:        {},
}

// Kinds returns every kind Compose renders.
func Kinds() []Kind {
	return []Kind{ReminderSessionStart, ReminderSalesOpen, OrderConfirmed, OrderCancelled, OrderExpired,
		OrderRefunded, LatePaymentRefunded, EventApproved, EventRejected}
}

// Event is the event a mail is about.
type Event struct {
	ID               uuid.UUID
	Title            string
	OrganizationName string
	// RejectionReason is why an admin rejected the event (EventRejected).
	RejectionReason string
}

// Session is the session a mail is about. Times are shown in UTC.
type Session struct {
	ID         uuid.UUID
	Start, End time.Time
	SalesStart time.Time
	// VenueName and VenueAddress locate an in-person session; OnlineLink an online one.
	VenueName, VenueAddress, OnlineLink string
}

// Ticket is one ticket of a confirmed order.
type Ticket struct {
	ID uuid.UUID
	// Label names the place, e.g. "Row C, seat 12" or "Standing".
	Label      string
	TierName   string
	PriceMinor int64
	Currency   string
	// QR is the signed payload the QR code encodes (scanned at the door).
	QR string
}

// Order is the order a mail is about. Amounts are minor units of Currency (ISO 4217).
type Order struct {
	ID            uuid.UUID
	Status        string
	TotalMinor    int64
	RefundedMinor int64
	// RefundMinor is the amount of the refund this mail announces (OrderRefunded,
	// LatePaymentRefunded; 0 there: the total).
	RefundMinor int64
	Currency    string
	// Reason says why the order was cancelled or refunded, when known.
	Reason string
}

// Data is the facts one mail is rendered from.
type Data struct {
	Kind Kind
	// To is the recipient's address.
	To      string
	Event   Event
	Session *Session
	Order   *Order
	Tickets []Ticket
	// Reason is shown where the kind explains itself (cancellation, late payment); it
	// overrides Order.Reason.
	Reason string
}

// Options are the sender-side settings of Compose.
type Options struct {
	// From is the sender (default DefaultFrom).
	From string
	// WebURL is the web app's base URL the mails link to (required), e.g.
	// https://ticketly.example.com.
	WebURL string
	// MessageID identifies the mail deterministically (required): the same job gives the
	// same id, so a resend is recognisable. Without an "@", the sender's domain is added.
	MessageID string
	// Now is the Date of the message and the DTSTAMP of its calendar entry (default
	// time.Now()).
	Now time.Time
}

// Message is a rendered mail, ready to send.
type Message struct {
	Kind Kind
	// MessageID is the Message-ID header without its angle brackets.
	MessageID string
	From, To  string
	Subject   string
	// Text and HTML are the two alternative bodies.
	Text, HTML string
	Date       time.Time
	// Inline are the images the HTML part shows (<img src="cid:ContentID">).
	Inline []Attachment
	// Attachments are the files attached to the mail.
	Attachments []Attachment
}

// Attachment is a file carried by a Message.
type Attachment struct {
	Filename    string
	ContentType string
	// ContentID names an inline file in the HTML part (without angle brackets).
	ContentID string
	Data      []byte
}

// Compose validates d and renders its mail. Missing or malformed data (an unknown kind, no
// recipient, no order or session where the kind needs one, …) is an apperr.Invalid error.
func Compose(d Data, o Options) (*Message, error) {
	from := o.From
	if from == "" {
		from = DefaultFrom
	}
	if err := validate(d, from, o); err != nil {
		return nil, err
	}
	now := o.Now
	if now.IsZero() {
		now = time.Now()
	}
	v := newView(d, strings.TrimRight(o.WebURL, "/"))
	subject, text, html, err := render(d.Kind, v)
	if err != nil {
		return nil, apperr.Wrap(err, apperr.Internal, "render %s mail", d.Kind)
	}
	m := &Message{
		Kind:      d.Kind,
		MessageID: messageID(o.MessageID, from),
		From:      from,
		To:        strings.TrimSpace(d.To),
		Subject:   subject,
		Text:      text,
		HTML:      html,
		Date:      now.UTC(),
	}
	if d.Kind == OrderConfirmed {
		for _, t := range v.Tickets {
			png, err := qrPNG(t.qr)
			if err != nil {
				return nil, apperr.Wrap(err, apperr.Internal, "QR code of ticket %s", t.ID)
			}
			m.Inline = append(m.Inline, Attachment{Filename: "qr-" + t.ID + ".png", ContentType: "image/png", ContentID: t.ContentID, Data: png})
			m.Attachments = append(m.Attachments, Attachment{Filename: "ticket-" + t.ID + ".png", ContentType: "image/png", Data: png})
		}
		ics, err := calendar(d, v, now)
		if err != nil {
			return nil, apperr.Wrap(err, apperr.Internal, "calendar entry of order %s", d.Order.ID)
		}
		m.Attachments = append(m.Attachments, Attachment{Filename: "ticketly-" + d.Session.ID.String() + ".ics",
			ContentType: "text/calendar; charset=utf-8; method=PUBLISH", Data: ics})
	}
	return m, nil
}

// validate returns one Invalid error naming every problem of d.
func validate(d Data, from string, o Options) error {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	n, known := kinds[d.Kind]
	if !known {
		add("unknown kind %q", d.Kind)
	}
	if a, err := mail.ParseAddress(d.To); d.To == "" {
		add("no recipient (To)")
	} else if err != nil || a.Address == "" {
		add("To %q is not a mail address", d.To)
	}
	if _, err := mail.ParseAddress(from); err != nil {
		add("From %q is not a mail address", from)
	}
	if u, err := url.Parse(o.WebURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		add("WebURL %q is not an http(s) URL", o.WebURL)
	}
	if o.MessageID == "" {
		add("no MessageID (the caller's deterministic id of this mail)")
	} else if strings.ContainsFunc(o.MessageID, func(r rune) bool { return r <= ' ' || r > '~' || r == '<' || r == '>' }) {
		add("MessageID %q has spaces, angle brackets or characters outside printable ASCII", o.MessageID)
	}
	if d.Event.ID == uuid.Nil {
		add("no Event.ID")
	}
	if strings.TrimSpace(d.Event.Title) == "" {
		add("no Event.Title")
	}
	if n.session {
		switch {
		case d.Session == nil:
			add("%s needs a Session", d.Kind)
		case d.Session.ID == uuid.Nil || d.Session.Start.IsZero():
			add("the Session needs an ID and a Start")
		case !d.Session.End.IsZero() && d.Session.End.Before(d.Session.Start):
			add("the Session ends before it starts")
		case n.salesStart && d.Session.SalesStart.IsZero():
			add("%s needs Session.SalesStart", d.Kind)
		}
	}
	if n.order {
		switch o := d.Order; {
		case o == nil:
			add("%s needs an Order", d.Kind)
		case o.ID == uuid.Nil:
			add("the Order needs an ID")
		case !catalog.ValidCurrency(o.Currency):
			add("Order.Currency %q is not an ISO 4217 code", o.Currency)
		case o.TotalMinor < 0 || o.RefundedMinor < 0 || o.RefundMinor < 0:
			add("Order amounts must not be negative")
		case n.refund && o.RefundMinor == 0:
			add("%s needs Order.RefundMinor, the amount refunded", d.Kind)
		}
	}
	if n.tickets {
		if len(d.Tickets) == 0 {
			add("%s needs the order's Tickets", d.Kind)
		}
		for i, t := range d.Tickets {
			if t.ID == uuid.Nil || t.QR == "" {
				add("Tickets[%d] needs an ID and a QR payload", i)
			}
			if t.Currency != "" && !catalog.ValidCurrency(t.Currency) {
				add("Tickets[%d].Currency %q is not an ISO 4217 code", i, t.Currency)
			}
			if t.PriceMinor < 0 {
				add("Tickets[%d].PriceMinor must not be negative", i)
			}
		}
	}
	if len(problems) > 0 {
		return apperr.New(apperr.Invalid, "compose %s mail: %s", d.Kind, strings.Join(problems, "; "))
	}
	return nil
}

// messageID returns id as a Message-ID: unchanged when it names a domain, else at the
// sender's domain.
func messageID(id, from string) string {
	if strings.Contains(id, "@") {
		return id
	}
	domain := "ticketly"
	if a, err := mail.ParseAddress(from); err == nil {
		if _, d, ok := strings.Cut(a.Address, "@"); ok && d != "" {
			domain = d
		}
	}
	return id + "@" + domain
}
