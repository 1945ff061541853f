package mail_test

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/quotedprintable"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/ticketly/ticketly/internal/config"
	"github.com/ticketly/ticketly/internal/mail"
	"github.com/ticketly/ticketly/internal/svctest"
)

func decode(t *testing.T, cte string, r io.Reader) io.Reader {
	t.Helper()
	switch strings.ToLower(cte) {
	case "base64":
		return base64.NewDecoder(base64.StdEncoding, r)
	case "quoted-printable":
		return quotedprintable.NewReader(r)
	}
	return r
}

// mailConfig is the development mail configuration with addr as the relay.
func mailConfig(addr string) config.Mail {
	c := config.LoadMail(config.New(func(k string) string {
		if k == "SMTP_ADDR" {
			return addr
		}
		return ""
	}))
	c.Timeout = 10 * time.Second
	return c
}

// fakeRelay is a hand-written SMTP server answering each command from a script: reply
// maps a command verb (MAIL, RCPT, DATA, …) to the reply sent instead of success.
func fakeRelay(t *testing.T, reply map[string]string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go serveFake(c, reply)
		}
	}()
	return ln.Addr().String()
}

func serveFake(c net.Conn, reply map[string]string) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	r, w := bufio.NewReader(c), bufio.NewWriter(c)
	say := func(s string) { w.WriteString(s + "\r\n"); w.Flush() }
	if g, ok := reply["GREETING"]; ok {
		if g == "" { // never greet: a relay that hangs
			_, _ = io.Copy(io.Discard, r)
			return
		}
		say(g)
	} else {
		say("220 fake ESMTP")
	}
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		verb := strings.ToUpper(strings.Fields(line + " x")[0])
		if resp, ok := reply[verb]; ok {
			say(resp)
			continue
		}
		switch verb {
		case "EHLO":
			say("250-fake\r\n250 8BITMIME")
		case "DATA":
			say("354 go ahead")
			for {
				l, err := r.ReadString('\n')
				if err != nil || l == ".\r\n" {
					break
				}
			}
			say("250 queued")
		case "QUIT":
			say("221 bye")
			return
		default:
			say("250 ok")
		}
	}
}

func confirmation(t *testing.T, to string) *mail.Message {
	t.Helper()
	d := sample(mail.OrderConfirmed, "Relay Night")
	d.To = to
	m, err := mail.Compose(d, opts())
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestSendTellsPermanentFromTemporaryFailures: a 5xx about the message is permanent; a
// 4xx, a refused or hanging connection is temporary.
func TestSendTellsPermanentFromTemporaryFailures(t *testing.T) {
	t.Parallel()
	closed := func() string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		return addr
	}()
	for _, tc := range []struct {
		name          string
		addr          string
		wantErr       bool
		wantPermanent bool
		wantCode      int
	}{
		{"accepted", fakeRelay(t, nil), false, false, 0},
		{"unknown mailbox", fakeRelay(t, map[string]string{"RCPT": "550 5.1.1 no such user"}), true, true, 550},
		{"sender refused", fakeRelay(t, map[string]string{"MAIL": "553 5.7.1 sender not allowed"}), true, true, 553},
		{"content refused", fakeRelay(t, map[string]string{"DATA": "554 5.6.0 message refused"}), true, true, 554},
		{"mailbox busy", fakeRelay(t, map[string]string{"RCPT": "450 4.2.1 try later"}), true, false, 450},
		{"relay overloaded", fakeRelay(t, map[string]string{"GREETING": "421 4.3.2 too busy"}), true, false, 0},
		{"connection refused", closed, true, false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, err := mail.NewSMTPSender(mailConfig(tc.addr))
			if err != nil {
				t.Fatal(err)
			}
			err = s.Send(context.Background(), confirmation(t, "someone@ticketly.example.com"))
			if (err != nil) != tc.wantErr {
				t.Fatalf("Send: %v, want error %v", err, tc.wantErr)
			}
			if got := mail.IsPermanent(err); got != tc.wantPermanent {
				t.Errorf("IsPermanent(%v) = %v, want %v", err, got, tc.wantPermanent)
			}
			var se *mail.SendError
			if tc.wantErr && (!errors.As(err, &se) || (tc.wantCode != 0 && se.Code != tc.wantCode)) {
				t.Errorf("error %v, want a SendError with code %d", err, tc.wantCode)
			}
		})
	}
}

