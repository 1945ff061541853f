package mail

import (
	"bytes"
	"embed"
	htmltemplate "html/template"
	"strconv"
	"strings"
	texttemplate "text/template"
	"time"
)

//go:embed templates
var templateFS embed.FS

// templateSet is the parsed pair of one kind: the text template defines "subject" and the
// plain-text body, the HTML template the body inside the shared layout.
type templateSet struct {
	text *texttemplate.Template
	html *htmltemplate.Template
}

// templates holds every kind's pair, parsed once; a broken template fails at start-up.
var templates = func() map[Kind]templateSet {
	out := make(map[Kind]templateSet, len(kinds))
	for k := range kinds {
		text := texttemplate.Must(texttemplate.New(string(k)+".txt.tmpl").ParseFS(templateFS, "templates/"+string(k)+".txt.tmpl"))
		html := htmltemplate.Must(htmltemplate.New("layout.html.tmpl").ParseFS(templateFS,
			"templates/layout.html.tmpl", "templates/"+string(k)+".html.tmpl"))
		out[k] = templateSet{text: text, html: html}
	}
	return out
}()

// view is what the templates see: every value already formatted.
type view struct {
	Kind             Kind
	Title            string
	OrganizationName string
	RejectionReason  string
	Reason           string
	EventURL         string
	SessionURL       string
	Session          *sessionView
	Order            *orderView
	Tickets          []ticketView
}

type sessionView struct {
	ID         string
	Start      string
	End        string
	SalesStart string
	Venue      string // name and address, or empty
	OnlineLink string
}

type orderView struct {
	ID       string
	URL      string
	Status   string
	Total    string
	Refunded string // empty when nothing is refunded
	Refund   string // this refund (the total when the caller gave none)
}

type ticketView struct {
	ID        string
	Label     string
	TierName  string
	Price     string
	ContentID string
	// CID is "cid:<ContentID>", marked safe for an <img src>: html/template refuses
	// schemes it does not know.
	CID htmltemplate.URL
	qr  string
}

func newView(d Data, web string) view {
	v := view{
		Kind:             d.Kind,
		Title:            d.Event.Title,
		OrganizationName: d.Event.OrganizationName,
		RejectionReason:  d.Event.RejectionReason,
		Reason:           d.Reason,
		EventURL:         web + "/events/" + d.Event.ID.String(),
	}
	if s := d.Session; s != nil {
		v.SessionURL = v.EventURL + "/sessions/" + s.ID.String()
		sv := &sessionView{ID: s.ID.String(), Start: when(s.Start), OnlineLink: s.OnlineLink, Venue: venue(s)}
		if !s.End.IsZero() {
			sv.End = when(s.End)
		}
		if !s.SalesStart.IsZero() {
			sv.SalesStart = when(s.SalesStart)
		}
		v.Session = sv
	}
	if o := d.Order; o != nil {
		refund := o.RefundMinor
		if refund == 0 {
			refund = o.TotalMinor
		}
		v.Order = &orderView{
			ID:     o.ID.String(),
			URL:    web + "/orders/" + o.ID.String(),
			Status: o.Status,
			Total:  money(o.TotalMinor, o.Currency),
			Refund: money(refund, o.Currency),
		}
		if o.RefundedMinor > 0 {
			v.Order.Refunded = money(o.RefundedMinor, o.Currency)
		}
		if v.Reason == "" {
			v.Reason = o.Reason
		}
	}
	for _, t := range d.Tickets {
		cur := t.Currency
		if cur == "" && d.Order != nil {
			cur = d.Order.Currency
		}
		cid := "qr-" + t.ID.String() + "@ticketly"
		v.Tickets = append(v.Tickets, ticketView{
			ID: t.ID.String(), Label: t.Label, TierName: t.TierName, Price: money(t.PriceMinor, cur),
			ContentID: cid, CID: htmltemplate.URL("cid:" + cid), qr: t.QR,
		})
	}
	return v
}

// render executes kind's templates: the subject (one line), the text and the HTML body.
func render(k Kind, v view) (subject, text, html string, err error) {
	set := templates[k]
	var b bytes.Buffer
	if err := set.text.ExecuteTemplate(&b, "subject", v); err != nil {
		return "", "", "", err
	}
	subject = strings.Join(strings.Fields(b.String()), " ")
	b.Reset()
	if err := set.text.Execute(&b, v); err != nil {
		return "", "", "", err
	}
	text = strings.TrimLeft(b.String(), "\n")
	b.Reset()
	if err := set.html.Execute(&b, v); err != nil {
		return "", "", "", err
	}
	return subject, text, b.String(), nil
}

// venue is where a session takes place: the venue's name and address, or nothing (online).
func venue(s *Session) string {
	var parts []string
	for _, p := range []string{s.VenueName, s.VenueAddress} {
		if p = strings.TrimSpace(p); p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, ", ")
}

// when formats t in UTC, RFC 1123 style without seconds: "Mon, 02 Jan 2006 15:04 UTC".
func when(t time.Time) string { return t.UTC().Format("Mon, 02 Jan 2006 15:04 MST") }

// minorDigits lists the ISO 4217 currencies whose minor unit is not a hundredth.
var minorDigits = map[string]int{
	"BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0, "PYG": 0,
	"RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
	"BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
}

// money formats an amount of minor units with its currency, in integers only:
// money(1250, "EUR") is "12.50 EUR", money(500, "JPY") is "500 JPY".
func money(minor int64, currency string) string {
	digits, ok := minorDigits[currency]
	if !ok {
		digits = 2
	}
	sign := ""
	u := uint64(minor)
	if minor < 0 {
		sign, u = "-", uint64(-(minor+1))+1 // no overflow at math.MinInt64
	}
	s := strconv.FormatUint(u, 10)
	if digits > 0 {
		if len(s) <= digits {
			s = strings.Repeat("0", digits-len(s)+1) + s
		}
		s = s[:len(s)-digits] + "." + s[len(s)-digits:]
	}
	if currency == "" {
		return sign + s
	}
	return sign + s + " " + currency
}
