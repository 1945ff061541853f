package httpapi_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ticketly/ticketly/internal/health"
	"github.com/ticketly/ticketly/internal/httpapi"
	"github.com/ticketly/ticketly/internal/metrics"
)

const docsTestDoc = `openapi: 3.0.3
info:
  title: Docs Test API
  version: "1"
servers:
  - url: http://127.0.0.1:8089
paths:
  /healthz:
    get:
      responses:
        "200":
          description: ok
`

func docsServer(t *testing.T) *httptest.Server {
	t.Helper()
	r := httpapi.NewRouter(httpapi.Base{Logger: slog.New(slog.DiscardHandler), Health: health.New(time.Second),
		Metrics: metrics.New("docs_test"), OpenAPI: []byte(docsTestDoc)})
	s := httptest.NewServer(r)
	t.Cleanup(s.Close)
	return s
}

func docsGet(t *testing.T, c *http.Client, url string) (*http.Response, string) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

// TestDocsServesSwaggerUIFromLocalAssets: /docs/ is an HTML page whose scripts, styles and
// icons all come from the service itself, each answering 200 with its content type, even
// with a query string the OpenAPI document does not declare; /docs redirects to /docs/.
func TestDocsServesSwaggerUIFromLocalAssets(t *testing.T) {
	s := docsServer(t)
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	resp, _ := docsGet(t, noRedirect, s.URL+"/docs")
	if resp.StatusCode != http.StatusMovedPermanently || resp.Header.Get("Location") != "/docs/" {
		t.Fatalf("/docs: %d Location %q, want 301 to /docs/", resp.StatusCode, resp.Header.Get("Location"))
	}

	resp, page := docsGet(t, http.DefaultClient, s.URL+"/docs/")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("/docs/: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if !strings.Contains(page, "Docs Test API") || !strings.Contains(page, `"/openapi.yaml"`) || !strings.Contains(page, "SwaggerUIBundle") {
		t.Errorf("/docs/ is not a Swagger UI page for /openapi.yaml titled from the document:\n%.400s", page)
	}
	if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("/docs/ lost nosniff")
	}
	csp := resp.Header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'self'", "script-src 'self' 'unsafe-inline'", "connect-src 'self' http://127.0.0.1:8089", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("/docs/ CSP %q lacks %q", csp, want)
		}
	}

	refs := regexp.MustCompile(`(?:src|href)="([^"]*)"`).FindAllStringSubmatch(page, -1)
	if len(refs) < 3 {
		t.Fatalf("want the page's scripts, style and icons, found %v", refs)
	}
	// JavaScript's type depends on the system's MIME table; either is executed with nosniff.
	wantType := map[string]*regexp.Regexp{".js": regexp.MustCompile(`^(text|application)/javascript\b`),
		".css": regexp.MustCompile(`^text/css\b`), ".png": regexp.MustCompile(`^image/png$`)}
	for _, m := range refs {
		ref := m[1]
		if !strings.HasPrefix(ref, "/docs/") {
			t.Errorf("page references %q, not a local asset under /docs/", ref)
			continue
		}
		ext := ref[strings.LastIndex(ref, "."):]
		resp, body := docsGet(t, http.DefaultClient, s.URL+ref+"?v=1")
		if want := wantType[ext]; want == nil || resp.StatusCode != http.StatusOK || len(body) == 0 || !want.MatchString(resp.Header.Get("Content-Type")) {
			t.Errorf("%s: %d %q (%d bytes), want 200 %s", ref, resp.StatusCode, resp.Header.Get("Content-Type"), len(body), wantType[ext])
		}
	}
	if strings.Contains(page, "://") && regexp.MustCompile(`<(?:script|link)[^>]+(?:src|href)="[a-z]+://`).MatchString(page) {
		t.Errorf("page loads an external script or style")
	}
}

// TestDocsLeavesOtherRoutesAlone: the docs' CSP stays on the docs, an undeclared query
// parameter is still refused on a documented operation, and an unknown asset is a 404.
func TestDocsLeavesOtherRoutesAlone(t *testing.T) {
	s := docsServer(t)
	resp, _ := docsGet(t, http.DefaultClient, s.URL+"/openapi.yaml")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Security-Policy") != "" || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("/openapi.yaml: %d CSP %q nosniff %q", resp.StatusCode, resp.Header.Get("Content-Security-Policy"), resp.Header.Get("X-Content-Type-Options"))
	}
	if resp, body := docsGet(t, http.DefaultClient, s.URL+"/healthz?page=2"); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("/healthz?page=2: %d %s, want 400", resp.StatusCode, body)
	}
	if resp, _ := docsGet(t, http.DefaultClient, s.URL+"/docs/no-such-asset.js"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("/docs/no-such-asset.js: %d, want 404", resp.StatusCode)
	}
}
