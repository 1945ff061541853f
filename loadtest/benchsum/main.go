// Command benchsum sets the figures of one `make bench` run side by side: it reads the k6
// summary exports (--summary-export) and the other tools' outputs in the run's directory and
// writes summary.md (a markdown table) and summary.json there. deploy/local/bench.sh runs it.
//
//	go run ./loadtest/benchsum -dir /var/lib/ticketly/bench/20261201T030000Z
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "benchsum:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	flags := flag.NewFlagSet("benchsum", flag.ContinueOnError)
	dir := flags.String("dir", "", "the directory of one bench run ($TICKETLY_HOME/bench/<time>)")
	if err := flags.Parse(args); err != nil {
		return err
	}
	if *dir == "" {
		return errors.New("-dir is required")
	}
	rows, err := summarize(os.DirFS(*dir))
	if err != nil {
		return err
	}
	for _, r := range rows {
		// JSON has no NaN: a figure the run did not produce is left out.
		for k, v := range r.Figures {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				delete(r.Figures, k)
			}
		}
	}
	var js bytes.Buffer
	enc := json.NewEncoder(&js)
	enc.SetEscapeHTML(false) // targets read "p95 < 20 ms"
	enc.SetIndent("", "  ")
	if err := enc.Encode(rows); err != nil {
		return fmt.Errorf("encode the summary: %w", err)
	}
	if err := os.WriteFile(filepath.Join(*dir, "summary.json"), js.Bytes(), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(*dir, "summary.md"), []byte(markdown(rows)), 0o644)
}

// Row is one line of the summary. Thresholds is "pass" or "fail: ..." for a k6 benchmark and
// empty otherwise; TargetMet is nil where there is no target or a figure it needs is missing.
type Row struct {
	Name       string             `json:"name"`
	Status     string             `json:"status"`
	Result     string             `json:"result"`
	Figures    map[string]float64 `json:"figures"`
	Thresholds string             `json:"k6_thresholds,omitempty"`
	Target     string             `json:"target,omitempty"`
	TargetMet  *bool              `json:"target_met,omitempty"`
}

// k6Summary is what is read of a k6 --summary-export file: each metric's statistics (count,
// rate, value, med, p(95), ...) and, per threshold expression, whether it was crossed.
type k6Summary struct {
	Metrics map[string]k6Metric `json:"metrics"`
}

type k6Metric struct {
	Stats      map[string]float64
	Thresholds map[string]bool
}

func (m *k6Metric) UnmarshalJSON(b []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	m.Stats = map[string]float64{}
	for k, v := range raw {
		if k == "thresholds" {
			if err := json.Unmarshal(v, &m.Thresholds); err != nil {
				return fmt.Errorf("thresholds: %w", err)
			}
			continue
		}
		var f float64
		if json.Unmarshal(v, &f) == nil {
			m.Stats[k] = f
		}
	}
	return nil
}

// stat returns a metric's statistic, NaN when the run did not produce it.
func (s *k6Summary) stat(metric, name string) float64 {
	if s == nil {
		return math.NaN()
	}
	if v, ok := s.Metrics[metric].Stats[name]; ok {
		return v
	}
	return math.NaN()
}

// thresholds is "pass", or "fail: " and the crossed thresholds.
func (s *k6Summary) thresholds() string {
	if s == nil {
		return ""
	}
	var crossed []string
	for name, m := range s.Metrics {
		for expr, failed := range m.Thresholds {
			if failed {
				crossed = append(crossed, fmt.Sprintf("%s %s", name, expr))
			}
		}
	}
	if len(crossed) == 0 {
		return "pass"
	}
	sort.Strings(crossed)
	return "fail: " + strings.Join(crossed, ", ")
}

// bench is one run's directory.
type bench struct {
	dir    fs.FS
	status map[string]int // exit status per benchmark, from status.txt
}

