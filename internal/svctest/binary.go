package svctest

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var (
	buildMu sync.Mutex
	built   = map[string]string{}
)

// Build compiles the main package pkg (e.g. "./cmd/event-command", relative to the module
// root) once per test binary and returns the executable's path.
func Build(t testing.TB, pkg string) string {
	t.Helper()
	RequireStack(t) // only integration tests run binaries: no compiling under -short
	buildMu.Lock()
	defer buildMu.Unlock()
	if p, ok := built[pkg]; ok {
		return p
	}
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatalf("go env GOMOD: %v", err)
	}
	root := filepath.Dir(strings.TrimSpace(string(out)))
	dir, err := os.MkdirTemp("", "ticketly-svctest-")
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, filepath.Base(pkg))
	cmd := exec.Command("go", "build", "-o", bin, pkg)
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, b)
	}
	built[pkg] = bin
	return bin
}

// Process is a service running as a child process.
type Process struct {
	URL  string
	cmd  *exec.Cmd
	logs *bytes.Buffer
	done chan error
}

// StartBinary runs bin with args and env (plus HTTP_ADDR on a free port) and waits until
// /healthz answers. It is killed at the end of the test unless stopped before.
func StartBinary(t testing.TB, bin string, env map[string]string, args ...string) *Process {
	t.Helper()
	RequireStack(t)
	addr := FreeAddr(t)
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "HTTP_ADDR="+addr, "LOG_LEVEL=info")
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	p := &Process{URL: "http://" + addr, cmd: cmd, logs: &bytes.Buffer{}, done: make(chan error, 1)}
	cmd.Stdout, cmd.Stderr = p.logs, p.logs
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	go func() { p.done <- cmd.Wait() }()
	t.Cleanup(func() {
		p.Kill()
		if t.Failed() {
			t.Logf("logs of %s %v:\n%s", filepath.Base(bin), args, lastLines(p.logs.String(), 40))
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for {
		if resp, err := http.Get(p.URL + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p
			}
		}
		select {
		case err := <-p.done:
			p.done <- err
			t.Fatalf("%s exited while starting: %v\n%s", bin, err, lastLines(p.logs.String(), 40))
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not answer /healthz:\n%s", bin, lastLines(p.logs.String(), 40))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// WaitReady polls /readyz until it answers 200.
func (p *Process) WaitReady(t testing.TB, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(p.URL + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s not ready within %s:\n%s", p.URL, within, lastLines(p.logs.String(), 40))
}

// Kill ends the process with SIGKILL: no graceful shutdown, no final commit.
func (p *Process) Kill() {
	if p.cmd.Process != nil {
		_ = p.cmd.Process.Kill()
		<-p.done
		p.done <- nil
	}
}

// Stop sends SIGTERM and waits for a graceful exit.
func (p *Process) Stop() error {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.done:
		p.done <- nil
		return err
	case <-time.After(30 * time.Second):
		return fmt.Errorf("no exit within 30s of SIGTERM")
	}
}

// Logs returns what the process printed so far.
func (p *Process) Logs() string { return p.logs.String() }

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// RunBinary runs bin to completion (a one-shot command such as a rebuild) with env and
// returns its error, with the output attached when it fails.
func RunBinary(t testing.TB, bin string, env map[string]string, args ...string) error {
	t.Helper()
	RequireStack(t)
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "LOG_LEVEL=info")
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %v: %w\n%s", filepath.Base(bin), args, err, lastLines(string(out), 40))
	}
	return nil
}
