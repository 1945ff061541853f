// Command mailcatcher is the local stack's SMTP catcher: it accepts any mail on an SMTP
// port (no authentication needed; AUTH PLAIN with any credentials is accepted), keeps the
// newest messages in memory and serves them over HTTP (see catcher.Server.Handler).
//
// Flags default to environment variables: MAILCATCHER_SMTP_ADDR, MAILCATCHER_HTTP_ADDR,
// MAILCATCHER_MAX_MESSAGES, MAILCATCHER_LOG_LEVEL.
package main

import (
	"context"
	"flag"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/ticketly/ticketly/tools/mailcatcher/catcher"
)

func env(key, def string) string {
	if v, ok := os.LookupEnv(key); ok && v != "" {
		return v
	}
	return def
}

func main() {
	maxDefault, err := strconv.Atoi(env("MAILCATCHER_MAX_MESSAGES", "10000"))
	if err != nil {
		maxDefault = 10000
	}
	smtpAddr := flag.String("smtp-addr", env("MAILCATCHER_SMTP_ADDR", "127.0.0.1:1025"), "SMTP listen address")
	httpAddr := flag.String("http-addr", env("MAILCATCHER_HTTP_ADDR", "127.0.0.1:8025"), "HTTP API listen address")
	maxMessages := flag.Int("max-messages", maxDefault, "messages kept in memory (oldest dropped first)")
	maxMessageBytes := flag.Int64("max-message-bytes", 25<<20, "largest accepted message")
	logLevel := flag.String("log-level", env("MAILCATCHER_LOG_LEVEL", "info"), "debug, info, warn or error")
	flag.Parse()

	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		level = slog.LevelInfo
	}
	logger := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: level})).With("component", "mailcatcher")
	slog.SetDefault(logger)

	srv := catcher.New(catcher.Config{
		SMTPAddr:        *smtpAddr,
		HTTPAddr:        *httpAddr,
		MaxMessages:     *maxMessages,
		MaxMessageBytes: *maxMessageBytes,
		Logger:          logger,
	})
	if err := srv.Start(); err != nil {
		logger.Error("cannot start", "err", err)
		os.Exit(1)
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		logger.Warn("shutdown", "err", err)
	}
}
