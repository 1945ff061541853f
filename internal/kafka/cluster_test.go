package kafka_test

import (
	"context"
	"crypto/tls"
	"testing"
	"time"

	"github.com/ticketly/ticketly/internal/config"
	"github.com/ticketly/ticketly/internal/kafka"
	"github.com/ticketly/ticketly/internal/svctest"
)

// The settings decide how the clients reach the brokers: TLS and the SASL mechanism named
// in KAFKA_SASL_MECHANISM, with its credentials.
func TestClusterOfTheSettings(t *testing.T) {
	t.Parallel()
	local := kafka.ClusterOf(config.Kafka{Brokers: []string{"127.0.0.1:9092"}})
	if local.TLS != nil || local.SASL != nil {
		t.Fatalf("plaintext settings gave TLS %v, SASL %v", local.TLS, local.SASL)
	}
	for _, mech := range []string{config.SASLPlain, config.SASLScramSHA256, config.SASLScramSHA512} {
		c := kafka.ClusterOf(config.Kafka{Brokers: []string{"b-1.msk.example:9096"}, TLS: true,
			SASLMechanism: mech, SASLUsername: "ticketly", SASLPassword: "pw"})
		if c.TLS == nil || c.TLS.MinVersion != tls.VersionTLS12 {
			t.Errorf("%s: TLS %+v, want TLS 1.2 or later", mech, c.TLS)
		}
		if c.SASL == nil || c.SASL.Name() != mech {
			t.Errorf("SASL for %s: %v", mech, c.SASL)
		}
	}
}

// The clients use what the cluster says: the local broker listens in plaintext without
// SASL, so a client told to speak TLS, or to authenticate, cannot reach it, and a plain one
// can.
func TestClientsSpeakTheClustersProtocol(t *testing.T) {
	svctest.RequireStack(t, svctest.Kafka)
	t.Parallel()
	ping := func(c kafka.Cluster) error {
		cl, err := kafka.NewClient(c)
		if err != nil {
			return err
		}
		defer cl.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		return cl.Ping(ctx)
	}
	if err := ping(kafka.Local("127.0.0.1:9092")); err != nil {
		t.Fatalf("plaintext: %v", err)
	}
	withTLS := kafka.ClusterOf(config.Kafka{Brokers: []string{"127.0.0.1:9092"}, TLS: true})
	withSASL := kafka.Local("127.0.0.1:9092")
	withSASL.SASL = kafka.ClusterOf(config.Kafka{SASLMechanism: config.SASLScramSHA512, SASLUsername: "u", SASLPassword: "p"}).SASL
	for name, c := range map[string]kafka.Cluster{"TLS": withTLS, "SASL": withSASL} {
		if err := ping(c); err == nil {
			t.Errorf("%s to a plaintext broker without SASL: ping succeeded", name)
		}
	}
}
