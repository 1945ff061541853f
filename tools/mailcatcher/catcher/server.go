package catcher

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Config configures a Server.
type Config struct {
	SMTPAddr        string // e.g. 127.0.0.1:1025 (port 0 picks a free one)
	HTTPAddr        string // e.g. 127.0.0.1:8025
	Domain          string // announced in the SMTP greeting; default "localhost"
	MaxMessages     int    // default 10,000
	MaxTotalBytes   int64  // default 512 MiB
	MaxMessageBytes int64  // default 25 MiB
	Logger          *slog.Logger
}

// Server is the SMTP listener plus the HTTP API over one Store.
type Server struct {
	cfg    Config
	log    *slog.Logger
	store  *Store
	smtp   *smtp.Server
	http   *http.Server
	smtpLn net.Listener
	httpLn net.Listener
}

// New builds a server; Start opens its listeners.
func New(cfg Config) *Server {
	if cfg.Domain == "" {
		cfg.Domain = "localhost"
	}
	if cfg.MaxMessages == 0 {
		cfg.MaxMessages = 10_000
	}
	if cfg.MaxTotalBytes == 0 {
		cfg.MaxTotalBytes = 512 << 20
	}
	if cfg.MaxMessageBytes == 0 {
		cfg.MaxMessageBytes = 25 << 20
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	s := &Server{cfg: cfg, log: cfg.Logger, store: NewStore(cfg.MaxMessages, cfg.MaxTotalBytes)}

	s.smtp = smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &session{srv: s, remote: c.Conn().RemoteAddr().String()}, nil
	}))
	s.smtp.Domain = cfg.Domain
	s.smtp.MaxMessageBytes = cfg.MaxMessageBytes
	s.smtp.MaxRecipients = 1000
	s.smtp.AllowInsecureAuth = true // AUTH PLAIN over plain TCP: it is a local catcher
	s.smtp.EnableSMTPUTF8 = true
	s.smtp.ReadTimeout = 5 * time.Minute
	s.smtp.WriteTimeout = time.Minute
	s.smtp.ErrorLog = slog.NewLogLogger(cfg.Logger.Handler(), slog.LevelWarn)

	s.http = &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(cfg.Logger.Handler(), slog.LevelWarn),
	}
	return s
}

// Store returns the message store.
func (s *Server) Store() *Store { return s.store }

// Start listens on both addresses and serves in the background.
func (s *Server) Start() error {
	var err error
	if s.smtpLn, err = net.Listen("tcp", s.cfg.SMTPAddr); err != nil {
		return fmt.Errorf("smtp listen: %w", err)
	}
	if s.httpLn, err = net.Listen("tcp", s.cfg.HTTPAddr); err != nil {
		_ = s.smtpLn.Close()
		return fmt.Errorf("http listen: %w", err)
	}
	go func() {
		if err := s.smtp.Serve(s.smtpLn); err != nil && !errors.Is(err, smtp.ErrServerClosed) && !errors.Is(err, net.ErrClosed) {
			s.log.Error("smtp server stopped", "err", err)
		}
	}()
	go func() {
		if err := s.http.Serve(s.httpLn); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("http server stopped", "err", err)
		}
	}()
	s.log.Info("mailcatcher listening", "smtp", s.smtpLn.Addr().String(), "http", s.httpLn.Addr().String(),
		"max_messages", s.cfg.MaxMessages, "max_message_bytes", s.cfg.MaxMessageBytes)
	return nil
}

// SMTPAddr returns the SMTP listener's address (after Start).
func (s *Server) SMTPAddr() string { return s.smtpLn.Addr().String() }

// HTTPAddr returns the HTTP listener's address (after Start).
func (s *Server) HTTPAddr() string { return s.httpLn.Addr().String() }

