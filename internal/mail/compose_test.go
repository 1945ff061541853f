package mail_test

import (
	"bytes"
	"errors"
	"image/png"
	"io"
	"mime"
	"mime/multipart"
	netmail "net/mail"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"
	"github.com/google/uuid"

	"github.com/ticketly/ticketly/internal/apperr"
	"github.com/ticketly/ticketly/internal/mail"
)

const webURL = "https://tickets.example.org"

var (
	sessionStart = time.Date(2031, 5, 17, 19, 30, 0, 0, time.UTC)
	sessionEnd   = sessionStart.Add(3 * time.Hour)
	salesStart   = time.Date(2031, 4, 1, 9, 0, 0, 0, time.UTC)
)

// sample returns complete data for kind: every kind composes from it.
func sample(kind mail.Kind, title string) mail.Data {
	d := mail.Data{
		Kind:  kind,
		To:    "buyer@ticketly.example.com",
		Event: mail.Event{ID: uuid.New(), Title: title, OrganizationName: "Acme Live", RejectionReason: "Missing venue details"},
		Session: &mail.Session{ID: uuid.New(), Start: sessionStart, End: sessionEnd, SalesStart: salesStart,
			VenueName: "Paradiso", VenueAddress: "Weteringschans 6, Amsterdam"},
		Order: &mail.Order{ID: uuid.New(), Status: "PAID", TotalMinor: 9000, RefundMinor: 4500, Currency: "EUR"},
		Tickets: []mail.Ticket{
			{ID: uuid.New(), Label: "Row A, seat 1", TierName: "Front", PriceMinor: 4500, Currency: "EUR", QR: "payload-1.sig"},
			{ID: uuid.New(), Label: "Row A, seat 2", TierName: "Front", PriceMinor: 4500, Currency: "EUR", QR: "payload-2.sig"},
		},
		Reason: "Requested by the buyer",
	}
	return d
}

func opts() mail.Options {
	return mail.Options{WebURL: webURL, MessageID: "job-" + uuid.NewString(), Now: time.Date(2031, 3, 1, 12, 0, 0, 0, time.UTC)}
}

func isOrderKind(k mail.Kind) bool { return strings.HasPrefix(string(k), "order.") }

