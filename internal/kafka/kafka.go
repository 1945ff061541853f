// Package kafka holds the Kafka adapters (franz-go): clients, the CDC envelope decoding and
// the consumers of the read side.
package kafka

import (
	"crypto/tls"
	"fmt"
	"strings"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"

	"github.com/ticketly/ticketly/internal/config"
)

// Brokers splits a comma-separated broker list.
func Brokers(list string) []string {
	var out []string
	for _, b := range strings.Split(list, ",") {
		if b = strings.TrimSpace(b); b != "" {
			out = append(out, b)
		}
	}
	return out
}

// Cluster is where the brokers are and how to reach them.
type Cluster struct {
	Brokers []string
	TLS     *tls.Config    // nil: plaintext
	SASL    sasl.Mechanism // nil: no authentication
}

// Local is a plaintext cluster without authentication at brokers (the local stack, tests).
func Local(brokers ...string) Cluster { return Cluster{Brokers: brokers} }

// ClusterOf is the cluster the settings describe.
func ClusterOf(k config.Kafka) Cluster {
	c := Cluster{Brokers: k.Brokers}
	if k.TLS {
		c.TLS = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	switch k.SASLMechanism {
	case config.SASLPlain:
		c.SASL = plain.Auth{User: k.SASLUsername, Pass: k.SASLPassword}.AsMechanism()
	case config.SASLScramSHA256:
		c.SASL = scram.Auth{User: k.SASLUsername, Pass: k.SASLPassword}.AsSha256Mechanism()
	case config.SASLScramSHA512:
		c.SASL = scram.Auth{User: k.SASLUsername, Pass: k.SASLPassword}.AsSha512Mechanism()
	}
	return c
}

// NewClient returns a franz-go client of the cluster with extra options. It connects
// lazily; use Ping for readiness.
func NewClient(cluster Cluster, opts ...kgo.Opt) (*kgo.Client, error) {
	base := []kgo.Opt{kgo.SeedBrokers(cluster.Brokers...),
		// Session rows carry whole seat layouts: records up to 16 MiB (as the broker allows).
		kgo.ProducerBatchMaxBytes(16 << 20), kgo.ProducerBatchCompression(kgo.Lz4Compression(), kgo.NoCompression()),
		kgo.FetchMaxPartitionBytes(16 << 20)}
	if cluster.TLS != nil {
		base = append(base, kgo.DialTLSConfig(cluster.TLS.Clone()))
	}
	if cluster.SASL != nil {
		base = append(base, kgo.SASL(cluster.SASL))
	}
	c, err := kgo.NewClient(append(base, opts...)...)
	if err != nil {
		return nil, fmt.Errorf("create kafka client: %w", err)
	}
	return c, nil
}
