package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"
	sigsyaml "sigs.k8s.io/yaml"
)

// synthetic metrics are made by Prometheus itself, not by a scraped service.
var synthetic = map[string]bool{"up": true, "scrape_duration_seconds": true, "ALERTS": true}

// checkMetrics: every metric used by a rule (deploy/prometheus/rules/*.yml) or a dashboard
// (deploy/grafana/dashboards/*.json) is a recording rule's output, or exported by a running
// service (scraped from urls now, or earlier by the Prometheus at prom, when prom is set), or,
// for a labelled metric no request has touched yet (a vector without children is not
// exposed), declared by name in the services' Go code; those are listed by name.
func checkMetrics(root string, urls []string, prom string) error {
	scraped, err := scrape(urls)
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	if prom != "" {
		if seen, err = scrapedBy(prom); err != nil {
			return err
		}
	}
	declared, err := declaredInGo(root)
	if err != nil {
		return err
	}
	used := map[string][]string{} // metric -> where
	recorded := map[string]bool{}
	ruleFiles, _ := filepath.Glob(filepath.Join(root, "deploy/prometheus/rules/*.yml"))
	for _, f := range ruleFiles {
		if strings.HasSuffix(f, "_test.yml") {
			continue
		}
		groups, errs := rulefmt.ParseFile(f, false, model.UTF8Validation, parser.NewParser(parser.Options{}), slog.Default())
		if len(errs) > 0 {
			return fmt.Errorf("%s: %w", f, errors.Join(errs...))
		}
		for _, g := range groups.Groups {
			for _, r := range g.Rules {
				if r.Record != "" {
					recorded[r.Record] = true
				}
				if err := collect(r.Expr, filepath.Base(f), used); err != nil {
					return err
				}
			}
		}
	}
	sources, err := provisionedSources(root)
	if err != nil {
		return err
	}
	dashboards, _ := filepath.Glob(filepath.Join(root, "deploy/grafana/dashboards/*.json"))
	for _, f := range dashboards {
		exprs, err := dashboardExprs(f, sources)
		if err != nil {
			return err
		}
		for _, e := range exprs {
			if err := collect(e, filepath.Base(f), used); err != nil {
				return err
			}
		}
	}
	var errs []error
	names := make([]string, 0, len(used))
	for m := range used {
		names = append(names, m)
	}
	sort.Strings(names)
	nScraped, nSeen := 0, 0
	var onlyDeclared []string
	for _, m := range names {
		switch base := family(m); {
		case recorded[m] || synthetic[m]:
		case scraped[base] || scraped[m]:
			nScraped++
		case seen[m]:
			nSeen++
		case declared[base]:
			onlyDeclared = append(onlyDeclared, m)
		default:
			errs = append(errs, fmt.Errorf("metric %s (used in %s) is exported by no service", m, strings.Join(used[m], ", ")))
		}
	}
	fmt.Printf("metrics: %d used by %d rule files and %d dashboards; %d scraped live, %d scraped earlier by Prometheus, %d recorded, %d declared in code only (no sample yet) %v\n",
		len(names), len(ruleFiles)/2, len(dashboards), nScraped, nSeen, len(recorded), len(onlyDeclared), onlyDeclared)
	return errors.Join(errs...)
}

