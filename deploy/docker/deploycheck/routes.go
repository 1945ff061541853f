package main

import (
	"fmt"
	"os"
	"regexp"
	"strings"
)

// direct is the condition under which Traefik sends an API request straight to its service:
// it brings its own Authorization header, or no session cookie of the web app (which would
// have to swap the cookie for a bearer token, web/lib/proxy.ts).
const direct = "(HeaderRegexp(`Authorization`, `.+`) || !HeaderRegexp(`Cookie`, `(^|;\\s*)tl_session\\.0=`))"

var (
	rulesTable = regexp.MustCompile(`(?s)export const RULES[^=]*=\s*\[(.*?)\n\];`)
	ruleLine   = regexp.MustCompile(`\{\s*methods:\s*(GET|ANY|\[[^\]]*\]),\s*pattern:\s*"([^"]+)",\s*service:\s*"([^"]+)"\s*\}`)
	quoted     = regexp.MustCompile(`"([A-Z]+)"`)
)

// checkRoutes: the IngressRoute's routes are web/lib/routes.ts's rules, in the same order
// (falling priorities: the first match wins), each to the owning service on its port.
func checkRoutes(m *manifests, routesTS string) error {
	if len(m.routes) != 1 {
		return fmt.Errorf("want one IngressRoute, found %d", len(m.routes))
	}
	src, err := os.ReadFile(routesTS)
	if err != nil {
		return err
	}
	table := rulesTable.FindSubmatch(src)
	if table == nil {
		return fmt.Errorf("%s: no RULES table", routesTS)
	}
	want := ruleLine.FindAllStringSubmatch(string(table[1]), -1)
	got, _, _ := unstructuredSlice(m.routes[0].Object, "spec", "routes")
	if len(got) != len(want) {
		return fmt.Errorf("IngressRoute has %d routes, %s has %d rules", len(got), routesTS, len(want))
	}
	prio := int64(1 << 62)
	for i, w := range want {
		r, _ := got[i].(map[string]any)
		match, _ := r["match"].(string)
		if exp := expectedMatch(w[1], w[2]); match != exp {
			return fmt.Errorf("IngressRoute route %d: match %q, want %q (rule %s %s)", i, match, exp, w[1], w[2])
		}
		p, _ := r["priority"].(int64)
		if p == 0 {
			if f, ok := r["priority"].(float64); ok {
				p = int64(f)
			}
		}
		if p >= prio {
			return fmt.Errorf("IngressRoute route %d: priority %d does not fall", i, p)
		}
		prio = p
		svcs, _ := r["services"].([]any)
		if len(svcs) != 1 {
			return fmt.Errorf("IngressRoute route %d: want one service", i)
		}
		s, _ := svcs[0].(map[string]any)
		name, _ := s["name"].(string)
		port, _ := s["port"].(int64)
		if port == 0 {
			if f, ok := s["port"].(float64); ok {
				port = int64(f)
			}
		}
		svc, ok := m.services[name]
		if name != w[3] || !ok || !serviceHasPort(svc, "", int32(port)) {
			return fmt.Errorf("IngressRoute route %d (%s): service %s:%d, want %s on one of its ports", i, w[2], name, port, w[3])
		}
	}
	return nil
}

// expectedMatch is the Traefik rule of one routes.ts rule on the web host.
func expectedMatch(methods, pattern string) string {
	var re strings.Builder
	for _, seg := range strings.Split(strings.Trim(pattern, "/"), "/") {
		switch seg {
		case "**":
			re.WriteString("(/.*)?")
		case "*":
			re.WriteString("/[^/]+")
		default:
			re.WriteString("/" + seg)
		}
	}
	match := "Host(`tickets.ticketly.example`) && PathRegexp(`^" + re.String() + "$`) && " + direct
	var ms []string
	switch methods {
	case "ANY":
	case "GET":
		ms = []string{"GET", "HEAD"}
	default:
		for _, q := range quoted.FindAllStringSubmatch(methods, -1) {
			ms = append(ms, q[1])
		}
	}
	switch len(ms) {
	case 0:
	case 1:
		match += " && Method(`" + ms[0] + "`)"
	default:
		parts := make([]string, len(ms))
		for i, x := range ms {
			parts[i] = "Method(`" + x + "`)"
		}
		match += " && (" + strings.Join(parts, " || ") + ")"
	}
	return match
}

func unstructuredSlice(obj map[string]any, path ...string) ([]any, bool, error) {
	var cur any = obj
	for _, p := range path {
		mm, ok := cur.(map[string]any)
		if !ok {
			return nil, false, nil
		}
		cur = mm[p]
	}
	s, ok := cur.([]any)
	return s, ok, nil
}
