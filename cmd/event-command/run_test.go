package main

import (
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/ticketly/ticketly/internal/health"
	"github.com/ticketly/ticketly/internal/httpapi"
	"github.com/ticketly/ticketly/internal/metrics"
	"github.com/ticketly/ticketly/internal/openapi"
	"github.com/ticketly/ticketly/internal/svctest"
)

func TestOpenAPIDocumentMatchesRoutes(t *testing.T) {
	passThrough := func(h http.Handler) http.Handler { return h }
	r := routes(httpapi.Base{Health: health.New(0), Metrics: metrics.New(service), OpenAPI: openapiDoc}, passThrough, nil)
	openapi.AssertMatches(t, openapiDoc, r)
}

func TestOperationalEndpoints(t *testing.T) {
	svctest.AssertOperational(t, run, nil, "postgres", "keycloak")
}

func TestConfigReportsEveryProblem(t *testing.T) {
	_, err := loadConfig(func(k string) string {
		return map[string]string{"SHUTDOWN_TIMEOUT": "soon", "DRAIN_DELAY": "-"}[k]
	})
	if err == nil || !strings.Contains(err.Error(), "SHUTDOWN_TIMEOUT") || !strings.Contains(err.Error(), "DRAIN_DELAY") {
		t.Fatalf("want both bad settings reported, got %v", err)
	}
}

// TestOpenAPIReferencesResolve: every $ref of openapi.yaml names a component that exists.
func TestOpenAPIReferencesResolve(t *testing.T) {
	var doc map[string]any
	if err := yaml.Unmarshal(openapiDoc, &doc); err != nil {
		t.Fatal(err)
	}
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, child := range x {
				if ref, ok := child.(string); ok && k == "$ref" {
					var node any = doc
					for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
						m, _ := node.(map[string]any)
						node = m[part]
					}
					if node == nil {
						t.Errorf("unresolved $ref %s", ref)
					}
				}
				walk(child)
			}
		case []any:
			for _, child := range x {
				walk(child)
			}
		}
	}
	walk(doc)
	// An unquoted comma inside a flow mapping ({description: a, b}) silently makes a key.
	paths, _ := doc["paths"].(map[string]any)
	for path, item := range paths {
		for method, op := range item.(map[string]any) {
			responses, _ := op.(map[string]any)["responses"].(map[string]any)
			for code, resp := range responses {
				for k := range resp.(map[string]any) {
					if k != "description" && k != "content" && k != "headers" && k != "$ref" {
						t.Errorf("%s %s response %s has a stray key %q", method, path, code, k)
					}
				}
			}
		}
	}
}

// TestStartWaitsForPostgres: a service started before PostgreSQL answers keeps retrying
// (migrations run once it does), and gives up with a clear error after DATABASE_WAIT.
func TestStartWaitsForPostgres(t *testing.T) {
	svctest.RequireStack(t, svctest.Postgres)
	t.Parallel()
	// A port where "PostgreSQL" appears after a second: a proxy to the real one.
	addr := svctest.FreeAddr(t)
	ctx := t.Context()
	go func() {
		time.Sleep(time.Second)
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return
		}
		go func() { <-ctx.Done(); ln.Close() }()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				up, err := net.Dial("tcp", "127.0.0.1:5432")
				if err != nil {
					return
				}
				defer up.Close()
				go func() { _, _ = io.Copy(up, c) }()
				_, _ = io.Copy(c, up)
			}()
		}
	}()
	s := svctest.Start(t, run, map[string]string{
		"DATABASE_URL": "postgres://ticketly_command:ticketly_command@" + addr + "/ticketly?search_path=catalog&connect_timeout=2",
	})
	if err := s.Stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}

	start := time.Now()
	err := run(t.Context(), nil, func(k string) string {
		return map[string]string{"HTTP_ADDR": "127.0.0.1:0", "LOG_LEVEL": "error", "DATABASE_WAIT": "1s",
			"DATABASE_URL": "postgres://ticketly_command:x@" + svctest.FreeAddr(t) + "/ticketly?connect_timeout=1"}[k]
	})
	if err == nil || !strings.Contains(err.Error(), "postgres not reachable") || time.Since(start) < time.Second {
		t.Fatalf("without PostgreSQL: %v after %s", err, time.Since(start))
	}
}