func summarize(dir fs.FS) ([]Row, error) {
	b := bench{dir: dir, status: map[string]int{}}
	if text, err := fs.ReadFile(dir, "status.txt"); err == nil {
		for _, line := range strings.Split(string(text), "\n") {
			name, code, ok := strings.Cut(strings.TrimSpace(line), " ")
			if n, err := strconv.Atoi(code); ok && err == nil {
				b.status[name] = n
			}
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}

	var rows []Row
	add := func(r Row, err error) error {
		if err != nil {
			return err
		}
		if r.Name != "" {
			rows = append(rows, r)
		}
		return nil
	}
	pg, err := b.pgbench()
	if err := add(pg, err); err != nil {
		return nil, err
	}
	tps := math.NaN()
	if pg.Name != "" {
		tps = pg.Figures["tps"]
	}
	for _, f := range []func(float64) (Row, error){b.session, b.distinct, b.refusals} {
		if err := add(f(tps)); err != nil {
			return nil, err
		}
	}
	races, err := b.races()
	if err != nil {
		return nil, err
	}
	rows = append(rows, races...)
	for _, f := range []func() (Row, error){b.query, b.freshness, b.sse, b.scheduler, b.web} {
		if err := add(f()); err != nil {
			return nil, err
		}
	}
	for i := range rows {
		if strings.HasPrefix(rows[i].Status, "could not run") {
			rows[i].Result = ""
		}
	}
	return rows, nil
}

// row starts the row of benchmark name (its files are name.txt, name.json); ok is false when
// the run has no trace of it.
func (b bench) row(title, name string) (Row, bool) {
	code, ran := b.status[name]
	_, errTxt := fs.Stat(b.dir, name+".txt")
	_, errJSON := fs.Stat(b.dir, name+".json")
	if !ran && errTxt != nil && errJSON != nil {
		return Row{}, false
	}
	r := Row{Name: title, Status: "ran", Figures: map[string]float64{}}
	switch {
	case !ran:
	case code == 99:
		r.Status = "ran (k6 thresholds crossed)"
	case code != 0:
		r.Status = fmt.Sprintf("could not run (exit %d)", code)
	}
	return r, true
}

// k6 reads name.json, nil when there is none.
// k6Row is the row of a k6 benchmark with its summary and thresholds; ok is false when the
// benchmark did not run.
func (b bench) k6Row(title, name string) (r Row, s *k6Summary, ok bool, err error) {
	if r, ok = b.row(title, name); !ok {
		return r, nil, false, nil
	}
	if s, err = b.k6(name); err != nil {
		return r, nil, true, err
	}
	r.Thresholds = s.thresholds()
	return r, s, true, nil
}

func (b bench) k6(name string) (*k6Summary, error) {
	data, err := fs.ReadFile(b.dir, name+".json")
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var s k6Summary
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("read the k6 summary %s.json: %w", name, err)
	}
	return &s, nil
}

// fields returns the key=value pairs of the first line of name.txt that starts with prefix.
func (b bench) fields(name, prefix string) map[string]string {
	out := map[string]string{}
	text, err := fs.ReadFile(b.dir, name+".txt")
	if err != nil {
		return out
	}
	sc := bufio.NewScanner(bytes.NewReader(text))
	for sc.Scan() {
		if !strings.HasPrefix(sc.Text(), prefix) {
			continue
		}
		for _, f := range strings.Fields(sc.Text()) {
			if k, v, ok := strings.Cut(f, "="); ok {
				out[k] = v
			}
		}
		break
	}
	return out
}

// number reads a plain number or a Go duration (in ms); NaN when it is neither.
func number(s string) float64 {
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return f
	}
	if d, err := time.ParseDuration(s); err == nil {
		return float64(d) / float64(time.Millisecond)
	}
	return math.NaN()
}

var (
	pgTPS     = regexp.MustCompile(`(?m)^tps = ([0-9.]+)`)
	pgLatency = regexp.MustCompile(`(?m)^latency average = ([0-9.]+) ms`)
)

