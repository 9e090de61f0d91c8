package harness

import (
	"bytes"
	"fmt"
	"os/exec"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Process is a program a test runs on loopback: started once, stopped by
// its PID, its output kept for the failure message.
type Process struct {
	name   string
	cmd    *exec.Cmd
	exited chan struct{}
	out    *lockedBuffer
}

// StartProcess starts cmd (RunProcess) and stops it at t's cleanup,
// logging its output when t failed; failing to start ends t.
func StartProcess(t testing.TB, name string, cmd *exec.Cmd) *Process {
	t.Helper()
	p, err := RunProcess(name, cmd)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		p.Stop()
		if t.Failed() && p.out.Len() > 0 {
			t.Logf("%s output:\n%s", name, p.out.String())
		}
	})
	return p
}

// RunProcess starts cmd, collecting its output unless cmd already sends it
// somewhere; the caller stops it. name names it in messages
// ("redis-server on 127.0.0.1:6379").
func RunProcess(name string, cmd *exec.Cmd) (*Process, error) {
	p := &Process{name: name, cmd: cmd, exited: make(chan struct{}), out: &lockedBuffer{}}
	if cmd.Stdout == nil && cmd.Stderr == nil {
		cmd.Stdout, cmd.Stderr = p.out, p.out
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("%s: start %s: %w", name, cmd, err)
	}
	go func() {
		_ = cmd.Wait()
		close(p.exited)
	}()
	return p, nil
}

// WaitReady calls ready every 10 ms until it returns nil, and ends t when
// the process exits first or StartTimeout passes.
func (p *Process) WaitReady(t testing.TB, ready func() error) {
	t.Helper()
	deadline := time.Now().Add(StartTimeout)
	for {
		err := ready()
		if err == nil {
			return
		}
		select {
		case <-p.exited:
			t.Fatalf("%s exited: %v\n%s", p.name, p.cmd.ProcessState, p.out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not ready after %s: %v\n%s", p.name, StartTimeout, err, p.out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Stop ends the process with SIGTERM, and SIGKILL after StopTimeout. It is
// safe to call more than once.
func (p *Process) Stop() {
	p.End(syscall.SIGTERM)
}

// End sends sig (then SIGCONT, for a frozen process handles a signal only
// once thawed) and waits for the process to exit, killing it after
// StopTimeout. It does nothing once the process has exited.
func (p *Process) End(sig syscall.Signal) {
	if p.Exited() {
		return
	}
	_ = p.cmd.Process.Signal(sig)
	_ = p.cmd.Process.Signal(syscall.SIGCONT)
	select {
	case <-p.exited:
	case <-time.After(StopTimeout):
		_ = p.cmd.Process.Kill()
		<-p.exited
	}
}

// Signal sends sig to the running process.
func (p *Process) Signal(sig syscall.Signal) error {
	if p.Exited() {
		return fmt.Errorf("%s has exited: %v", p.name, p.cmd.ProcessState)
	}
	return p.cmd.Process.Signal(sig)
}

// Exited reports whether the process has ended.
func (p *Process) Exited() bool {
	select {
	case <-p.exited:
		return true
	default:
		return false
	}
}

// PID is the process's ID.
func (p *Process) PID() int {
	return p.cmd.Process.Pid
}

// Output is what the process wrote so far, when StartProcess collected it.
func (p *Process) Output() string {
	return p.out.String()
}

// lockedBuffer collects a process's stdout and stderr, written from two
// goroutines of os/exec.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *lockedBuffer) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(b)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *lockedBuffer) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Len()
}
