// Package kafka holds the Kafka adapters (franz-go): clients, the CDC envelope decoding and
// the consumers of the read side.
package kafka

import (
	"fmt"
	"strings"

	"github.com/twmb/franz-go/pkg/kgo"
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

// NewClient returns a franz-go client for brokers with extra options. It connects lazily;
// use Ping for readiness.
func NewClient(brokers []string, opts ...kgo.Opt) (*kgo.Client, error) {
	base := []kgo.Opt{kgo.SeedBrokers(brokers...),
		// Session rows carry whole seat layouts: records up to 16 MiB (as the broker allows).
		kgo.ProducerBatchMaxBytes(16 << 20), kgo.ProducerBatchCompression(kgo.Lz4Compression(), kgo.NoCompression()),
		kgo.FetchMaxPartitionBytes(16 << 20)}
	c, err := kgo.NewClient(append(base, opts...)...)
	if err != nil {
		return nil, fmt.Errorf("create kafka client: %w", err)
	}
	return c, nil
}