func (b bench) pgbench() (Row, error) {
	r, ok := b.row("pgbench tpcb-like", "pgbench")
	if !ok {
		return r, nil
	}
	text, _ := fs.ReadFile(b.dir, "pgbench.txt")
	r.Figures["tps"], r.Figures["latency_avg_ms"] = math.NaN(), math.NaN()
	if m := pgTPS.FindSubmatch(text); m != nil {
		r.Figures["tps"] = number(string(m[1]))
	}
	if m := pgLatency.FindSubmatch(text); m != nil {
		r.Figures["latency_avg_ms"] = number(string(m[1]))
	}
	r.Result = fmt.Sprintf("%s tps, latency %s ms avg", f0(r.Figures["tps"]), f1(r.Figures["latency_avg_ms"]))
	return r, nil
}

// orders is a stress scenario whose orders are counted in PostgreSQL by bench.sh.
func (b bench) orders(title, name string, tps float64) (Row, *k6Summary, error) {
	r, s, ok, err := b.k6Row(title, "stress-"+name)
	if !ok || err != nil {
		return r, nil, err
	}
	r.Figures["orders_per_s"] = number(b.fields("stress-"+name, "orders_per_s=")["orders_per_s"])
	r.Figures["orders"] = number(b.fields("stress-"+name, "orders_per_s=")["orders"])
	r.Figures["p95_ms"] = s.stat("http_req_duration{name:"+name+"}", "p(95)")
	r.Figures["ratio_to_pgbench_tps"] = r.Figures["orders_per_s"] / tps
	r.Result = fmt.Sprintf("%s orders/s (%s orders), p95 %s ms, %s × pgbench tps",
		f1(r.Figures["orders_per_s"]), f0(r.Figures["orders"]), f1(r.Figures["p95_ms"]), f2(r.Figures["ratio_to_pgbench_tps"]))
	return r, s, nil
}

func (b bench) session(tps float64) (Row, error) {
	r, _, err := b.orders("orders, distinct seats of one session", "session", tps)
	r.Target = "≥ 0.25 × pgbench tps"
	r.TargetMet = met(r.Figures["ratio_to_pgbench_tps"] >= 0.25, r.Figures["ratio_to_pgbench_tps"])
	return r, err
}

func (b bench) distinct(tps float64) (Row, error) {
	r, _, err := b.orders("orders, distinct seats across sessions", "distinct", tps)
	return r, err
}

func (b bench) refusals(tps float64) (Row, error) {
	r, s, ok, err := b.k6Row("refusals (409 on held seats)", "stress-contended")
	if !ok || err != nil {
		return r, err
	}
	r.Figures["refusals"] = s.stat("orders_rejected", "count")
	r.Figures["refusals_per_s"] = r.Figures["refusals"] / s.stat("scenario_seconds", "value")
	r.Figures["p95_ms"] = s.stat("http_req_duration{name:contended}", "p(95)")
	r.Figures["ratio_to_pgbench_tps"] = r.Figures["refusals_per_s"] / tps
	r.Result = fmt.Sprintf("%s refusals/s, p95 %s ms, %s × pgbench tps",
		f1(r.Figures["refusals_per_s"]), f1(r.Figures["p95_ms"]), f2(r.Figures["ratio_to_pgbench_tps"]))
	r.Target = "≥ 2 × pgbench tps, p95 < 20 ms"
	r.TargetMet = met(r.Figures["ratio_to_pgbench_tps"] >= 2 && r.Figures["p95_ms"] < 20,
		r.Figures["ratio_to_pgbench_tps"], r.Figures["p95_ms"])
	return r, nil
}

var raceFile = regexp.MustCompile(`^race-([0-9]+)\.(txt|json)$`)

