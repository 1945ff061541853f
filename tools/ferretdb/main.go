// Command ferretdb runs FerretDB v1.24 (a MongoDB wire-protocol server) embedded through
// github.com/FerretDB/FerretDB/ferretdb, because `go install` of FerretDB's own command
// fails against the module proxy here.
//
// The embedded API only takes the listeners, the backend and a logger, so this program
// provides its own debug HTTP server (FerretDB's internal one cannot be imported):
//
//	/debug/livez    200 while the process runs
//	/debug/readyz   200 when a wire-protocol `ping` through the listener succeeds; FerretDB
//	                answers ping only after querying its backend, so this checks PostgreSQL too
//	/debug/metrics  Go runtime and process metrics (Prometheus text format)
//	/debug/pprof/   the standard profiles
//
// Flags default to FerretDB's own environment variable names: FERRETDB_LISTEN_ADDR,
// FERRETDB_HANDLER, FERRETDB_POSTGRESQL_URL, FERRETDB_SQLITE_URL, FERRETDB_DEBUG_ADDR,
// FERRETDB_LOG_LEVEL.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"net/url"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/FerretDB/FerretDB/build/version"
	"github.com/FerretDB/FerretDB/ferretdb"
	"github.com/FerretDB/wire"
	"github.com/FerretDB/wire/wireclient"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

const defaultPostgreSQLURL = "postgres://ferretdb:ferretdb@127.0.0.1:5432/ferretdb"

func env(key, def string) string {
	if v, ok := os.LookupEnv(key); ok && v != "" {
		return v
	}
	return def
}

type config struct {
	listenAddr    string
	handler       string
	postgreSQLURL string
	sqliteURL     string
	debugAddr     string
	logLevel      string
}

func parseFlags(args []string) (*config, error) {
	o := &config{}
	fs := flag.NewFlagSet("ferretdb", flag.ContinueOnError)
	fs.StringVar(&o.listenAddr, "listen-addr", env("FERRETDB_LISTEN_ADDR", "127.0.0.1:27017"), "MongoDB wire protocol listen address")
	fs.StringVar(&o.handler, "handler", env("FERRETDB_HANDLER", "postgresql"), "backend: postgresql or sqlite")
	fs.StringVar(&o.postgreSQLURL, "postgresql-url", env("FERRETDB_POSTGRESQL_URL", defaultPostgreSQLURL), "PostgreSQL URL (postgresql handler)")
	fs.StringVar(&o.sqliteURL, "sqlite-url", env("FERRETDB_SQLITE_URL", "file:data/"), "SQLite URI, a directory (sqlite handler)")
	fs.StringVar(&o.debugAddr, "debug-addr", env("FERRETDB_DEBUG_ADDR", "127.0.0.1:27018"), `debug HTTP listen address ("-" disables it)`)
	fs.StringVar(&o.logLevel, "log-level", env("FERRETDB_LOG_LEVEL", "info"), "debug, info, warn or error")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	switch o.handler {
	case "postgresql", "sqlite":
	default:
		return nil, fmt.Errorf("unknown handler %q (postgresql or sqlite)", o.handler)
	}
	if _, _, err := net.SplitHostPort(o.listenAddr); err != nil {
		return nil, fmt.Errorf("listen-addr: %w", err)
	}
	return o, nil
}

// redact hides the password of a URL for logging.
func redact(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}

func main() {
	o, err := parseFlags(os.Args[1:])
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "ferretdb:", err)
		os.Exit(2)
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(o.logLevel)); err != nil {
		level = slog.LevelInfo
	}
	logger := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	slog.SetDefault(logger)

	if err := run(o, logger); err != nil {
		logger.Error("ferretdb failed", "err", err)
		os.Exit(1)
	}
}

func run(o *config, logger *slog.Logger) error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	cfg := &ferretdb.Config{
		Listener: ferretdb.ListenerConfig{TCP: o.listenAddr},
		Logger:   logger,
		Handler:  o.handler,
	}
	if o.handler == "postgresql" {
		cfg.PostgreSQLURL = o.postgreSQLURL
	} else {
		cfg.SQLiteURL = o.sqliteURL
	}
	ver := ferretDBVersion()
	f, err := ferretdb.New(cfg)
	if err != nil {
		return err
	}
	// The embedded package reports "unknown" as its version (buildInfo's ferretdbVersion);
	// tell it the module version it was built from.
	version.Get().Version = ver
	logger.Info("ferretdb starting", "version", ver, "package", "embedded", "mongodb_version", version.Get().MongoDBVersion, "listen_addr", o.listenAddr,
		"handler", o.handler, "postgresql_url", redact(o.postgreSQLURL), "debug_addr", o.debugAddr,
		"mongodb_uri", f.MongoDBURI())

	var debugSrv *http.Server
	if o.debugAddr != "" && o.debugAddr != "-" {
		ln, err := net.Listen("tcp", o.debugAddr)
		if err != nil {
			return fmt.Errorf("debug listener: %w", err)
		}
		debugSrv = &http.Server{
			Handler:           debugHandler(f.MongoDBURI(), ver, logger),
			ReadHeaderTimeout: 10 * time.Second,
			ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
		}
		go func() {
			if err := debugSrv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				logger.Error("debug server stopped", "err", err)
			}
		}()
	}

	// Run returns when ctx is cancelled (SIGINT/SIGTERM): the listener stops accepting, open
	// client connections are closed, then the backend's connection pool.
	err = f.Run(ctx)
	logger.Info("ferretdb stopped")
	if debugSrv != nil {
		sctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		_ = debugSrv.Shutdown(sctx)
	}
	return err
}

// ferretDBVersion returns the version of the FerretDB module this binary was built with.
func ferretDBVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, m := range bi.Deps {
			if m.Path == "github.com/FerretDB/FerretDB" {
				return m.Version
			}
		}
	}
	return "unknown"
}

func debugHandler(mongoURI, ver string, logger *slog.Logger) http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	mux := http.NewServeMux()
	mux.HandleFunc("GET /debug/livez", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "ok\n")
	})
	mux.HandleFunc("GET /debug/readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
		defer cancel()
		if err := ping(ctx, mongoURI); err != nil {
			logger.Warn("readyz probe failed", "err", err)
			http.Error(w, "not ready: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		_, _ = io.WriteString(w, "ok\n")
	})
	mux.Handle("GET /debug/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "FerretDB "+ver+" (embedded): /debug/livez /debug/readyz /debug/metrics /debug/pprof/\n")
	})
	return mux
}

// ping sends a wire-protocol ping through FerretDB's own listener.
func ping(ctx context.Context, mongoURI string) error {
	conn, err := wireclient.Connect(ctx, mongoURI, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return err
	}
	defer conn.Close()
	_, body, err := conn.Request(ctx, wire.MustOpMsg("ping", int32(1), "$db", "admin"))
	if err != nil {
		return err
	}
	msg, ok := body.(*wire.OpMsg)
	if !ok {
		return fmt.Errorf("unexpected reply %T", body)
	}
	raw, err := msg.RawDocument()
	if err != nil {
		return err
	}
	doc, err := raw.Decode()
	if err != nil {
		return err
	}
	if okv, _ := doc.Get("ok").(float64); okv != 1 {
		return fmt.Errorf("ping failed: %v (code %v)", doc.Get("errmsg"), doc.Get("code"))
	}
	return nil
}
