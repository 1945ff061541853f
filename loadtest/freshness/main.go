// Command freshness measures CDC freshness: the time from an organizer's write being
// committed by event-command (its 2xx answer) to event-query serving the change, over many
// sequential changes of the demo event's description. It prints p50/p95/p99.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"
)

func main() {
	command := flag.String("command", "http://127.0.0.1:8081", "event-command base URL")
	query := flag.String("query", "http://127.0.0.1:8082", "event-query base URL")
	kc := flag.String("keycloak", "http://localhost:8180", "Keycloak base URL")
	n := flag.Int("n", 1000, "number of changes")
	title := flag.String("event", "Ticketly Demo Night", "title of the event to edit")
	flag.Parse()
	if err := measure(*command, *query, *kc, *title, *n); err != nil {
		fmt.Fprintln(os.Stderr, "freshness:", err)
		os.Exit(1)
	}
}

func measure(command, query, kc, title string, n int) error {
	tok, err := token(kc, "organizer")
	if err != nil {
		return err
	}
	id, err := findEvent(query, title)
	if err != nil {
		return err
	}
	client := &http.Client{Timeout: 10 * time.Second}
	var lat []time.Duration
	start := time.Now()
	for i := 0; i < n; i++ {
		marker := fmt.Sprintf("freshness %d %d", time.Now().UnixNano(), i)
		body, _ := json.Marshal(map[string]string{"description": marker})
		req, _ := http.NewRequest(http.MethodPatch, command+"/api/v1/events/"+id, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode/100 != 2 {
			return fmt.Errorf("PATCH answered %s", resp.Status)
		}
		committed := time.Now()
		for {
			resp, err := client.Get(query + "/api/v1/events/" + id)
			if err != nil {
				return err
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if strings.Contains(string(b), marker) {
				lat = append(lat, time.Since(committed))
				break
			}
			if time.Since(committed) > 30*time.Second {
				return fmt.Errorf("change %d not served after 30s", i)
			}
			time.Sleep(time.Millisecond)
		}
	}
	slices.Sort(lat)
	pct := func(p float64) time.Duration { return lat[min(len(lat)-1, int(float64(len(lat))*p))] }
	fmt.Printf("cdc_freshness changes=%d p50=%s p95=%s p99=%s max=%s (commit -> served by event-query; %s total)\n",
		len(lat), pct(0.50).Round(time.Millisecond/10), pct(0.95).Round(time.Millisecond/10), pct(0.99).Round(time.Millisecond/10),
		lat[len(lat)-1].Round(time.Millisecond/10), time.Since(start).Round(time.Second))
	return nil
}

func token(kc, user string) (string, error) {
	form := url.Values{"grant_type": {"password"}, "client_id": {"dev-cli"}, "username": {user}, "password": {user}}
	resp, err := http.PostForm(kc+"/realms/ticketly/protocol/openid-connect/token", form)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var tr struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tr); err != nil || tr.AccessToken == "" {
		return "", fmt.Errorf("token: %s %v", resp.Status, err)
	}
	return tr.AccessToken, nil
}

func findEvent(query, title string) (string, error) {
	resp, err := http.Get(query + "/api/v1/events?page_size=100&q=" + url.QueryEscape(title))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var page struct {
		Items []struct{ ID, Title string }
	}
	if err := json.NewDecoder(resp.Body).Decode(&page); err != nil {
		return "", err
	}
	for _, e := range page.Items {
		if e.Title == title {
			return e.ID, nil
		}
	}
	return "", fmt.Errorf("event %q is not served (make run loads it)", title)
}
