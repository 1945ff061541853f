// Command demodata loads the demo data of SPEC section 6 through the public command API,
// as an organizer and an admin would: the organization of `organizer`, the approved event
// "Ticketly Demo Night" with two ON_SALE sessions of over 1,000 seats in several tiers, a
// few blocked seats and a standing area. It is idempotent (it continues from whatever a
// previous run left) and returns once event-query serves the event.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
)

const (
	orgName    = "Ticketly Demo"
	eventTitle = "Ticketly Demo Night"
)

type client struct {
	http    *http.Client
	command string
	query   string
	tokens  map[string]string
	kc      string
}

func main() {
	var c client
	flag.StringVar(&c.command, "command", "http://127.0.0.1:8081", "event-command base URL")
	flag.StringVar(&c.query, "query", "http://127.0.0.1:8082", "event-query base URL")
	flag.StringVar(&c.kc, "keycloak", "http://localhost:8180", "Keycloak base URL")
	wait := flag.Duration("wait", 2*time.Minute, "how long to wait for event-query to serve the event")
	flag.Parse()
	c.http = &http.Client{Timeout: 30 * time.Second}
	c.tokens = map[string]string{}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	ctx, cancel := context.WithTimeout(context.Background(), *wait+time.Minute)
	defer cancel()
	id, err := c.load(ctx, log)
	if err == nil {
		err = c.awaitServed(ctx, id, *wait)
	}
	if err != nil {
		log.Error("demo data", "err", err)
		os.Exit(1)
	}
	log.Info("demo data served", "event_id", id, "url", c.query+"/api/v1/events/"+id)
}

func (c *client) token(ctx context.Context, user string) (string, error) {
	if t, ok := c.tokens[user]; ok {
		return t, nil
	}
	form := url.Values{"grant_type": {"password"}, "client_id": {"dev-cli"}, "username": {user}, "password": {user}, "scope": {"openid"}}
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, c.kc+"/realms/ticketly/protocol/openid-connect/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.http.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var tr struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tr); err != nil || tr.AccessToken == "" {
		return "", fmt.Errorf("token for %s: %s %v", user, resp.Status, err)
	}
	c.tokens[user] = tr.AccessToken
	return tr.AccessToken, nil
}

// call sends a JSON request as user and decodes a 2xx answer into out.
func (c *client) call(ctx context.Context, user, method, path string, body, out any) error {
	tok, err := c.token(ctx, user)
	if err != nil {
		return err
	}
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequestWithContext(ctx, method, c.command+path, rd)
	req.Header.Set("Authorization", "Bearer "+tok)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %s %s", method, path, resp.Status, b)
	}
	if out != nil && len(b) > 0 {
		return json.Unmarshal(b, out)
	}
	return nil
}

// items decodes either a bare JSON array or {"items": [...]}.
func items[T any](raw json.RawMessage) ([]T, error) {
	var list []T
	if err := json.Unmarshal(raw, &list); err == nil {
		return list, nil
	}
	var wrapped struct {
		Items []T `json:"items"`
	}
	err := json.Unmarshal(raw, &wrapped)
	return wrapped.Items, err
}

type named struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	ParentID string `json:"parent_id"`
}

type tier struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	PriceMinor int64  `json:"price_minor"`
}

type session struct {
	ID     string          `json:"id"`
	Status string          `json:"status"`
	Layout json.RawMessage `json:"layout"`
}

type event struct {
	ID       string    `json:"id"`
	Title    string    `json:"title"`
	Status   string    `json:"status"`
	Tiers    []tier    `json:"tiers"`
	Sessions []session `json:"sessions"`
}

