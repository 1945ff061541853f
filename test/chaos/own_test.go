//go:build chaos

package chaos_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// ownProc is a service process the suite starts itself (a second event-query replica, or in
// safe mode the order service and the replica that are killed), on a fixed address so that
// a restart answers where the first one did. Its log goes to a file that outlives the run.
type ownProc struct {
	name, bin, addr string
	env, args       []string
	logPath         string
	cmd             *exec.Cmd
	done            chan struct{}
}

func (p *ownProc) url() string { return "http://" + p.addr }

func (p *ownProc) start() error {
	if err := os.MkdirAll(filepath.Dir(p.logPath), 0o755); err != nil {
		return err
	}
	logf, err := os.OpenFile(p.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	fmt.Fprintf(logf, "---- %s start %s\n", time.Now().UTC().Format(time.RFC3339Nano), p.name)
	cmd := exec.Command(p.bin, p.args...)
	cmd.Env = append(append(os.Environ(), "HTTP_ADDR="+p.addr), p.env...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return fmt.Errorf("start %s: %w", p.name, err)
	}
	p.cmd, p.done = cmd, make(chan struct{})
	go func() {
		_ = cmd.Wait()
		logf.Close()
		close(p.done)
	}()
	return nil
}

func (p *ownProc) running() bool {
	if p.cmd == nil {
		return false
	}
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// kill9 ends the process with SIGKILL: no drain, no final commit.
func (p *ownProc) kill9() error {
	if !p.running() {
		return fmt.Errorf("%s is not running", p.name)
	}
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	<-p.done
	return nil
}

// stop ends the process gracefully (SIGTERM), or with SIGKILL after 30 s.
func (p *ownProc) stop() {
	if !p.running() {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.done
	}
}