// races is one row per race-<VUs> run, fewest VUs first.
func (b bench) races() ([]Row, error) {
	entries, err := fs.ReadDir(b.dir, ".")
	if err != nil {
		return nil, err
	}
	seen := map[int]bool{}
	var sizes []int
	for _, e := range entries {
		if m := raceFile.FindStringSubmatch(e.Name()); m != nil {
			n, _ := strconv.Atoi(m[1])
			if !seen[n] {
				seen[n] = true
				sizes = append(sizes, n)
			}
		}
	}
	sort.Ints(sizes)
	var rows []Row
	for _, vus := range sizes {
		name := fmt.Sprintf("race-%d", vus)
		r, s, _, err := b.k6Row(fmt.Sprintf("race, %d VUs on 16 seats", vus), name)
		if err != nil {
			return nil, err
		}
		r.Figures["p95_ms"] = s.stat("http_req_duration{name:race}", "p(95)")
		r.Figures["req_per_s"] = (s.stat("orders_created", "count") + s.stat("orders_taken", "count") + s.stat("orders_other", "count")) /
			s.stat("scenario_seconds", "value")
		r.Figures["sold"] = s.stat("orders_created", "count")
		r.Figures["orders_created_in_db"] = number(b.fields(name, "orders_created_in_db=")["orders_created_in_db"])
		r.Figures["double_bookings"] = number(b.fields(name, "double_bookings=")["double_bookings"])
		r.Result = fmt.Sprintf("p95 %s ms, %s req/s, %s sold (%s orders in PostgreSQL), %s double bookings",
			f1(r.Figures["p95_ms"]), f0(r.Figures["req_per_s"]), f0(r.Figures["sold"]), f0(r.Figures["orders_created_in_db"]), f0(r.Figures["double_bookings"]))
		sold := r.Figures["sold"] == 16 && r.Figures["orders_created_in_db"] == 16 && r.Figures["double_bookings"] == 0
		r.Target = "exactly 16 sold, 0 double bookings"
		r.TargetMet = met(sold, r.Figures["sold"], r.Figures["orders_created_in_db"], r.Figures["double_bookings"])
		if vus == 1000 {
			r.Target = "p95 ≤ 250 ms, " + r.Target
			r.TargetMet = met(sold && r.Figures["p95_ms"] <= 250, r.Figures["p95_ms"], r.Figures["sold"],
				r.Figures["orders_created_in_db"], r.Figures["double_bookings"])
		}
		rows = append(rows, r)
	}
	return rows, nil
}

func (b bench) query() (Row, error) {
	r, s, ok, err := b.k6Row("event-query reads (query.js)", "query")
	if !ok || err != nil {
		return r, err
	}
	r.Figures["req_per_s"] = s.stat("http_reqs", "rate")
	r.Figures["p95_ms"] = s.stat("http_req_duration", "p(95)")
	r.Result = fmt.Sprintf("%s req/s, p95 %s ms", f0(r.Figures["req_per_s"]), f1(r.Figures["p95_ms"]))
	return r, nil
}

func (b bench) freshness() (Row, error) {
	return b.latency("CDC freshness (commit → served)", "freshness", "cdc_freshness ", "changes")
}

func (b bench) sse() (Row, error) {
	return b.latency("SSE (order 201 → event on every stream)", "sse", "sse_latency ", "clients")
}

// latency is the row of a tool that prints one line "<prefix>p50=… p95=… <count>=…".
func (b bench) latency(title, name, prefix, count string) (Row, error) {
	r, ok := b.row(title, name)
	if !ok {
		return r, nil
	}
	f := b.fields(name, prefix)
	r.Figures["p50_ms"], r.Figures["p95_ms"] = number(f["p50"]), number(f["p95"])
	r.Result = fmt.Sprintf("p50 %s ms, p95 %s ms (%s %s)", f1(r.Figures["p50_ms"]), f1(r.Figures["p95_ms"]), f[count], count)
	return r, nil
}