// TestComposeEveryKind: every kind has a subject, a text and an HTML part naming the event
// (and the order, for order mails), links to the web app, and the caller's Message-ID.
func TestComposeEveryKind(t *testing.T) {
	t.Parallel()
	subjects := map[mail.Kind]string{
		mail.ReminderSessionStart: "Reminder: Jazz Night starts tomorrow",
		mail.OrderConfirmed:       "Your tickets for Jazz Night — order ",
	}
	for _, kind := range mail.Kinds() {
		t.Run(string(kind), func(t *testing.T) {
			t.Parallel()
			d, o := sample(kind, "Jazz Night"), opts()
			m, err := mail.Compose(d, o)
			if err != nil {
				t.Fatalf("Compose: %v", err)
			}
			if m.Kind != kind || m.To != d.To || m.From != mail.DefaultFrom {
				t.Errorf("kind %q to %q from %q", m.Kind, m.To, m.From)
			}
			if want := o.MessageID + "@ticketly.example.com"; m.MessageID != want {
				t.Errorf("MessageID %q, want %q", m.MessageID, want)
			}
			if m.Text == "" || m.HTML == "" || !strings.Contains(m.HTML, "</html>") {
				t.Fatalf("parts missing: text %d bytes, html %d bytes", len(m.Text), len(m.HTML))
			}
			for part, s := range map[string]string{"subject": m.Subject, "text": m.Text, "html": m.HTML} {
				if !strings.Contains(s, "Jazz Night") {
					t.Errorf("%s lacks the event title: %q", part, s)
				}
				if isOrderKind(kind) && !strings.Contains(s, d.Order.ID.String()) {
					t.Errorf("%s lacks the order id: %q", part, s)
				}
			}
			if want := subjects[kind]; want != "" && !strings.HasPrefix(m.Subject, want) {
				t.Errorf("subject %q, want it to start with %q", m.Subject, want)
			}
			eventURL := webURL + "/events/" + d.Event.ID.String()
			orderURL := webURL + "/orders/" + d.Order.ID.String()
			for part, s := range map[string]string{"text": m.Text, "html": m.HTML} {
				if !strings.Contains(s, eventURL) && !strings.Contains(s, webURL+"/events/"+d.Event.ID.String()+"/sessions/") {
					t.Errorf("%s lacks a link to the event (%s)", part, eventURL)
				}
				if isOrderKind(kind) && !strings.Contains(s, orderURL) {
					t.Errorf("%s lacks the link to the order (%s)", part, orderURL)
				}
			}
			if kind != mail.OrderConfirmed && (len(m.Attachments) != 0 || len(m.Inline) != 0) {
				t.Errorf("%d attachments, %d inline files; want none", len(m.Attachments), len(m.Inline))
			}
			switch kind {
			case mail.ReminderSessionStart, mail.OrderConfirmed:
				if !strings.Contains(m.Text, "Sat, 17 May 2031 19:30 UTC") || !strings.Contains(m.Text, "Paradiso") {
					t.Errorf("text lacks the session's start in UTC or its venue:\n%s", m.Text)
				}
			case mail.ReminderSalesOpen:
				if !strings.Contains(m.Text, "Tue, 01 Apr 2031 09:00 UTC") {
					t.Errorf("text lacks the sales start:\n%s", m.Text)
				}
			case mail.OrderRefunded:
				if !strings.Contains(m.Subject, "45.00 EUR") || !strings.Contains(m.Text, "90.00 EUR") {
					t.Errorf("refund mail lacks the refund (45.00 EUR) or the total (90.00 EUR): %q\n%s", m.Subject, m.Text)
				}
			case mail.LatePaymentRefunded, mail.OrderCancelled:
				if !strings.Contains(m.Text, "Requested by the buyer") {
					t.Errorf("text lacks the reason:\n%s", m.Text)
				}
			case mail.EventRejected:
				if !strings.Contains(m.Text, "Missing venue details") || !strings.Contains(m.HTML, "Missing venue details") {
					t.Errorf("rejection lacks its reason")
				}
			}
		})
	}
}

// TestComposeFormatsMoneyFromMinorUnits: amounts are minor units of their currency's
// exponent, rendered without floating point.
func TestComposeFormatsMoneyFromMinorUnits(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		minor    int64
		currency string
		want     string
	}{
		{1250, "EUR", "12.50 EUR"},
		{5, "USD", "0.05 USD"},
		{500, "JPY", "500 JPY"},
		{1234, "KWD", "1.234 KWD"},
		{99_999_999_999, "EUR", "999999999.99 EUR"},
	} {
		d := sample(mail.OrderRefunded, "Money")
		d.Order.Currency, d.Order.RefundMinor = tc.currency, tc.minor
		m, err := mail.Compose(d, opts())
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(m.Subject, "Refund of "+tc.want+" ") {
			t.Errorf("%d %s: subject %q, want %q", tc.minor, tc.currency, m.Subject, tc.want)
		}
	}
}