// scrapedBy asks a Prometheus for the names of the series it holds from a scrape (those with
// a job label; recording rules aggregate it away), so a counter that has moved once since the
// stack started counts even after its service restarted.
func scrapedBy(prom string) (map[string]bool, error) {
	u := strings.TrimSuffix(prom, "/") + "/api/v1/label/__name__/values?match[]=" + url.QueryEscape(`{job=~".+"}`)
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Get(u)
	if err != nil {
		return nil, fmt.Errorf("ask %s for metric names: %w", prom, err)
	}
	defer resp.Body.Close()
	var body struct {
		Status string   `json:"status"`
		Data   []string `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || body.Status != "success" {
		return nil, fmt.Errorf("ask %s for metric names: status %d, %q %v", prom, resp.StatusCode, body.Status, err)
	}
	out := make(map[string]bool, len(body.Data))
	for _, n := range body.Data {
		out[n] = true
	}
	return out, nil
}

// collect parses a PromQL expression and records the metric names it selects.
func collect(expr, where string, used map[string][]string) error {
	e, err := parser.NewParser(parser.Options{}).ParseExpr(expr)
	if err != nil {
		return fmt.Errorf("%s: %q: %w", where, expr, err)
	}
	parser.Inspect(e, func(n parser.Node, _ []parser.Node) error {
		if vs, ok := n.(*parser.VectorSelector); ok && vs.Name != "" {
			if !contains(used[vs.Name], where) {
				used[vs.Name] = append(used[vs.Name], where)
			}
		}
		return nil
	})
	return nil
}

// provisionedSources returns the uids of the Prometheus data sources Grafana is provisioned
// with (deploy/grafana/provisioning/datasources).
func provisionedSources(root string) (map[string]bool, error) {
	files, _ := filepath.Glob(filepath.Join(root, "deploy/grafana/provisioning/datasources/*.yml"))
	out := map[string]bool{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var p struct {
			Datasources []struct {
				UID  string `json:"uid"`
				Type string `json:"type"`
			} `json:"datasources"`
		}
		if err := sigsyaml.Unmarshal(b, &p); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		for _, d := range p.Datasources {
			if d.Type == "prometheus" && d.UID != "" {
				out[d.UID] = true
			}
		}
	}
	if len(out) == 0 {
		return nil, errors.New("deploy/grafana/provisioning/datasources provisions no Prometheus data source with a uid")
	}
	return out, nil
}

type dataSourceRef struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

// dashboardExprs returns the PromQL of every target of every panel of a Grafana dashboard,
// whose panels and targets must query one of the provisioned data sources.
func dashboardExprs(file string, sources map[string]bool) ([]string, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var d struct {
		UID    string `json:"uid"`
		Title  string `json:"title"`
		Panels []struct {
			Title      string         `json:"title"`
			Datasource *dataSourceRef `json:"datasource"`
			Targets    []struct {
				Expr       string         `json:"expr"`
				Datasource *dataSourceRef `json:"datasource"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(b, &d); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if d.UID == "" || d.Title == "" || len(d.Panels) == 0 {
		return nil, fmt.Errorf("%s: a dashboard needs a uid, a title and panels", file)
	}
	var out []string
	for _, p := range d.Panels {
		if len(p.Targets) == 0 {
			return nil, fmt.Errorf("%s: panel %q has no query", file, p.Title)
		}
		if p.Datasource == nil || !sources[p.Datasource.UID] {
			return nil, fmt.Errorf("%s: panel %q queries no provisioned Prometheus data source", file, p.Title)
		}
		for _, t := range p.Targets {
			if t.Datasource != nil && !sources[t.Datasource.UID] {
				return nil, fmt.Errorf("%s: a query of panel %q names data source %q, which is not provisioned", file, p.Title, t.Datasource.UID)
			}
			out = append(out, t.Expr)
		}
	}
	return out, nil
}

// scrape reads the metric families (# TYPE lines) each URL exposes; every URL must answer.
func scrape(urls []string) (map[string]bool, error) {
	out := map[string]bool{}
	client := &http.Client{Timeout: 10 * time.Second}
	for _, u := range urls {
		resp, err := client.Get(u)
		if err != nil {
			return nil, fmt.Errorf("scrape %s: %w", u, err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("scrape %s: status %d %v", u, resp.StatusCode, err)
		}
		sc := bufio.NewScanner(strings.NewReader(string(body)))
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			if f := strings.Fields(sc.Text()); len(f) >= 3 && f[0] == "#" && f[1] == "TYPE" {
				out[f[2]] = true
			}
		}
	}
	return out, nil
}

var goMetricName = regexp.MustCompile(`Name:\s*"(ticketly_[a-z0-9_]+)"`)

// declaredInGo finds the metric names declared in the services' code (cmd/, internal/).
func declaredInGo(root string) (map[string]bool, error) {
	out := map[string]bool{}
	for _, dir := range []string{"cmd", "internal"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for _, m := range goMetricName.FindAllStringSubmatch(string(b), -1) {
				out[m[1]] = true
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// family maps a histogram's or summary's series name to its family name.
func family(m string) string {
	for _, s := range []string{"_bucket", "_sum", "_count"} {
		if strings.HasSuffix(m, s) {
			return strings.TrimSuffix(m, s)
		}
	}
	return m
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}