func (b bench) scheduler() (Row, error) {
	r, ok := b.row("scheduler", "scheduler")
	if !ok {
		return r, nil
	}
	open := b.fields("scheduler", "scheduler_open_delay ")
	r.Figures["open_delay_p50_ms"], r.Figures["open_delay_p99_ms"] = number(open["p50"]), number(open["p99"])
	r.Figures["mails_per_s"] = number(b.fields("scheduler", "scheduler_mails ")["mails_per_s"])
	r.Figures["jobs_per_s"] = number(b.fields("scheduler", "scheduler_jobs ")["jobs_per_s"])
	r.Result = fmt.Sprintf("sales open p50 %s ms, p99 %s ms; %s mails/s; %s jobs/s", f1(r.Figures["open_delay_p50_ms"]),
		f1(r.Figures["open_delay_p99_ms"]), f0(r.Figures["mails_per_s"]), f0(r.Figures["jobs_per_s"]))
	return r, nil
}

// webMeasure is what is read of loadtest/web/measure.mjs's JSON.
type webMeasure struct {
	Render []struct {
		Seats    int     `json:"seats"`
		MedianMS float64 `json:"median_ms"`
	} `json:"render"`
	Holds struct {
		P50MS float64 `json:"p50_ms"`
		P95MS float64 `json:"p95_ms"`
	} `json:"holds"`
}

func (b bench) web() (Row, error) {
	r, ok := b.row("web (seat map, order → LOCKED)", "web")
	if !ok {
		return r, nil
	}
	data, err := fs.ReadFile(b.dir, "web.json")
	if errors.Is(err, fs.ErrNotExist) {
		r.Result = "no web.json"
		return r, nil
	}
	if err != nil {
		return r, err
	}
	var w webMeasure
	if err := json.Unmarshal(data, &w); err != nil {
		return r, fmt.Errorf("read web.json: %w", err)
	}
	var parts []string
	for _, x := range w.Render {
		r.Figures[fmt.Sprintf("render_%d_seats_median_ms", x.Seats)] = x.MedianMS
		parts = append(parts, fmt.Sprintf("%d-seat map %s ms", x.Seats, f0(x.MedianMS)))
	}
	r.Figures["locked_p50_ms"], r.Figures["locked_p95_ms"] = w.Holds.P50MS, w.Holds.P95MS
	parts = append(parts, fmt.Sprintf("201 → LOCKED p50 %s ms, p95 %s ms", f1(w.Holds.P50MS), f1(w.Holds.P95MS)))
	r.Result = strings.Join(parts, "; ")
	return r, nil
}

// met is the verdict ok, or nil when a figure it was drawn from is missing.
func met(ok bool, figures ...float64) *bool {
	for _, f := range figures {
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil
		}
	}
	return &ok
}

func format(f float64, digits int) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "n/a"
	}
	return strconv.FormatFloat(f, 'f', digits, 64)
}

func f0(f float64) string { return format(f, 0) }
func f1(f float64) string { return format(f, 1) }
func f2(f float64) string { return format(f, 2) }

func markdown(rows []Row) string {
	var sb strings.Builder
	sb.WriteString("| benchmark | result | k6 thresholds | target | met |\n|---|---|---|---|---|\n")
	for _, r := range rows {
		result := r.Result
		if r.Status != "ran" {
			result = strings.TrimSuffix(r.Status+". "+result, ". ")
		}
		verdict := ""
		switch {
		case r.Target == "":
		case r.TargetMet == nil:
			verdict = "n/a"
		case *r.TargetMet:
			verdict = "met"
		default:
			verdict = "missed"
		}
		thresholds := r.Thresholds
		if thresholds == "" {
			thresholds = "-"
		}
		fmt.Fprintf(&sb, "| %s | %s | %s | %s | %s |\n", r.Name, result, thresholds, r.Target, verdict)
	}
	return sb.String()
}