// TestComposeConfirmationCarriesTicketsAndCalendar: one decodable QR PNG per ticket,
// inline (referenced by cid from the HTML) and attached, and an .ics with the session.
func TestComposeConfirmationCarriesTicketsAndCalendar(t *testing.T) {
	t.Parallel()
	d := sample(mail.OrderConfirmed, "Jazz; Night, \"live\"")
	d.Tickets = append(d.Tickets, mail.Ticket{ID: uuid.New(), Label: "Standing", PriceMinor: 2000, QR: "payload-3.sig"})
	m, err := mail.Compose(d, opts())
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Inline) != len(d.Tickets) {
		t.Fatalf("%d inline images, want %d", len(m.Inline), len(d.Tickets))
	}
	var pngs, icsFiles []mail.Attachment
	for _, a := range m.Attachments {
		switch a.ContentType {
		case "image/png":
			pngs = append(pngs, a)
		default:
			if strings.HasPrefix(a.ContentType, "text/calendar") && strings.HasSuffix(a.Filename, ".ics") {
				icsFiles = append(icsFiles, a)
			}
		}
	}
	if len(pngs) != len(d.Tickets) || len(icsFiles) != 1 || len(m.Attachments) != len(d.Tickets)+1 {
		t.Fatalf("attachments: %d PNG, %d .ics of %d; want %d PNG and 1 .ics", len(pngs), len(icsFiles), len(m.Attachments), len(d.Tickets))
	}
	for i, a := range append(m.Inline, pngs...) {
		img, err := png.Decode(bytes.NewReader(a.Data))
		if err != nil {
			t.Fatalf("%s: not a PNG: %v", a.Filename, err)
		}
		if b := img.Bounds(); b.Dx() < 100 || b.Dx() != b.Dy() {
			t.Errorf("%s: %v, want a square QR code", a.Filename, b)
		}
		if i < len(m.Inline) {
			if a.ContentID == "" || !strings.Contains(m.HTML, `src="cid:`+a.ContentID+`"`) {
				t.Errorf("inline %s (cid %q) is not shown by the HTML part", a.Filename, a.ContentID)
			}
			if !strings.Contains(a.Filename, d.Tickets[i].ID.String()) {
				t.Errorf("inline image %d is %s, want ticket %s's", i, a.Filename, d.Tickets[i].ID)
			}
		}
	}
	if !strings.Contains(m.Text, "20.00 EUR") {
		t.Errorf("a ticket without its own currency is priced in the order's:\n%s", m.Text)
	}

	cal, err := ics.ParseCalendar(bytes.NewReader(icsFiles[0].Data))
	if err != nil {
		t.Fatalf("parse .ics: %v\n%s", err, icsFiles[0].Data)
	}
	events := cal.Events()
	if len(events) != 1 {
		t.Fatalf("%d VEVENTs, want 1", len(events))
	}
	ev := events[0]
	if want := d.Session.ID.String() + "@ticketly"; ev.Id() != want {
		t.Errorf("UID %q, want %q", ev.Id(), want)
	}
	if start, err := ev.GetStartAt(); err != nil || !start.Equal(sessionStart) {
		t.Errorf("DTSTART %v (%v), want %v", start, err, sessionStart)
	}
	if end, err := ev.GetEndAt(); err != nil || !end.Equal(sessionEnd) {
		t.Errorf("DTEND %v (%v), want %v", end, err, sessionEnd)
	}
	if p := ev.GetProperty(ics.ComponentPropertySummary); p == nil || p.Value != d.Event.Title {
		t.Errorf("SUMMARY %+v, want %q (escaped on the wire, the title once parsed)", p, d.Event.Title)
	}
	if p := ev.GetProperty(ics.ComponentPropertyLocation); p == nil || p.Value != "Paradiso, Weteringschans 6, Amsterdam" {
		t.Errorf("LOCATION %+v, want the venue", p)
	}
	for _, line := range strings.Split(string(icsFiles[0].Data), "\r\n") {
		if len(line) > 75 {
			t.Errorf(".ics line longer than 75 octets (not folded): %q", line)
		}
	}
}

// TestComposeEscapesHostileInput: a title with markup is escaped in the HTML part, and
// one with line breaks cannot add headers.
func TestComposeEscapesHostileInput(t *testing.T) {
	t.Parallel()
	title := `<script>alert("x")</script> & co`
	d := sample(mail.OrderConfirmed, title+"\r\nBcc: victim@example.com")
	d.Event.OrganizationName = `<img src=x onerror=alert(1)>`
	d.Tickets[0].Label = `<b>seat</b>`
	d.Session.OnlineLink = "javascript:alert(1)"
	m, err := mail.Compose(d, opts())
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"<script>", "<img src=x", "<b>seat</b>", `href="javascript:`} {
		if strings.Contains(m.HTML, bad) {
			t.Errorf("HTML contains %q unescaped", bad)
		}
	}
	if !strings.Contains(m.HTML, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; co") {
		t.Errorf("HTML lacks the escaped title")
	}
	if !strings.Contains(m.Text, title) {
		t.Errorf("text part lacks the title as written")
	}
	if strings.ContainsAny(m.Subject, "\r\n") {
		t.Errorf("subject %q has a line break", m.Subject)
	}
	var raw bytes.Buffer
	if _, err := m.WriteTo(&raw); err != nil {
		t.Fatal(err)
	}
	msg, err := netmail.ReadMessage(&raw)
	if err != nil {
		t.Fatal(err)
	}
	if got := msg.Header.Get("Bcc"); got != "" {
		t.Errorf("the title injected a Bcc header: %q", got)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil || !strings.Contains(subject, `<script>alert("x")</script> & co Bcc: victim@example.com`) {
		t.Errorf("Subject header %q (%v)", subject, err)
	}
}

