package httpapi

import (
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/go-chi/chi/v5"
)

// CORS request headers a browser may send cross-origin, and response headers its scripts
// may read.
const (
	corsAllowHeaders  = "Authorization, Content-Type, Idempotency-Key, Last-Event-ID, Cache-Control, X-Request-Id"
	corsExposeHeaders = "Content-Type, Location, Retry-After, X-Request-Id"
	corsMaxAge        = "600"
)

// corsPolicy lets browsers on origins ("*" for any) call a service. Credentials (cookies)
// are never allowed: the APIs take bearer tokens in the Authorization header.
type corsPolicy struct {
	anyOrigin bool
	origins   []string
	// methods lists the methods routed for a request's path (none: no route).
	methods func(*http.Request) []string
}

func newCORSPolicy(origins []string, methods func(*http.Request) []string) corsPolicy {
	return corsPolicy{anyOrigin: slices.Contains(origins, "*"), origins: origins, methods: methods}
}

func (p corsPolicy) allows(origin string) bool {
	return origin != "" && (p.anyOrigin || slices.Contains(p.origins, origin))
}

// handler adds the CORS response headers for allowed origins and answers OPTIONS itself
// on every routed path that has no OPTIONS route: 204 with Allow, and for a preflight from
// an allowed origin the Access-Control-Allow-* headers (the methods are the path's own).
// Routing never sees such a request, so no 405 and no authentication stands in the way.
func (p corsPolicy) handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		origin := r.Header.Get("Origin")
		allowed := p.allows(origin)
		if len(p.origins) > 0 && !p.anyOrigin {
			h.Add("Vary", "Origin")
		}
		if allowed {
			if p.anyOrigin {
				h.Set("Access-Control-Allow-Origin", "*")
			} else {
				h.Set("Access-Control-Allow-Origin", origin)
			}
			h.Set("Access-Control-Expose-Headers", corsExposeHeaders)
		}
		if r.Method != http.MethodOptions {
			next.ServeHTTP(w, r)
			return
		}
		methods := p.methods(r)
		if len(methods) == 0 || slices.Contains(methods, http.MethodOptions) {
			next.ServeHTTP(w, r) // no route (404), or the route answers OPTIONS itself
			return
		}
		allow := strings.Join(append(methods, http.MethodOptions), ", ")
		h.Set("Allow", allow)
		if allowed && r.Header.Get("Access-Control-Request-Method") != "" {
			h.Set("Access-Control-Allow-Methods", allow)
			h.Set("Access-Control-Allow-Headers", corsAllowHeaders)
			h.Set("Access-Control-Max-Age", corsMaxAge)
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

// standardMethods are the methods a route may be registered for; the order is the one of
// Allow headers.
var standardMethods = []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut,
	http.MethodPatch, http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace}

// routedMethods returns the methods mux routes for r's path. A path that a route names
// literally (/organizations/mine beside /organizations/{id}) belongs to that route alone:
// a literal segment is never the value of a parameter, so only the literal route's methods
// count.
func routedMethods(mux *chi.Mux) func(*http.Request) []string {
	return func(r *http.Request) []string {
		path := routedPath(r)
		var out, literal []string
		for _, m := range standardMethods {
			p := mux.Find(chi.NewRouteContext(), m, path)
			if p == "" {
				continue
			}
			out = append(out, m)
			if isLiteral(p) {
				literal = append(literal, m)
			}
		}
		if len(literal) > 0 {
			return literal
		}
		return out
	}
}

func routedPath(r *http.Request) string {
	if r.URL.RawPath != "" {
		return r.URL.RawPath
	}
	return r.URL.Path
}

func isLiteral(pattern string) bool { return !strings.ContainsAny(pattern, "{*") }

// literalRoutes answers 405 to a request that reaches a parameter route only because its
// method is missing on the literal route of the same path (PATCH /organizations/mine would
// otherwise be taken for PATCH /organizations/{id} with id "mine"). The literal paths are
// collected once, at the first request (every route is registered by then), so a request
// whose path no literal route names costs one map lookup.
func literalRoutes(mux *chi.Mux, methods func(*http.Request) []string, notAllowed http.HandlerFunc) func(http.Handler) http.Handler {
	literal := sync.OnceValue(func() map[string]bool {
		paths := map[string]bool{}
		_ = chi.Walk(mux, func(_, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
			if isLiteral(route) {
				paths[route] = true
			}
			return nil
		})
		return paths
	})
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			path := routedPath(r)
			if literal()[path] {
				if p := mux.Find(chi.NewRouteContext(), r.Method, path); p != "" && !isLiteral(p) && !slices.Contains(methods(r), r.Method) {
					notAllowed(w, r)
					return
				}
			}
			next.ServeHTTP(w, r)
		})
	}
}
