package httpapi

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/swaggest/swgui"
	"github.com/swaggest/swgui/v5emb"
	"gopkg.in/yaml.v3"

	"github.com/ticketly/ticketly/internal/openapi"
)

// docsHandler serves Swagger UI (swaggest/swgui, assets embedded in the binary, so it
// works offline) for the service's OpenAPI document at /openapi.yaml: the page at
// openapi.DocsPath+"/" and its scripts, styles and icons under it. Its responses carry a
// Content-Security-Policy of their own, limited to what the page needs: scripts and styles
// from the service itself (plus the page's inline ones), images from itself or data: URLs,
// and requests ("Try it out") to itself and to the servers the document names.
func docsHandler(title string, doc []byte) http.Handler {
	ui := v5emb.NewHandlerWithConfig(swgui.Config{
		Title:       title,
		SwaggerJSON: "/openapi.yaml",
		BasePath:    openapi.DocsPath + "/",
		ShowTopBar:  false,
		// The UI's own validator badge would call validator.swagger.io; keep the page offline.
		SettingsUI: map[string]string{"validatorUrl": "null"},
	})
	csp := strings.Join([]string{
		"default-src 'self'",
		"script-src 'self' 'unsafe-inline'",
		"style-src 'self' 'unsafe-inline'",
		"img-src 'self' data:",
		"connect-src " + strings.Join(append([]string{"'self'"}, serverOrigins(doc)...), " "),
		"object-src 'none'",
		"base-uri 'none'",
		"form-action 'self'",
		"frame-ancestors 'none'",
	}, "; ")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", csp)
		ui.ServeHTTP(w, r)
	})
}

// docsTitle is the page title: the document's info.title, or "API" without one.
func docsTitle(doc []byte) string {
	var d struct {
		Info struct {
			Title string `yaml:"title"`
		} `yaml:"info"`
	}
	if yaml.Unmarshal(doc, &d) != nil || d.Info.Title == "" {
		return "API"
	}
	return d.Info.Title
}

// serverOrigins returns the origins (scheme://host[:port]) of the document's absolute
// servers URLs, the places "Try it out" sends requests to.
func serverOrigins(doc []byte) []string {
	var d struct {
		Servers []struct {
			URL string `yaml:"url"`
		} `yaml:"servers"`
	}
	if yaml.Unmarshal(doc, &d) != nil {
		return nil
	}
	var out []string
	for _, s := range d.Servers {
		u, err := url.Parse(s.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			continue
		}
		out = append(out, u.Scheme+"://"+u.Host)
	}
	return out
}
