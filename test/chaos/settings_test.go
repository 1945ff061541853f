//go:build chaos

package chaos_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// settings is the suite's configuration, read once from the environment (deploy/local/chaos.sh
// sets CHAOS_MODE; everything else defaults to the local stack of SPEC section 6).
type settings struct {
	Full bool // make chaos (longer traffic, bigger wave); false: the bounded form of make test

	CommandURL, QueryURL, OrderURL, SchedulerURL string
	PGURL                                        string // superuser: reads every schema
	RedisAddr                                    string
	MongoURI, MongoDB                            string
	Brokers                                      []string
	FerretDebugURL                               string
	DebeziumURL                                  string

	Home string // TICKETLY_HOME: the stack's pid files
	Root string // the repository (deploy/local scripts)

	WebhookSecret string // the order service's Stripe webhook secret (the development one)
	SweepInterval time.Duration

	// Faults selects the faults, in the order given (default: all of allFaults).
	Faults []string
	// Safe touches no shared component and no service of the stack: the event-query replica
	// and the order service that are killed are the suite's own processes (development of
	// the suite next to a stack others use).
	Safe bool
	// OwnOrderBin, in safe mode, is the order service binary the suite runs and kills
	// (default: built from ./cmd/order), e.g. an older build to see what the suite catches.
	OwnOrderBin string

	Buyers         int           // concurrent buyers of the steady traffic
	WaveBuyers     int           // concurrent buyers of the order-kill wave
	WaveSeats      int           // seats of the wave's session
	KillAfter      time.Duration // how long into the wave the order service is killed
	SellableWithin time.Duration // bound on "free seats sellable again" after the order service is back
	Steady         time.Duration // traffic before each fault
	DownFor        time.Duration // how long a killed component stays down before it is brought back
	// KafkaDownFor is Kafka's: in full mode longer than the minute Debezium Server waits for a
	// broker before it exits, so the stack must bring Debezium back too.
	KafkaDownFor  time.Duration
	ReadyWithin   time.Duration // bound on a component being ready again
	CatchUpWithin time.Duration // bound on the read model catching up after a fault
	SettleWithin  time.Duration // bound on the final convergence of the read model
	Keep          bool          // keep the fixtures (organization, event, category) at the end
}

// allFaults is every fault, in the order they are injected.
var allFaults = []string{"debezium", "kafka", "mongo", "event-query", "order", "postgres", "redis"}

func loadSettings(t *testing.T) settings {
	t.Helper()
	get := func(k, def string) string {
		if v := os.Getenv(k); v != "" {
			return v
		}
		return def
	}
	var errs []error
	dur := func(k string, def time.Duration) time.Duration {
		v := os.Getenv(k)
		if v == "" {
			return def
		}
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			errs = append(errs, fmt.Errorf("%s: %q is not a duration", k, v))
		}
		return d
	}
	num := func(k string, def int) int {
		v := os.Getenv(k)
		if v == "" {
			return def
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			errs = append(errs, fmt.Errorf("%s: %q is not a positive integer", k, v))
		}
		return n
	}
	mode := get("CHAOS_MODE", "full")
	if mode != "full" && mode != "short" {
		errs = append(errs, fmt.Errorf("CHAOS_MODE must be full or short, got %q", mode))
	}
	full := mode == "full"
	pick := func(short, long int) int {
		if full {
			return long
		}
		return short
	}
	pickD := func(short, long time.Duration) time.Duration {
		if full {
			return long
		}
		return short
	}
	root, err := filepath.Abs(get("CHAOS_ROOT", "../.."))
	if err != nil {
		errs = append(errs, err)
	}
	s := settings{
		Full:           full,
		CommandURL:     get("CHAOS_COMMAND_URL", "http://127.0.0.1:8081"),
		QueryURL:       get("CHAOS_QUERY_URL", "http://127.0.0.1:8082"),
		OrderURL:       get("CHAOS_ORDER_URL", "http://127.0.0.1:8083"),
		SchedulerURL:   get("CHAOS_SCHEDULER_URL", "http://127.0.0.1:8084"),
		PGURL:          get("CHAOS_PG_URL", "postgres://postgres@127.0.0.1:5432/ticketly"),
		RedisAddr:      get("CHAOS_REDIS_ADDR", "127.0.0.1:6379"),
		MongoURI:       get("CHAOS_MONGO_URI", "mongodb://127.0.0.1:27017/"),
		MongoDB:        get("CHAOS_MONGO_DB", "ticketly"),
		Brokers:        strings.Split(get("CHAOS_KAFKA_BROKERS", "127.0.0.1:9092"), ","),
		FerretDebugURL: get("CHAOS_FERRETDB_DEBUG_URL", "http://127.0.0.1:27018"),
		DebeziumURL:    get("CHAOS_DEBEZIUM_URL", "http://127.0.0.1:8085"),
		Home:           get("TICKETLY_HOME", "/var/lib/ticketly"),
		Root:           root,
		WebhookSecret:  get("CHAOS_STRIPE_WEBHOOK_SECRET", "whsec_ticketly_local_development_only"),
		SweepInterval:  dur("CHAOS_SWEEP_INTERVAL", 2*time.Second),
		Safe:           get("CHAOS_SAFE", "") == "1",
		OwnOrderBin:    get("CHAOS_OWN_ORDER_BIN", ""),
		Buyers:         num("CHAOS_BUYERS", pick(6, 12)),
		WaveBuyers:     num("CHAOS_WAVE_BUYERS", pick(150, 300)),
		WaveSeats:      num("CHAOS_WAVE_SEATS", pick(120, 200)),
		KillAfter:      dur("CHAOS_KILL_AFTER", 30*time.Millisecond),
		SellableWithin: dur("CHAOS_SELLABLE_WITHIN", 15*time.Second),
		Steady:         dur("CHAOS_STEADY", pickD(3*time.Second, 15*time.Second)),
		DownFor:        dur("CHAOS_DOWN_FOR", pickD(time.Second, 5*time.Second)),
		KafkaDownFor:   dur("CHAOS_KAFKA_DOWN_FOR", pickD(time.Second, 75*time.Second)),
		ReadyWithin:    dur("CHAOS_READY_WITHIN", 4*time.Minute),
		CatchUpWithin:  dur("CHAOS_CATCH_UP_WITHIN", 2*time.Minute),
		SettleWithin:   dur("CHAOS_SETTLE_WITHIN", 2*time.Minute),
		Keep:           get("CHAOS_KEEP", "") == "1",
	}
	s.Faults = allFaults
	if v := os.Getenv("CHAOS_FAULTS"); v != "" {
		s.Faults = nil
		for _, f := range strings.Split(v, ",") {
			if f = strings.TrimSpace(f); f == "" {
				continue
			}
			if !slices.Contains(allFaults, f) {
				errs = append(errs, fmt.Errorf("CHAOS_FAULTS: unknown fault %q (known: %s)", f, strings.Join(allFaults, ",")))
			}
			s.Faults = append(s.Faults, f)
		}
	}
	if s.Safe {
		// Only the suite's own processes may be killed.
		s.Faults = slices.DeleteFunc(slices.Clone(s.Faults), func(f string) bool { return f != "event-query" && f != "order" })
	}
	if s.WaveBuyers > 900 {
		errs = append(errs, errors.New("CHAOS_WAVE_BUYERS must be at most 900 (buyer1..buyer1000 of the development realm)"))
	}
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("chaos settings: %v", err)
	}
	return s
}
