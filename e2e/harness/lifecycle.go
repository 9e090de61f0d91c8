package harness

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// StopTimeout bounds a graceful stop before Traefik is killed.
const StopTimeout = 15 * time.Second

// Stop ends Traefik (SIGTERM, then SIGKILL after StopTimeout). It is safe
// to call more than once.
func (tr *Traefik) Stop() {
	if tr.stopped {
		return
	}
	tr.stopped = true
	_ = tr.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-tr.exited:
	case <-time.After(StopTimeout):
		tr.t.Errorf("traefik did not stop within %s; killing it", StopTimeout)
		_ = tr.cmd.Process.Kill()
		<-tr.exited
	}
}

// cleanup stops Traefik and checks its log; when the test failed, the log
// is kept under e2e/out/ (see SaveDir).
func (tr *Traefik) cleanup() {
	tr.Stop()
	data, err := os.ReadFile(tr.LogPath)
	if err != nil {
		tr.t.Errorf("read traefik log: %v", err)
		return
	}
	if bad := ScanLog(string(data), tr.opts.AllowLog); len(bad) > 0 {
		tr.t.Errorf("traefik log shows %d problem line(s):\n%s", len(bad), strings.Join(bad, "\n"))
	}
	if tr.t.Failed() {
		tr.t.Logf("traefik log tail:\n%s", tr.logTail(40))
		tr.t.Logf("traefik log saved: %s", saveLog(tr.t.Name(), filepath.Base(tr.Dir), data))
	}
}

// SaveDir is where logs of failed tests are kept: e2e/out/ in the
// repository (ignored by git).
func SaveDir() (string, error) {
	root, err := RepoRoot()
	if err != nil {
		return "", err
	}
	return filepath.Join(root, "e2e", "out"), nil
}

// saveLog writes a failed test's log to SaveDir and returns its path, or
// why it could not.
func saveLog(testName, instance string, data []byte) string {
	dir, err := SaveDir()
	if err != nil {
		return err.Error()
	}
	name := strings.NewReplacer("/", "_", " ", "_", ":", "_").Replace(testName) + "-" + instance + ".traefik.log"
	path := filepath.Join(dir, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err.Error()
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return err.Error()
	}
	return path
}

// logTail returns the last n lines of Traefik's log that are not debug
// noise: every line above DEBUG, and the plugins' own output.
func (tr *Traefik) logTail(n int) string {
	f, err := os.Open(tr.LogPath)
	if err != nil {
		return err.Error()
	}
	defer f.Close()
	var lines []string
	s := bufio.NewScanner(f)
	s.Buffer(make([]byte, 0, 64*1024), 4*1024*1024)
	for s.Scan() {
		line := s.Text()
		if strings.Contains(line, " DBG ") && !strings.Contains(line, " plugin=") {
			continue
		}
		lines = append(lines, line)
		if len(lines) > n {
			lines = lines[1:]
		}
	}
	return strings.Join(lines, "\n")
}

// Log returns Traefik's log so far.
func (tr *Traefik) Log() string {
	data, _ := os.ReadFile(tr.LogPath)
	return string(data)
}
