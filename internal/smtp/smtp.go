// Package smtp sends Ticketly's mails (order confirmations, reminders) over SMTP.
package smtp

import (
	"context"
	"fmt"
	"net"
	"net/smtp"
)

// Ping opens an SMTP session with the server at addr and quits (a readiness check).
func Ping(ctx context.Context, addr string) error {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("smtp: %w", err)
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	host, _, _ := net.SplitHostPort(addr)
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return fmt.Errorf("smtp greeting: %w", err)
	}
	return c.Quit()
}
