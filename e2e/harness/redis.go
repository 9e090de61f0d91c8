package harness

import (
	"net"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// Redis is a redis-server process on loopback.
type Redis struct {
	// Addr is "127.0.0.1:port".
	Addr string

	cmd    *exec.Cmd
	exited chan struct{}
}

// StartRedis runs redis-server ($REDIS_SERVER_BIN, or redis-server in PATH;
// skipped without it, failed under CI) on a free 127.0.0.1 port, without
// persistence, waits until it accepts connections, and stops it at cleanup.
func StartRedis(t testing.TB) *Redis {
	t.Helper()
	bin := Tool(t, "REDIS_SERVER_BIN", "redis-server")
	addr := FreeAddr(t, "127.0.0.1")
	_, port, _ := net.SplitHostPort(addr)
	r := &Redis{Addr: addr, exited: make(chan struct{})}
	r.cmd = exec.Command(bin, "--bind", "127.0.0.1", "--port", port, "--save", "", "--appendonly", "no", "--dir", t.TempDir())
	if err := r.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	go func() {
		_ = r.cmd.Wait()
		close(r.exited)
	}()
	t.Cleanup(r.Stop)
	deadline := time.Now().Add(StartTimeout)
	for {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			conn.Close()
			return r
		}
		select {
		case <-r.exited:
			t.Fatalf("redis-server exited: %v", r.cmd.ProcessState)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("redis-server not listening on %s after %s: %v", addr, StartTimeout, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Stop ends redis-server (SIGTERM, then SIGKILL after StopTimeout). It is
// safe to call more than once.
func (r *Redis) Stop() {
	select {
	case <-r.exited:
		return
	default:
	}
	_ = r.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-r.exited:
	case <-time.After(StopTimeout):
		_ = r.cmd.Process.Kill()
		<-r.exited
	}
}
