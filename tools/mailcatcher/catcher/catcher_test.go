package catcher_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/smtp"
	"strings"
	"testing"
	"time"

	"github.com/ticketly/ticketly/tools/mailcatcher/catcher"
)

func startServer(t *testing.T, cfg catcher.Config) *catcher.Server {
	t.Helper()
	cfg.SMTPAddr, cfg.HTTPAddr = "127.0.0.1:0", "127.0.0.1:0"
	cfg.Logger = slog.New(slog.NewJSONHandler(io.Discard, nil))
	srv := catcher.New(cfg)
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	return srv
}

func send(t *testing.T, srv *catcher.Server, auth smtp.Auth, from string, to []string, msg string) {
	t.Helper()
	msg = strings.ReplaceAll(msg, "\n", "\r\n")
	if err := smtp.SendMail(srv.SMTPAddr(), auth, from, to, []byte(msg)); err != nil {
		t.Fatalf("SendMail: %v", err)
	}
}

func getJSON(t *testing.T, url string, v any) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if v != nil && resp.StatusCode == http.StatusOK {
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
			t.Fatalf("decoding %s: %v", url, err)
		}
	}
	return resp.StatusCode
}

func list(t *testing.T, srv *catcher.Server, query string) []catcher.Summary {
	t.Helper()
	var out []catcher.Summary
	if code := getJSON(t, "http://"+srv.HTTPAddr()+"/api/messages"+query, &out); code != http.StatusOK {
		t.Fatalf("list: status %d", code)
	}
	return out
}

func detail(t *testing.T, srv *catcher.Server, id string) catcher.Detail {
	t.Helper()
	var d catcher.Detail
	if code := getJSON(t, "http://"+srv.HTTPAddr()+"/api/messages/"+id, &d); code != http.StatusOK {
		t.Fatalf("detail %s: status %d", id, code)
	}
	return d
}

const plainMail = `From: Ticketly <no-reply@ticketly.test>
To: alice@example.test
Subject: Your order 42
Date: Mon, 02 Feb 2026 10:00:00 +0000
Message-ID: <1@ticketly.test>

Hello Alice,
your tickets are attached.
`

const qpMail = `From: no-reply@ticketly.test
To: bob@example.test
Subject: =?UTF-8?Q?R=C3=A9servation_confirm=C3=A9e?=
MIME-Version: 1.0
Content-Type: text/plain; charset=UTF-8
Content-Transfer-Encoding: quoted-printable

Bonjour Bob, votre r=C3=A9servation est confirm=C3=A9e. Cette ligne est tr=
=C3=A8s longue et continue apr=C3=A8s un saut doux.
Total =3D 12,00 =E2=82=AC
`

const multipartMail = `From: no-reply@ticketly.test
To: carol@example.test
Cc: dave@example.test
Subject: =?UTF-8?B?VGlja2V0cyDwn46f?=
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="outer"

This is a multi-part message in MIME format.
--outer
Content-Type: multipart/alternative; boundary="inner"

--inner
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: base64

Q29uY2VydCDDoCBQYXJpcywgcm93IEEsIHNlYXQgMTIuCllvdXIgY29kZTogQUJDLTEyMw==
--inner
Content-Type: text/html; charset=utf-8
Content-Transfer-Encoding: quoted-printable

<p>Concert =C3=A0 Paris, <b>row A</b>, seat 12.</p>
--inner--
--outer
Content-Type: application/pdf; name="ticket.pdf"
Content-Disposition: attachment; filename="ticket.pdf"
Content-Transfer-Encoding: base64

JVBERi0xLjQKJcOkw7zDtsOfCg==
--outer--
`

