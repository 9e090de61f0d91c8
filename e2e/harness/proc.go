package harness

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// PID returns the process id of the running Traefik.
func (tr *Traefik) PID() int {
	return tr.cmd.Process.Pid
}

// RSS returns Traefik's resident memory in bytes (VmRSS of
// /proc/<pid>/status). It fails once Traefik has exited.
func (tr *Traefik) RSS() (int64, error) {
	select {
	case <-tr.exited:
		return 0, fmt.Errorf("traefik exited: %v", tr.cmd.ProcessState)
	default:
	}
	return ProcessRSS(tr.PID())
}

// ProcessRSS returns the resident memory in bytes of process pid, read
// from the VmRSS line of /proc/<pid>/status (Linux only).
func ProcessRSS(pid int) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		rest, ok := strings.CutPrefix(s.Text(), "VmRSS:")
		if !ok {
			continue
		}
		return parseKB(rest)
	}
	if err := s.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("/proc/%d/status has no VmRSS line", pid)
}

// parseKB reads a /proc/<pid>/status amount such as "  123456 kB" and
// returns it in bytes.
func parseKB(field string) (int64, error) {
	fields := strings.Fields(field)
	if len(fields) != 2 || fields[1] != "kB" {
		return 0, fmt.Errorf("unexpected /proc status amount %q", field)
	}
	kb, err := strconv.ParseInt(fields[0], 10, 64)
	if err != nil || kb < 0 {
		return 0, fmt.Errorf("unexpected /proc status amount %q", field)
	}
	return kb * 1024, nil
}
