package main

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// testdata/run is a tiny `make bench` run as bench.sh left it (k6 summary exports with their
// setup data, which holds access tokens, removed): race-3 crossed its thresholds on purpose
// (RACE_P95_MS=1), stress-distinct met a seat taken meanwhile, sse could not run.
func TestSummarize(t *testing.T) {
	t.Parallel()
	rows, err := summarize(os.DirFS("testdata/run"))
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]Row{}
	var order []string
	for _, r := range rows {
		byName[r.Name] = r
		order = append(order, r.Name)
	}
	wantOrder := []string{"pgbench tpcb-like", "orders, distinct seats of one session", "orders, distinct seats across sessions",
		"refusals (409 on held seats)", "race, 3 VUs on 16 seats", "race, 10 VUs on 16 seats", "CDC freshness (commit → served)",
		"SSE (order 201 → event on every stream)", "scheduler", "web (seat map, order → LOCKED)"}
	if strings.Join(order, "|") != strings.Join(wantOrder, "|") {
		t.Fatalf("rows\n got %q\nwant %q", order, wantOrder)
	}

	tests := []struct {
		row, figure string
		want        float64
	}{
		{"pgbench tpcb-like", "tps", 1473.5481},
		{"pgbench tpcb-like", "latency_avg_ms", 5.429},
		{"orders, distinct seats of one session", "orders_per_s", 124.4},
		{"orders, distinct seats of one session", "p95_ms", 66.8744922},
		{"orders, distinct seats of one session", "ratio_to_pgbench_tps", 124.4 / 1473.5481},
		{"orders, distinct seats across sessions", "orders", 39},
		{"refusals (409 on held seats)", "refusals", 3275},
		{"refusals (409 on held seats)", "refusals_per_s", 3275 / 3.08},
		{"refusals (409 on held seats)", "p95_ms", 11.939111399999982},
		{"race, 10 VUs on 16 seats", "p95_ms", 113.04711819999986},
		{"race, 10 VUs on 16 seats", "sold", 16},
		{"race, 10 VUs on 16 seats", "double_bookings", 0},
		{"race, 3 VUs on 16 seats", "orders_created_in_db", 15},
		{"CDC freshness (commit → served)", "p95_ms", 62.9},
		{"scheduler", "jobs_per_s", 1685},
		{"scheduler", "open_delay_p99_ms", 82},
		{"web (seat map, order → LOCKED)", "render_10000_seats_median_ms", 1024.7},
		{"web (seat map, order → LOCKED)", "locked_p95_ms", 26.8},
	}
	for _, tt := range tests {
		got, ok := byName[tt.row].Figures[tt.figure]
		if !ok || math.Abs(got-tt.want) > 1e-6*math.Max(1, math.Abs(tt.want)) {
			t.Errorf("%s %s = %v (present %v), want %v", tt.row, tt.figure, got, ok, tt.want)
		}
	}

	verdicts := []struct {
		row, status, thresholds string
		met                     *bool
	}{
		{"orders, distinct seats of one session", "ran", "pass", ptr(false)},
		{"orders, distinct seats across sessions", "ran (k6 thresholds crossed)", "fail: orders_unexpected count==0", nil},
		{"race, 3 VUs on 16 seats", "ran (k6 thresholds crossed)", "fail: http_req_duration{name:race} p(95)<1, orders_created count==16", ptr(false)},
		{"race, 10 VUs on 16 seats", "ran", "pass", ptr(true)},
		{"SSE (order 201 → event on every stream)", "could not run (exit 1)", "", nil},
		{"CDC freshness (commit → served)", "ran", "", nil},
	}
	for _, v := range verdicts {
		r := byName[v.row]
		if r.Status != v.status || r.Thresholds != v.thresholds || !sameVerdict(r.TargetMet, v.met) {
			t.Errorf("%s: status %q thresholds %q met %v, want %q %q %v", v.row, r.Status, r.Thresholds, deref(r.TargetMet), v.status, v.thresholds, deref(v.met))
		}
	}
}

func TestRunWritesSummary(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, name := range []string{"race-10.json", "race-10.txt", "status.txt"} {
		data, err := os.ReadFile(filepath.Join("testdata/run", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := run([]string{"-dir", dir}); err != nil {
		t.Fatal(err)
	}
	md, err := os.ReadFile(filepath.Join(dir, "summary.md"))
	if err != nil {
		t.Fatal(err)
	}
	want := "| race, 10 VUs on 16 seats | p95 113.0 ms, 421 req/s, 16 sold (16 orders in PostgreSQL), 0 double bookings | pass | exactly 16 sold, 0 double bookings | met |"
	if !strings.Contains(string(md), want) {
		t.Errorf("summary.md\n%s\nlacks\n%s", md, want)
	}
	js, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(js), `"target_met": true`) {
		t.Errorf("summary.json lacks the verdict:\n%s", js)
	}
}

func ptr(b bool) *bool { return &b }

func deref(b *bool) any {
	if b == nil {
		return nil
	}
	return *b
}

func sameVerdict(a, b *bool) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }
