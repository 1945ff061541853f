package mail

import (
	"fmt"
	"strings"
	"time"

	ics "github.com/arran4/golang-ical"
	qrcode "github.com/skip2/go-qrcode"
)

// qrSize is the side of a ticket's QR code in pixels: large enough to scan from a phone.
const qrSize = 320

// qrPNG encodes a ticket's signed payload as a QR code PNG (medium error correction).
func qrPNG(payload string) ([]byte, error) {
	return qrcode.Encode(payload, qrcode.Medium, qrSize)
}

// calendar returns the order's session as an iCalendar (RFC 5545) file: one VEVENT whose
// UID is the session id at "ticketly", so every order of a session updates one entry.
func calendar(d Data, v view, now time.Time) ([]byte, error) {
	cal := ics.NewCalendarFor("Ticketly")
	cal.SetProductId("-//Ticketly//Tickets//EN")
	cal.SetMethod(ics.MethodPublish)
	cal.SetCalscale("GREGORIAN")
	s := d.Session
	ev := cal.AddEvent(s.ID.String() + "@ticketly")
	ev.SetDtStampTime(now)
	ev.SetStartAt(s.Start)
	if !s.End.IsZero() {
		ev.SetEndAt(s.End)
	}
	ev.SetSummary(d.Event.Title)
	if loc := v.Session.Venue; loc != "" {
		ev.SetLocation(loc)
	} else if s.OnlineLink != "" {
		ev.SetLocation(s.OnlineLink)
	}
	ev.SetURL(v.EventURL)
	var desc strings.Builder
	fmt.Fprintf(&desc, "Order %s: %d ticket(s).\n%s", v.Order.ID, len(v.Tickets), v.Order.URL)
	if s.OnlineLink != "" {
		fmt.Fprintf(&desc, "\nJoin online: %s", s.OnlineLink)
	}
	ev.SetDescription(desc.String())
	var b strings.Builder
	// RFC 5545: lines end in CRLF (the library's default is LF) and fold at 75 octets.
	if err := cal.SerializeTo(&b, ics.WithNewLine("\r\n")); err != nil {
		return nil, err
	}
	return []byte(b.String()), nil
}
