package auth

import (
	"context"
	"fmt"
	"net/http"
)

// Ping checks that the identity provider's key set answers (a readiness check).
func Ping(ctx context.Context, cfg Config) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, cfg.jwksURL(), nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("identity provider: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("identity provider keys answered %s", resp.Status)
	}
	return nil
}