func TestSendAndRead(t *testing.T) {
	srv := startServer(t, catcher.Config{})
	base := "http://" + srv.HTTPAddr()

	send(t, srv, nil, "no-reply@ticketly.test", []string{"alice@example.test", "hidden@example.test"}, plainMail)
	send(t, srv, smtp.PlainAuth("", "user", "secret", "127.0.0.1"), "no-reply@ticketly.test", []string{"bob@example.test"}, qpMail)
	send(t, srv, nil, "no-reply@ticketly.test", []string{"carol@example.test", "dave@example.test"}, multipartMail)

	all := list(t, srv, "")
	if len(all) != 3 {
		t.Fatalf("got %d messages, want 3", len(all))
	}
	if all[0].To[0] != "carol@example.test" || all[2].To[0] != "alice@example.test" {
		t.Fatalf("not newest first: %+v", all)
	}

	// Plain message: envelope, header date, body.
	alice := all[2]
	if alice.From != "no-reply@ticketly.test" || alice.Subject != "Your order 42" || alice.Size == 0 {
		t.Errorf("summary: %+v", alice)
	}
	if want := time.Date(2026, 2, 2, 10, 0, 0, 0, time.UTC); !alice.Date.Equal(want) {
		t.Errorf("date = %v, want %v", alice.Date, want)
	}
	d := detail(t, srv, alice.ID)
	if !strings.Contains(d.Text, "your tickets are attached.") || d.Headers["Message-Id"][0] != "<1@ticketly.test>" {
		t.Errorf("plain detail: %+v", d)
	}

	// The BCC recipient (envelope only) is found by the filter; so is a Cc header address.
	if got := list(t, srv, "?to=HIDDEN@example.test"); len(got) != 1 || got[0].ID != alice.ID {
		t.Errorf("filter by envelope recipient: %+v", got)
	}
	if got := list(t, srv, "?to=dave@example.test"); len(got) != 1 || got[0].ID != all[0].ID {
		t.Errorf("filter by Cc: %+v", got)
	}
	if got := list(t, srv, "?to=nobody@example.test"); len(got) != 0 {
		t.Errorf("filter by unknown recipient: %+v", got)
	}
	if got := list(t, srv, "?limit=2"); len(got) != 2 {
		t.Errorf("limit: %d messages", len(got))
	}

	// Quoted-printable: soft line break joined, =3D and UTF-8 decoded; encoded-word subject.
	qp := detail(t, srv, all[1].ID)
	if qp.Subject != "Réservation confirmée" {
		t.Errorf("qp subject = %q", qp.Subject)
	}
	wantQP := "Bonjour Bob, votre réservation est confirmée. Cette ligne est très longue et continue après un saut doux.\r\nTotal = 12,00 €\r\n"
	if qp.Text != wantQP {
		t.Errorf("qp text = %q, want %q", qp.Text, wantQP)
	}

	// Multipart: base64 text part, quoted-printable HTML part, attachment listed.
	mp := detail(t, srv, all[0].ID)
	if mp.Subject != "Tickets 🎟" {
		t.Errorf("multipart subject = %q", mp.Subject)
	}
	if mp.Text != "Concert à Paris, row A, seat 12.\nYour code: ABC-123" {
		t.Errorf("multipart text = %q", mp.Text)
	}
	if !strings.Contains(mp.HTML, "<p>Concert à Paris, <b>row A</b>, seat 12.</p>") {
		t.Errorf("multipart html = %q", mp.HTML)
	}
	if len(mp.Attachments) != 1 || mp.Attachments[0].Filename != "ticket.pdf" ||
		mp.Attachments[0].ContentType != "application/pdf" || mp.Attachments[0].Size != 19 {
		t.Errorf("attachments = %+v", mp.Attachments)
	}
	if mp.ParseError != "" {
		t.Errorf("parse error: %s", mp.ParseError)
	}

	// Raw is the message as sent.
	resp, err := http.Get(base + "/api/messages/" + alice.ID + "/raw")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "message/rfc822" ||
		!strings.HasPrefix(string(raw), "From: Ticketly <no-reply@ticketly.test>\r\n") {
		t.Errorf("raw: %d %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), raw)
	}

	if code := getJSON(t, base+"/api/messages/999", nil); code != http.StatusNotFound {
		t.Errorf("unknown id: status %d", code)
	}
	if code := getJSON(t, base+"/", nil); code != http.StatusOK {
		t.Errorf("GET /: status %d", code)
	}
	if code := getJSON(t, base+"/nope", nil); code != http.StatusNotFound {
		t.Errorf("GET /nope: status %d", code)
	}

	// DELETE one, then all.
	req, _ := http.NewRequest(http.MethodDelete, base+"/api/messages/"+alice.ID, nil)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("delete one: %v %v", resp, err)
	}
	if got := list(t, srv, ""); len(got) != 2 {
		t.Fatalf("after delete one: %d messages", len(got))
	}
	req, _ = http.NewRequest(http.MethodDelete, base+"/api/messages", nil)
	resp, err = http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("clear: %v %v", resp, err)
	}
	resp.Body.Close()
	if got := list(t, srv, ""); len(got) != 0 {
		t.Fatalf("after clear: %d messages", len(got))
	}
}

func TestBounded(t *testing.T) {
	srv := startServer(t, catcher.Config{MaxMessages: 3})
	for i := 1; i <= 5; i++ {
		send(t, srv, nil, "a@example.test", []string{"b@example.test"},
			fmt.Sprintf("Subject: n%d\n\nbody %d\n", i, i))
	}
	got := list(t, srv, "")
	if len(got) != 3 || got[0].Subject != "n5" || got[2].Subject != "n3" {
		t.Fatalf("kept %+v, want n5..n3", got)
	}
	if code := getJSON(t, "http://"+srv.HTTPAddr()+"/api/messages/1", nil); code != http.StatusNotFound {
		t.Errorf("evicted message still served: %d", code)
	}
}

func TestStoreTotalBytes(t *testing.T) {
	s := catcher.NewStore(0, 100)
	for i := 0; i < 5; i++ {
		s.Add("a@x", []string{"b@x"}, []byte(strings.Repeat("x", 40)))
	}
	if s.Len() != 2 {
		t.Fatalf("kept %d messages of 40 bytes under a 100-byte limit, want 2", s.Len())
	}
	// A single message larger than the limit is still kept (the newest always is).
	s.Add("a@x", []string{"b@x"}, []byte(strings.Repeat("y", 500)))
	if s.Len() != 1 {
		t.Fatalf("kept %d, want 1", s.Len())
	}
}

func TestDetailOfMalformedMessage(t *testing.T) {
	s := catcher.NewStore(10, 0)
	m := s.Add("a@x", []string{"b@x"}, []byte("no header separator"))
	d := m.Detail()
	if d.ParseError == "" || d.ID != m.ID {
		t.Fatalf("detail = %+v", d)
	}
	m = s.Add("a@x", []string{"b@x"}, []byte("Content-Type: multipart/mixed\r\n\r\nbody"))
	if d := m.Detail(); d.ParseError == "" {
		t.Fatalf("multipart without boundary: %+v", d)
	}
	m = s.Add("a@x", []string{"b@x"}, []byte("Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\ncaf=E9"))
	if d := m.Detail(); d.Text != "café" {
		t.Fatalf("latin-1 text = %q", d.Text)
	}
}
