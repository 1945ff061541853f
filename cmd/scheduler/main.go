// Command scheduler runs time-driven work: sale windows, SOLD_OUT, reminder and order
// mails over SMTP, trending scores. It reacts to Kafka and changes state only through the
// command services' internal APIs.
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
		fmt.Fprintln(os.Stderr, "scheduler:", err)
		os.Exit(1)
	}
}
