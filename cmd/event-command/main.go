// Command event-command is the organizer-facing write side: organizations, categories,
// events, tiers, sessions, seating layouts and discounts, stored in PostgreSQL (schema
// catalog). Changes reach readers only through the WAL -> Debezium -> Kafka pipeline.
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
		fmt.Fprintln(os.Stderr, "event-command:", err)
		os.Exit(1)
	}
}
