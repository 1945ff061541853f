// Package openapi keeps each service's OpenAPI document true: it lists the operations a
// document declares so a test can compare them with the routes the service really serves,
// and tells a router what each operation accepts (Describe).
package openapi

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
	"gopkg.in/yaml.v3"
)

// DocsPath is where every service serves Swagger UI for its document (httpapi.NewRouter):
// the page and its assets are not API operations, so Routes leaves them out and a
// document does not list them.
const DocsPath = "/docs"

// Operations returns "METHOD /path" for every operation in an OpenAPI 3 document, sorted.
func Operations(doc []byte) ([]string, error) {
	var d struct {
		OpenAPI string                               `yaml:"openapi"`
		Paths   map[string]map[string]map[string]any `yaml:"paths"`
	}
	if err := yaml.Unmarshal(doc, &d); err != nil {
		return nil, fmt.Errorf("parse openapi document: %w", err)
	}
	if !strings.HasPrefix(d.OpenAPI, "3.") {
		return nil, fmt.Errorf("openapi version %q is not 3.x", d.OpenAPI)
	}
	var ops []string
	for path, item := range d.Paths {
		for method := range item {
			m := strings.ToUpper(method)
			switch m {
			case http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodHead, http.MethodOptions:
				ops = append(ops, m+" "+path)
			}
		}
	}
	slices.Sort(ops)
	return ops, nil
}

// Routes returns "METHOD /path" for every route of a chi router, sorted, with chi's
// {param} syntax (the same as OpenAPI's), leaving out the Swagger UI under DocsPath.
func Routes(r chi.Routes) ([]string, error) {
	var ops []string
	err := chi.Walk(r, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		if route == DocsPath || strings.HasPrefix(route, DocsPath+"/") {
			return nil
		}
		ops = append(ops, RouteKey(method, route))
		return nil
	})
	slices.Sort(ops)
	return slices.Compact(ops), err
}

// RouteKey returns "METHOD /path" for a chi route pattern (as chi.Walk or Mux.Find give
// it), the form Operations and Describe use.
func RouteKey(method, pattern string) string {
	pattern = strings.ReplaceAll(pattern, "/*/", "/")
	if len(pattern) > 1 {
		pattern = strings.TrimSuffix(pattern, "/")
	}
	return method + " " + pattern
}

// Diff returns the operations only in the document and only in the router.
func Diff(doc []byte, r chi.Routes) (onlyDoc, onlyRouter []string, err error) {
	d, err := Operations(doc)
	if err != nil {
		return nil, nil, err
	}
	rt, err := Routes(r)
	if err != nil {
		return nil, nil, err
	}
	for _, op := range d {
		if !slices.Contains(rt, op) {
			onlyDoc = append(onlyDoc, op)
		}
	}
	for _, op := range rt {
		if !slices.Contains(d, op) {
			onlyRouter = append(onlyRouter, op)
		}
	}
	return onlyDoc, onlyRouter, nil
}

// AssertMatches fails t unless the document and the router list the same operations.
func AssertMatches(t testing.TB, doc []byte, r chi.Routes) {
	t.Helper()
	onlyDoc, onlyRouter, err := Diff(doc, r)
	if err != nil {
		t.Fatal(err)
	}
	if len(onlyDoc) > 0 {
		t.Errorf("documented in openapi.yaml but not served: %v", onlyDoc)
	}
	if len(onlyRouter) > 0 {
		t.Errorf("served but missing from openapi.yaml: %v", onlyRouter)
	}
}
