// Command event-query is the public read side: it serves the denormalised MongoDB read
// model over REST, pushes live seat changes over SSE, and runs the projectors that build
// the read model from the Debezium topics in Kafka. It never reads PostgreSQL.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args, os.Getenv); err != nil {
		fmt.Fprintln(os.Stderr, "event-query:", err)
		os.Exit(1)
	}
}