func (c *client) load(ctx context.Context, log *slog.Logger) (string, error) {
	org, err := c.ensureOrg(ctx)
	if err != nil {
		return "", err
	}
	cat, err := c.ensureCategory(ctx)
	if err != nil {
		return "", err
	}
	var raw json.RawMessage
	if err := c.call(ctx, "organizer", http.MethodGet, "/api/v1/manage/events?organization_id="+org, nil, &raw); err != nil {
		return "", err
	}
	list, err := items[event](raw)
	if err != nil {
		return "", fmt.Errorf("decode events: %w", err)
	}
	var ev event
	for _, e := range list {
		if e.Title == eventTitle {
			ev = e
		}
	}
	if ev.ID == "" {
		log.Info("creating the demo event")
		body := map[string]any{"organization_id": org, "category_id": cat, "title": eventTitle,
			"description": "An evening of live jazz, soul and a late-night DJ set: the event every Ticketly demo sells out.",
			"overview":    "Doors 18:30 · Show 19:30 · Standing area in front of the stage.",
			"tiers": []map[string]any{
				{"name": "VIP", "colour": "#d4af37", "price_minor": 9500, "currency": "EUR"},
				{"name": "Standard", "colour": "#3b82f6", "price_minor": 4500, "currency": "EUR"},
				{"name": "Balcony", "colour": "#10b981", "price_minor": 2900, "currency": "EUR"},
			}}
		if err := c.call(ctx, "organizer", http.MethodPost, "/api/v1/events", body, &ev); err != nil {
			return "", err
		}
	}
	if err := c.call(ctx, "organizer", http.MethodGet, "/api/v1/manage/events/"+ev.ID, nil, &ev); err != nil {
		return "", err
	}
	tiers := map[string]string{}
	for _, t := range ev.Tiers {
		tiers[t.Name] = t.ID
	}
	for i := len(ev.Sessions); i < 2; i++ {
		log.Info("adding a demo session", "n", i+1)
		start := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, 30+i).Add(19*time.Hour + 30*time.Minute)
		body := map[string]any{"start_time": start, "end_time": start.Add(4 * time.Hour),
			"sales_start_time": time.Now().UTC().Add(-24 * time.Hour).Truncate(time.Hour), "sales_end_time": start,
			"session_type": "PHYSICAL",
			"venue":        map[string]any{"name": "Ticketly Arena", "address": "1 Harbour Street, Rotterdam", "latitude": 51.9055, "longitude": 4.4663},
			"layout": map[string]any{"blocks": []map[string]any{
				{"id": "stage", "name": "Stage", "type": "non_sellable"},
				{"id": "premium", "name": "Premium", "type": "seated_grid", "grid": map[string]any{"rows": 5, "columns": 40, "tier_id": tiers["VIP"], "start_row_label": "A"}},
				{"id": "stalls", "name": "Stalls", "type": "seated_grid", "grid": map[string]any{"rows": 20, "columns": 40, "tier_id": tiers["Standard"], "start_row_label": "F"}},
				{"id": "balcony", "name": "Balcony", "type": "seated_grid", "grid": map[string]any{"rows": 6, "columns": 30, "tier_id": tiers["Balcony"], "start_row_label": "A"}},
				{"id": "floor", "name": "Standing floor", "type": "standing", "capacity": 300, "tier_id": tiers["Standard"]},
			}}}
		var s session
		if err := c.call(ctx, "organizer", http.MethodPost, "/api/v1/events/"+ev.ID+"/sessions", body, &s); err != nil {
			return "", err
		}
		if err := c.blockSeats(ctx, s); err != nil {
			return "", err
		}
	}
	if err := c.call(ctx, "organizer", http.MethodGet, "/api/v1/manage/events/"+ev.ID, nil, &ev); err != nil {
		return "", err
	}
	if ev.Status == "DRAFT" || ev.Status == "REJECTED" {
		var discounts json.RawMessage
		if err := c.call(ctx, "organizer", http.MethodGet, "/api/v1/manage/events/"+ev.ID+"/discounts", nil, &discounts); err != nil {
			return "", err
		}
		if !strings.Contains(string(discounts), `"DEMO10"`) {
			if err := c.call(ctx, "organizer", http.MethodPost, "/api/v1/events/"+ev.ID+"/discounts",
				map[string]any{"code": "DEMO10", "kind": "PERCENTAGE", "percent": 10, "public": true}, nil); err != nil {
				return "", err
			}
		}
		log.Info("submitting the demo event")
		if err := c.call(ctx, "organizer", http.MethodPost, "/api/v1/events/"+ev.ID+"/submit", nil, &ev); err != nil {
			return "", err
		}
		ev.Status = "PENDING"
	}
	if ev.Status == "PENDING" {
		log.Info("approving the demo event")
		if err := c.call(ctx, "admin", http.MethodPost, "/api/v1/events/"+ev.ID+"/approve", nil, nil); err != nil {
			return "", err
		}
	}
	return ev.ID, nil
}

