package harness

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
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

// clockTicks is the unit of utime and stime in /proc/<pid>/stat (USER_HZ,
// 100 on every Linux architecture Go supports).
const clockTicks = 100

// CPUTime returns the CPU time (user and system, all threads) Traefik has
// used so far. It fails once Traefik has exited.
func (tr *Traefik) CPUTime() (time.Duration, error) {
	select {
	case <-tr.exited:
		return 0, fmt.Errorf("traefik exited: %v", tr.cmd.ProcessState)
	default:
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", tr.PID()))
	if err != nil {
		return 0, err
	}
	return parseStatCPU(string(stat))
}

// parseStatCPU reads utime and stime (fields 14 and 15) of a
// /proc/<pid>/stat line. The command name, field 2, is in parentheses and
// may hold spaces and parentheses itself, so fields are counted from the
// last ")".
func parseStatCPU(stat string) (time.Duration, error) {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, fmt.Errorf("unexpected /proc stat line %q", stat)
	}
	fields := strings.Fields(stat[i+1:]) // fields[0] is field 3, the state
	if len(fields) < 13 {
		return 0, fmt.Errorf("unexpected /proc stat line %q", stat)
	}
	var ticks int64
	for _, f := range fields[11:13] {
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("unexpected /proc stat line %q", stat)
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / clockTicks, nil
}
