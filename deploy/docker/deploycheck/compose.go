package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
)

// oneShot services run to completion (they render configuration for another service) and
// need no healthcheck.
var oneShot = map[string]bool{"debezium-config": true}

// checkCompose loads file with compose-go (the loader of Docker Compose v2, schema
// validation on, no .env: the committed defaults must load) and checks what a schema
// cannot: pinned images, healthchecks, depends_on conditions, no secret in the file.
func checkCompose(file string) error {
	opts, err := cli.NewProjectOptions([]string{file}, cli.WithWorkingDirectory(filepath.Dir(file)), cli.WithName("ticketly"))
	if err != nil {
		return err
	}
	p, err := opts.LoadProject(context.Background())
	if err != nil {
		return fmt.Errorf("compose: %w", err)
	}
	var errs []error
	names := p.ServiceNames()
	sort.Strings(names)
	for _, n := range names {
		s := p.Services[n]
		if err := checkImage(s); err != nil {
			errs = append(errs, fmt.Errorf("service %s: %w", n, err))
		}
		if !oneShot[n] && (s.HealthCheck == nil || s.HealthCheck.Disable || len(s.HealthCheck.Test) == 0) {
			errs = append(errs, fmt.Errorf("service %s: no healthcheck", n))
		}
		for dep, d := range s.DependsOn {
			want := types.ServiceConditionHealthy
			if oneShot[dep] {
				want = types.ServiceConditionCompletedSuccessfully
			}
			if d.Condition != want {
				errs = append(errs, fmt.Errorf("service %s: depends_on %s with condition %q, want %q", n, dep, d.Condition, want))
			}
		}
		for k, v := range s.Environment {
			if v != nil && looksSecret(k) && *v != "" {
				errs = append(errs, fmt.Errorf("service %s: %s has a value in the file; secrets come from .env", n, k))
			}
		}
		for _, port := range s.Ports {
			if port.HostIP != "127.0.0.1" {
				errs = append(errs, fmt.Errorf("service %s: port %s published beyond loopback", n, port.Published))
			}
		}
		fmt.Printf("service %s image=%q healthcheck=%v\n", n, s.Image, s.HealthCheck != nil)
	}
	for name := range p.Volumes {
		fmt.Printf("volume %s\n", name)
	}
	return errors.Join(errs...)
}

// checkImage wants an image with an explicit tag that is not latest, and for the services
// built here a Dockerfile that exists.
func checkImage(s types.ServiceConfig) error {
	ref := s.Image
	if i := strings.LastIndex(ref, "/"); i >= 0 {
		ref = ref[i+1:]
	}
	name, tag, ok := strings.Cut(ref, ":")
	if !ok || name == "" || tag == "" || tag == "latest" {
		return fmt.Errorf("image %q is not pinned to a version tag", s.Image)
	}
	if s.Build != nil {
		df := s.Build.Dockerfile
		if !filepath.IsAbs(df) {
			df = filepath.Join(s.Build.Context, df)
		}
		if !fileExists(df) {
			return fmt.Errorf("Dockerfile %s does not exist", df)
		}
	}
	return nil
}

// looksSecret names the variables that carry secrets in this stack.
func looksSecret(key string) bool {
	for _, w := range []string{"PASSWORD", "SECRET", "SIGNING_KEY"} {
		if strings.Contains(key, w) {
			return true
		}
	}
	return false
}