// TestComposeRefusesBadData: missing or malformed data is an Invalid error, permanent.
func TestComposeRefusesBadData(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		kind   mail.Kind
		change func(*mail.Data, *mail.Options)
	}{
		{"unknown kind", "order.lost", nil},
		{"empty kind", "", nil},
		{"no recipient", mail.EventApproved, func(d *mail.Data, _ *mail.Options) { d.To = "" }},
		{"bad recipient", mail.EventApproved, func(d *mail.Data, _ *mail.Options) { d.To = "not an address" }},
		{"bad sender", mail.EventApproved, func(_ *mail.Data, o *mail.Options) { o.From = "nobody" }},
		{"no web URL", mail.EventApproved, func(_ *mail.Data, o *mail.Options) { o.WebURL = "" }},
		{"no message id", mail.EventApproved, func(_ *mail.Data, o *mail.Options) { o.MessageID = "" }},
		{"message id with a bracket", mail.EventApproved, func(_ *mail.Data, o *mail.Options) { o.MessageID = "a>b" }},
		{"no title", mail.EventApproved, func(d *mail.Data, _ *mail.Options) { d.Event.Title = " " }},
		{"no event id", mail.EventRejected, func(d *mail.Data, _ *mail.Options) { d.Event.ID = uuid.Nil }},
		{"reminder without session", mail.ReminderSessionStart, func(d *mail.Data, _ *mail.Options) { d.Session = nil }},
		{"session without start", mail.ReminderSessionStart, func(d *mail.Data, _ *mail.Options) { d.Session.Start = time.Time{} }},
		{"session ends before it starts", mail.OrderConfirmed, func(d *mail.Data, _ *mail.Options) { d.Session.End = sessionStart.Add(-time.Hour) }},
		{"sales reminder without sales start", mail.ReminderSalesOpen, func(d *mail.Data, _ *mail.Options) { d.Session.SalesStart = time.Time{} }},
		{"confirmation without session", mail.OrderConfirmed, func(d *mail.Data, _ *mail.Options) { d.Session = nil }},
		{"confirmation without order", mail.OrderConfirmed, func(d *mail.Data, _ *mail.Options) { d.Order = nil }},
		{"confirmation without tickets", mail.OrderConfirmed, func(d *mail.Data, _ *mail.Options) { d.Tickets = nil }},
		{"ticket without QR", mail.OrderConfirmed, func(d *mail.Data, _ *mail.Options) { d.Tickets[1].QR = "" }},
		{"cancellation without order", mail.OrderCancelled, func(d *mail.Data, _ *mail.Options) { d.Order = nil }},
		{"order without id", mail.OrderExpired, func(d *mail.Data, _ *mail.Options) { d.Order.ID = uuid.Nil }},
		{"order in no currency", mail.OrderExpired, func(d *mail.Data, _ *mail.Options) { d.Order.Currency = "euro" }},
		{"negative total", mail.LatePaymentRefunded, func(d *mail.Data, _ *mail.Options) { d.Order.TotalMinor = -1 }},
		{"refund without amount", mail.OrderRefunded, func(d *mail.Data, _ *mail.Options) { d.Order.RefundMinor = 0 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d, o := sample(tc.kind, "Jazz Night"), opts()
			if tc.change != nil {
				tc.change(&d, &o)
			}
			m, err := mail.Compose(d, o)
			if err == nil {
				t.Fatalf("Compose accepted it: %q", m.Subject)
			}
			if code := apperr.CodeOf(err); code != apperr.Invalid {
				t.Errorf("code %q (%v), want invalid", code, err)
			}
			if !mail.IsPermanent(err) {
				t.Errorf("IsPermanent(%v) = false: a mail Compose refuses never becomes sendable", err)
			}
		})
	}
}