// blockSeats marks the first four seats of the premium block BLOCKED (kept for the artists).
func (c *client) blockSeats(ctx context.Context, s session) error {
	var layout struct {
		Blocks []struct {
			ID   string `json:"id"`
			Rows []struct {
				Seats []struct {
					ID string `json:"id"`
				} `json:"seats"`
			} `json:"rows"`
		} `json:"blocks"`
	}
	if err := json.Unmarshal(s.Layout, &layout); err != nil {
		return fmt.Errorf("decode layout: %w", err)
	}
	var blocked []string
	for _, b := range layout.Blocks {
		if b.ID == "premium" && len(b.Rows) > 0 {
			for _, seat := range b.Rows[0].Seats[:4] {
				blocked = append(blocked, seat.ID)
			}
		}
	}
	if len(blocked) != 4 {
		return errors.New("the premium block has no seats to block")
	}
	var full map[string]any
	_ = json.Unmarshal(s.Layout, &full)
	full["blocked_seat_ids"] = blocked
	return c.call(ctx, "organizer", http.MethodPut, "/api/v1/sessions/"+s.ID+"/layout", full, nil)
}

func (c *client) ensureOrg(ctx context.Context) (string, error) {
	var raw json.RawMessage
	if err := c.call(ctx, "organizer", http.MethodGet, "/api/v1/organizations/mine", nil, &raw); err != nil {
		return "", err
	}
	orgs, err := items[named](raw)
	if err != nil {
		return "", fmt.Errorf("decode organizations: %w", err)
	}
	for _, o := range orgs {
		if o.Name == orgName {
			return o.ID, nil
		}
	}
	var o named
	err = c.call(ctx, "organizer", http.MethodPost, "/api/v1/organizations",
		map[string]any{"name": orgName, "website": "https://ticketly.example"}, &o)
	return o.ID, err
}

func (c *client) ensureCategory(ctx context.Context) (string, error) {
	var raw json.RawMessage
	if err := c.call(ctx, "admin", http.MethodGet, "/api/v1/manage/categories", nil, &raw); err != nil {
		return "", err
	}
	cats, err := items[named](raw)
	if err != nil {
		return "", fmt.Errorf("decode categories: %w", err)
	}
	byName := map[string]string{}
	for _, cat := range cats {
		byName[cat.Name] = cat.ID
	}
	for _, want := range []struct{ name, parent string }{{"Music", ""}, {"Jazz", "Music"}} {
		if _, ok := byName[want.name]; ok {
			continue
		}
		body := map[string]any{"name": want.name}
		if want.parent != "" {
			body["parent_id"] = byName[want.parent]
		}
		var cat named
		if err := c.call(ctx, "admin", http.MethodPost, "/api/v1/categories", body, &cat); err != nil {
			return "", err
		}
		byName[want.name] = cat.ID
	}
	return byName["Jazz"], nil
}

// awaitServed polls event-query until the event and both sessions' seat maps are served.
func (c *client) awaitServed(ctx context.Context, id string, wait time.Duration) error {
	deadline := time.Now().Add(wait)
	for {
		err := c.served(ctx, id)
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("event-query does not serve the demo event after %s: %w", wait, err)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

func (c *client) served(ctx context.Context, id string) error {
	var e struct {
		Title    string `json:"title"`
		Sessions []struct {
			ID     string `json:"id"`
			Status string `json:"status"`
		} `json:"sessions"`
	}
	if err := c.get(ctx, "/api/v1/events/"+id, &e); err != nil {
		return err
	}
	onSale := 0
	for _, s := range e.Sessions {
		var m struct {
			Seats []json.RawMessage `json:"seats"`
		}
		if err := c.get(ctx, "/api/v1/sessions/"+s.ID+"/seats", &m); err != nil {
			return err
		}
		if s.Status == "ON_SALE" && len(m.Seats) >= 1000 {
			onSale++
		}
	}
	if e.Title != eventTitle || onSale < 2 {
		return fmt.Errorf("served %q with %d ON_SALE sessions of 1,000+ seats", e.Title, onSale)
	}
	return nil
}

func (c *client) get(ctx context.Context, path string, out any) error {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, c.query+path, nil)
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", path, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(out)
}