// Shutdown stops accepting, lets open SMTP sessions and HTTP requests finish until ctx ends,
// then closes what is left.
func (s *Server) Shutdown(ctx context.Context) error {
	errHTTP := s.http.Shutdown(ctx)
	errSMTP := s.smtp.Shutdown(ctx)
	if errSMTP != nil {
		_ = s.smtp.Close()
	}
	if errors.Is(errSMTP, smtp.ErrServerClosed) {
		errSMTP = nil
	}
	return errors.Join(errHTTP, errSMTP)
}

// session is one SMTP connection's state. Every sender and recipient is accepted.
type session struct {
	srv    *Server
	remote string
	user   string
	from   string
	to     []string
}

var _ smtp.AuthSession = (*session)(nil)

func (ss *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (ss *session) Auth(mech string) (sasl.Server, error) {
	if mech != sasl.Plain {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(_, username, _ string) error {
		ss.user = username // any credentials are accepted
		return nil
	}), nil
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	ss.from, ss.to = from, nil
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m := ss.srv.store.Add(ss.from, ss.to, raw)
	ss.srv.log.Info("mail received", "id", m.ID, "from", m.From, "to", m.To, "subject", m.Subject,
		"size", len(raw), "remote", ss.remote, "auth_user", ss.user)
	return nil
}

func (ss *session) Reset() { ss.from, ss.to = "", nil }

func (ss *session) Logout() error { return nil }

// Handler returns the HTTP API:
//
//	GET    /                        200, a short text
//	GET    /api/messages            summaries, newest first (?to=ADDR, ?limit=N)
//	DELETE /api/messages            removes every message
//	GET    /api/messages/{id}       detail: headers, decoded text and HTML bodies
//	GET    /api/messages/{id}/raw   the message as received (message/rfc822)
//	DELETE /api/messages/{id}       removes one message
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintf(w, "Ticketly mailcatcher: %d message(s) stored.\n"+
			"API: GET /api/messages[?to=ADDR&limit=N], GET /api/messages/{id}, GET /api/messages/{id}/raw, DELETE /api/messages[/{id}]\n",
			s.store.Len())
	})
	mux.HandleFunc("GET /api/messages", func(w http.ResponseWriter, r *http.Request) {
		limit := 0
		if v := r.URL.Query().Get("limit"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				writeError(w, http.StatusBadRequest, "limit must be a non-negative integer")
				return
			}
			limit = n
		}
		msgs := s.store.List(r.URL.Query().Get("to"), limit)
		out := make([]Summary, len(msgs))
		for i, m := range msgs {
			out[i] = m.Summary()
		}
		writeJSON(w, http.StatusOK, out)
	})
	mux.HandleFunc("DELETE /api/messages", func(w http.ResponseWriter, _ *http.Request) {
		n := s.store.Clear()
		s.log.Info("messages cleared", "count", n)
		writeJSON(w, http.StatusOK, map[string]int{"deleted": n})
	})
	mux.HandleFunc("GET /api/messages/{id}", func(w http.ResponseWriter, r *http.Request) {
		m, ok := s.store.Get(r.PathValue("id"))
		if !ok {
			writeError(w, http.StatusNotFound, "no such message")
			return
		}
		writeJSON(w, http.StatusOK, m.Detail())
	})
	mux.HandleFunc("GET /api/messages/{id}/raw", func(w http.ResponseWriter, r *http.Request) {
		m, ok := s.store.Get(r.PathValue("id"))
		if !ok {
			writeError(w, http.StatusNotFound, "no such message")
			return
		}
		w.Header().Set("Content-Type", "message/rfc822")
		w.Header().Set("Content-Length", strconv.Itoa(len(m.Raw)))
		_, _ = w.Write(m.Raw)
	})
	mux.HandleFunc("DELETE /api/messages/{id}", func(w http.ResponseWriter, r *http.Request) {
		if !s.store.Delete(r.PathValue("id")) {
			writeError(w, http.StatusNotFound, "no such message")
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	return mux
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}
