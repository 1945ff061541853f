package openapi

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// Operation is what a document says about one operation that a router enforces.
type Operation struct {
	// Query names the operation's query parameters (its own and its path's), sorted.
	Query []string
	// Public is true when the operation needs no credentials: its security (or the
	// document's) is empty or has an empty requirement.
	Public bool
}

type parameter struct {
	Ref  string `yaml:"$ref"`
	Name string `yaml:"name"`
	In   string `yaml:"in"`
}

type requirements = []map[string][]string

type operation struct {
	Parameters []parameter   `yaml:"parameters"`
	Security   *requirements `yaml:"security"`
}

// Describe returns every operation of an OpenAPI 3 document keyed "METHOD /path" (as
// RouteKey gives it). Parameters may be given inline or as references to
// #/components/parameters; a reference to anything else is an error. An empty document
// describes no operation.
func Describe(doc []byte) (map[string]Operation, error) {
	var d struct {
		Security   requirements                    `yaml:"security"`
		Paths      map[string]map[string]yaml.Node `yaml:"paths"`
		Components struct {
			Parameters map[string]parameter `yaml:"parameters"`
		} `yaml:"components"`
	}
	if err := yaml.Unmarshal(doc, &d); err != nil {
		return nil, fmt.Errorf("parse openapi document: %w", err)
	}
	resolve := func(ps []parameter) ([]parameter, error) {
		out := make([]parameter, 0, len(ps))
		for _, p := range ps {
			if p.Ref != "" {
				name, ok := strings.CutPrefix(p.Ref, "#/components/parameters/")
				c, found := d.Components.Parameters[name]
				if !ok || !found {
					return nil, fmt.Errorf("parameter reference %q does not resolve", p.Ref)
				}
				p = c
			}
			out = append(out, p)
		}
		return out, nil
	}
	ops := map[string]Operation{}
	for path, item := range d.Paths {
		var shared []parameter
		if n, ok := item["parameters"]; ok {
			if err := n.Decode(&shared); err != nil {
				return nil, fmt.Errorf("parameters of %s: %w", path, err)
			}
		}
		for method, n := range item {
			m := strings.ToUpper(method)
			switch m {
			case http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodHead, http.MethodOptions:
			default:
				continue
			}
			var o operation
			if err := n.Decode(&o); err != nil {
				return nil, fmt.Errorf("%s %s: %w", m, path, err)
			}
			params, err := resolve(append(slices.Clone(shared), o.Parameters...))
			if err != nil {
				return nil, fmt.Errorf("%s %s: %w", m, path, err)
			}
			var query []string
			for _, p := range params {
				if p.In == "query" && !slices.Contains(query, p.Name) {
					query = append(query, p.Name)
				}
			}
			slices.Sort(query)
			sec := d.Security
			if o.Security != nil {
				sec = *o.Security
			}
			public := len(sec) == 0 || slices.ContainsFunc(sec, func(r map[string][]string) bool { return len(r) == 0 })
			ops[m+" "+path] = Operation{Query: query, Public: public}
		}
	}
	return ops, nil
}
