package main

import (
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// stopTimeout bounds a graceful stop before a process is killed.
const stopTimeout = 15 * time.Second

// process is one started program of the demo.
type process struct {
	name string
	cmd  *exec.Cmd
	done chan struct{}
}

// group holds the demo's processes; each one that exits is sent on exited.
type group struct {
	procs  []*process
	exited chan *process
}

// start runs bin with args in dir, its output on this program's, in a
// process group of its own so that a Ctrl-C reaches only this program,
// which then stops the group in order.
func (g *group) start(name, dir, bin string, args ...string) error {
	if g.exited == nil {
		g.exited = make(chan *process, 16)
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	cmd.SysProcAttr = childAttr()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s (%s): %w", name, bin, err)
	}
	p := &process{name: name, cmd: cmd, done: make(chan struct{})}
	g.procs = append(g.procs, p)
	go func() {
		_ = cmd.Wait()
		close(p.done)
		g.exited <- p
	}()
	return nil
}

// stop sends SIGTERM to every process still running, waits for them, and
// kills any still running after stopTimeout. It is safe to call twice.
func (g *group) stop() {
	for _, p := range g.procs {
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
	}
	deadline := time.After(stopTimeout)
	for _, p := range g.procs {
		select {
		case <-p.done:
		case <-deadline:
			fmt.Fprintf(os.Stderr, "%s did not stop within %s; killing it\n", p.name, stopTimeout)
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	}
}