// TestSendHonoursTheContextDeadline: a relay that never answers fails the send with the
// context's deadline, as a temporary error.
func TestSendHonoursTheContextDeadline(t *testing.T) {
	t.Parallel()
	s, err := mail.NewSMTPSender(mailConfig(fakeRelay(t, map[string]string{"GREETING": ""})))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	start := time.Now()
	err = s.Send(ctx, confirmation(t, "someone@ticketly.example.com"))
	took := time.Since(start)
	if err == nil || mail.IsPermanent(err) {
		t.Fatalf("Send to a silent relay: %v, want a temporary error", err)
	}
	// The connection's deadline is the context's: it gives up at the deadline (the socket's
	// timer may fire a moment before the context's own), not early and not much later.
	if took < 400*time.Millisecond || took > 5*time.Second {
		t.Fatalf("Send gave up after %s (%v), want about the context's 500 ms", took, err)
	}
}

func TestNewSMTPSenderRefusesABadConfiguration(t *testing.T) {
	t.Parallel()
	c := mailConfig("127.0.0.1:1025")
	c.TLS = "ssl"
	if _, err := mail.NewSMTPSender(c); err == nil {
		t.Fatal("SMTP_TLS=ssl accepted")
	}
}

// TestSendThroughTheMailCatcher sends a confirmation through the local stack's mail
// catcher and reads it back from the catcher's HTTP API.
func TestSendThroughTheMailCatcher(t *testing.T) {
	svctest.RequireStack(t, svctest.MailCatcher)
	t.Parallel()
	smtpAddr, api := "127.0.0.1:1025", "http://127.0.0.1:8025"
	s, err := mail.NewSMTPSender(mailConfig(smtpAddr))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.Ping(ctx); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	to := "mailtest-" + uuid.NewString() + "@ticketly.example.com"
	m := confirmation(t, to)
	if err := s.Send(ctx, m); err != nil {
		t.Fatalf("Send: %v", err)
	}

	var list []struct {
		ID      string   `json:"id"`
		From    string   `json:"from"`
		To      []string `json:"to"`
		Subject string   `json:"subject"`
	}
	getJSON(t, api+"/api/messages?to="+url.QueryEscape(to), &list)
	if len(list) != 1 {
		t.Fatalf("the catcher holds %d messages to %s, want 1", len(list), to)
	}
	if got := list[0]; got.Subject != m.Subject || len(got.To) != 1 || !strings.Contains(got.To[0], to) ||
		!strings.Contains(got.From, "no-reply@ticketly.example.com") {
		t.Errorf("catcher lists %+v; want subject %q to %s from the default sender", got, m.Subject, to)
	}
	raw := get(t, api+"/api/messages/"+url.PathEscape(list[0].ID)+"/raw")
	p := inspect(t, raw)
	if want := "<" + m.MessageID + ">"; p.messageID != want {
		t.Errorf("Message-ID %q, want %q", p.messageID, want)
	}
	if !strings.Contains(p.text, "Relay Night") || !strings.Contains(p.html, "Relay Night") {
		t.Errorf("received text %d bytes, HTML %d bytes: want both naming the event", len(p.text), len(p.html))
	}
	if len(p.inline) != 2 || len(p.attachments) != 3 || p.icsCount != 1 {
		t.Errorf("received inline %v, attachments %v (%d .ics); want 2 QR codes inline, 2 PNG + 1 .ics attached",
			p.inline, p.attachments, p.icsCount)
	}
}

func get(t *testing.T, u string) []byte {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %v", u, resp.StatusCode, err)
	}
	return b
}

func getJSON(t *testing.T, u string, v any) {
	t.Helper()
	if err := json.Unmarshal(get(t, u), v); err != nil {
		t.Fatal(fmt.Errorf("GET %s: %w", u, err))
	}
}
