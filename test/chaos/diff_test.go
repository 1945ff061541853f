//go:build chaos

package chaos_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
)

// diff compares the fields named in keys of two documents (any value with a JSON form)
// and lists every difference as "path: want X, got Y". Below the named fields every field
// counts; a missing field, null and an empty list, object or string count as the same (the
// read model omits empty fields). Fields a document keeps for its own bookkeeping (LSN
// guards, change counters) are simply not named.
func diff(want, got any, keys ...string) []string {
	w, err1 := generic(want)
	g, err2 := generic(got)
	if err1 != nil || err2 != nil {
		return []string{fmt.Sprintf("cannot compare: %v %v", err1, err2)}
	}
	var out []string
	walk("", pick(w, keys), pick(g, keys), &out)
	return out
}

// pick keeps the named fields of a JSON object (all of them when keys is empty).
func pick(v any, keys []string) any {
	m, ok := v.(map[string]any)
	if !ok || len(keys) == 0 {
		return v
	}
	out := make(map[string]any, len(keys))
	for _, k := range keys {
		out[k] = m[k]
	}
	return out
}

func generic(v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var out any
	err = json.Unmarshal(b, &out)
	return out, err
}

func empty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case []any:
		return len(x) == 0
	case map[string]any:
		return len(x) == 0
	case string:
		return x == ""
	}
	return false
}

func walk(path string, w, g any, out *[]string) {
	if empty(w) && empty(g) {
		return
	}
	switch wv := w.(type) {
	case map[string]any:
		gv, ok := g.(map[string]any)
		if !ok {
			*out = append(*out, fmt.Sprintf("%s: want %s, got %s", orRoot(path), short(w), short(g)))
			return
		}
		keys := map[string]bool{}
		for k := range wv {
			keys[k] = true
		}
		for k := range gv {
			keys[k] = true
		}
		sorted := make([]string, 0, len(keys))
		for k := range keys {
			sorted = append(sorted, k)
		}
		sort.Strings(sorted)
		for _, k := range sorted {
			walk(path+"."+k, wv[k], gv[k], out)
		}
	case []any:
		gv, ok := g.([]any)
		if !ok || len(gv) != len(wv) {
			*out = append(*out, fmt.Sprintf("%s: want %s, got %s", orRoot(path), short(w), short(g)))
			return
		}
		for i := range wv {
			walk(fmt.Sprintf("%s[%d]", path, i), wv[i], gv[i], out)
		}
	default:
		if !reflect.DeepEqual(w, g) {
			*out = append(*out, fmt.Sprintf("%s: want %s, got %s", orRoot(path), short(w), short(g)))
		}
	}
}

func orRoot(p string) string {
	if p == "" {
		return "(document)"
	}
	return strings.TrimPrefix(p, ".")
}

func short(v any) string {
	b, _ := json.Marshal(v)
	if len(b) > 160 {
		return string(b[:160]) + "…"
	}
	return string(b)
}