// TestMessageIsMultipart: the wire form has the text and HTML alternatives, the inline
// QR codes related to the HTML, the attachments and the Message-ID and Date given.
func TestMessageIsMultipart(t *testing.T) {
	t.Parallel()
	d, o := sample(mail.OrderConfirmed, "Jazz Night"), opts()
	o.MessageID = "job-42@scheduler.ticketly"
	o.From = "Ticketly Tickets <tickets@ticketly.example.org>"
	m, err := mail.Compose(d, o)
	if err != nil {
		t.Fatal(err)
	}
	var raw bytes.Buffer
	if _, err := m.WriteTo(&raw); err != nil {
		t.Fatal(err)
	}
	got := inspect(t, raw.Bytes())
	if got.messageID != "<job-42@scheduler.ticketly>" {
		t.Errorf("Message-ID %q", got.messageID)
	}
	if got.from != o.From || got.date != "Sat, 01 Mar 2031 12:00:00 +0000" {
		t.Errorf("From %q Date %q", got.from, got.date)
	}
	if !strings.Contains(got.text, "Jazz Night") || !strings.Contains(got.html, "Jazz Night") {
		t.Errorf("text or HTML part missing")
	}
	for _, cid := range got.inline {
		if !strings.HasPrefix(cid, "<") || !strings.Contains(m.HTML, "cid:"+strings.Trim(cid, "<>")) {
			t.Errorf("inline Content-ID %q: want <id> that the HTML shows as cid:id", cid)
		}
	}
	if len(got.inline) != 2 || len(got.attachments) != 3 || got.icsCount != 1 {
		t.Errorf("inline %v, attachments %v (%d .ics), want 2 inline and 3 attachments with 1 .ics", got.inline, got.attachments, got.icsCount)
	}
}

// parsed is what inspect finds in a raw message.
type parsed struct {
	messageID, from, date string
	text, html            string
	inline, attachments   []string // content IDs, file names
	icsCount              int
}

// inspect walks a raw RFC 5322 message and its MIME tree.
func inspect(t *testing.T, raw []byte) parsed {
	t.Helper()
	msg, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("read message: %v", err)
	}
	p := parsed{messageID: msg.Header.Get("Message-ID"), from: msg.Header.Get("From"), date: msg.Header.Get("Date")}
	if a, err := netmail.ParseAddress(p.from); err == nil {
		p.from = a.String()
		if a.Name != "" {
			p.from = a.Name + " <" + a.Address + ">"
		}
	}
	var walk func(header map[string][]string, body io.Reader)
	walk = func(header map[string][]string, body io.Reader) {
		get := func(k string) string {
			if v := header[k]; len(v) > 0 {
				return v[0]
			}
			return ""
		}
		mt, params, err := mime.ParseMediaType(get("Content-Type"))
		if err != nil {
			t.Fatalf("content type %q: %v", get("Content-Type"), err)
		}
		if strings.HasPrefix(mt, "multipart/") {
			r := multipart.NewReader(body, params["boundary"])
			for {
				part, err := r.NextRawPart()
				if errors.Is(err, io.EOF) {
					return
				}
				if err != nil {
					t.Fatalf("multipart: %v", err)
				}
				walk(part.Header, decode(t, part.Header.Get("Content-Transfer-Encoding"), part))
			}
		}
		data, err := io.ReadAll(body)
		if err != nil {
			t.Fatal(err)
		}
		disp, dparams, _ := mime.ParseMediaType(get("Content-Disposition"))
		switch {
		case disp == "inline" && get("Content-Id") != "":
			p.inline = append(p.inline, get("Content-Id"))
			if _, err := png.Decode(bytes.NewReader(data)); err != nil {
				t.Errorf("inline %s is not a PNG: %v", get("Content-Id"), err)
			}
		case disp == "attachment":
			p.attachments = append(p.attachments, dparams["filename"])
			if mt == "text/calendar" {
				p.icsCount++
				if _, err := ics.ParseCalendar(bytes.NewReader(data)); err != nil {
					t.Errorf("attached .ics does not parse: %v", err)
				}
			}
		case mt == "text/plain":
			p.text = string(data)
		case mt == "text/html":
			p.html = string(data)
		}
	}
	walk(msg.Header, decode(t, msg.Header.Get("Content-Transfer-Encoding"), msg.Body))
	return p
}
