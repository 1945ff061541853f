// Package configtest checks a service's configuration loader against the modes of SPEC
// section 11, the same way for every service.
package configtest

import (
	"errors"
	"slices"
	"testing"

	"github.com/ticketly/ticketly/internal/config"
)

// Modes checks load: development runs on the local stack's defaults; production with the
// defaults refuses exactly the settings refused (naming each), production with production
// passes; an unknown TICKETLY_ENV is an error that also lists what production refuses.
func Modes[C any](t *testing.T, load func(getenv func(string) string) (C, error), production map[string]string, refused ...string) {
	t.Helper()
	for _, tc := range []struct {
		name    string
		vars    map[string]string
		wantDev []string // what production refuses; nil: no refusal
		wantErr bool
	}{
		{"development with defaults", nil, nil, false},
		{"development explicitly", map[string]string{"TICKETLY_ENV": "development"}, nil, false},
		{"production with defaults", map[string]string{"TICKETLY_ENV": "production"}, refused, true},
		{"production with own values", production, nil, false},
		{"unknown mode", map[string]string{"TICKETLY_ENV": "prod"}, refused, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := load(func(k string) string { return tc.vars[k] })
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			var dev *config.DevelopmentError
			if errors.As(err, &dev) != (tc.wantDev != nil) {
				t.Fatalf("refusal in %v, want %v", err, tc.wantDev)
			}
			if dev != nil {
				got := slices.Sorted(slices.Values(dev.Keys()))
				if want := slices.Sorted(slices.Values(tc.wantDev)); !slices.Equal(got, want) {
					t.Errorf("refused %v, want %v", got, want)
				}
			}
		})
	}
}
