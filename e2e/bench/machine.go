package bench

import (
	"bufio"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"

	"github.com/session-injector/sessioninjector/e2e/harness"
)

// Machine describes where a report was measured.
type Machine struct {
	Cores     int    `json:"cores"`
	CPU       string `json:"cpu"`
	OSArch    string `json:"osArch"`
	GoVersion string `json:"goVersion"`
	// LoadAverage and LoadAverageEnd are /proc/loadavg's 1, 5 and 15
	// minute figures when the run started and ended: other work on the
	// machine skews every figure.
	LoadAverage    string `json:"loadAverage"`
	LoadAverageEnd string `json:"loadAverageEnd,omitempty"`
	// Traefik is the Traefik build, for runs through Traefik.
	Traefik string `json:"traefik,omitempty"`
	// Plugin is the last commit that changed the plugin, "+ uncommitted
	// changes" when its files differ from it.
	Plugin string `json:"plugin"`
	// Started is when the run started (UTC).
	Started time.Time `json:"started"`
}

// ThisMachine describes the machine running the benchmark.
func ThisMachine() Machine {
	return Machine{
		Cores:       runtime.NumCPU(),
		CPU:         cpuModel(),
		OSArch:      runtime.GOOS + "/" + runtime.GOARCH,
		GoVersion:   runtime.Version(),
		LoadAverage: loadAverage(),
		Plugin:      pluginRevision(),
		Started:     time.Now().UTC().Truncate(time.Second),
	}
}

// Finish records the load average at the end of the run.
func (m *Machine) Finish() { m.LoadAverageEnd = loadAverage() }

// Header is the machine in one markdown line.
func (m Machine) Header() string {
	s := "Machine: " + itoa(m.Cores) + " cores (" + m.CPU + "), " + m.OSArch + ", " + m.GoVersion
	if m.Traefik != "" {
		s += ", Traefik " + m.Traefik
	}
	s += "; plugin at " + m.Plugin + "; load average " + m.LoadAverage + " at the start"
	if m.LoadAverageEnd != "" {
		s += ", " + m.LoadAverageEnd + " at the end"
	}
	return s + " (1, 5, 15 min); started " + m.Started.Format(time.RFC3339) + "."
}

// cpuModel is the first "model name" of /proc/cpuinfo, or "unknown CPU".
func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		key, value, ok := strings.Cut(s.Text(), ":")
		if ok && strings.TrimSpace(key) == "model name" {
			return strings.TrimSpace(value)
		}
	}
	return "unknown CPU"
}

// loadAverage is the first three fields of /proc/loadavg, or "unknown".
func loadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	fields := strings.Fields(string(data))
	if len(fields) < 3 {
		return "unknown"
	}
	return strings.Join(fields[:3], " ")
}

// pluginRevision is the last commit that changed the plugin's own files
// (the root package, go.mod, .traefik.yml, vendor), with a note when they
// have uncommitted changes; "unknown" without git.
func pluginRevision() string {
	root, err := harness.RepoRoot()
	if err != nil {
		return "unknown"
	}
	files := []string{"--", ":(glob)*.go", "go.mod", "go.sum", ".traefik.yml", "vendor"}
	rev, err := exec.Command("git", append([]string{"-C", root, "log", "-1", "--format=%h"}, files...)...).Output()
	if err != nil || len(rev) == 0 {
		return "unknown"
	}
	s := strings.TrimSpace(string(rev))
	changed, err := exec.Command("git", append([]string{"-C", root, "status", "--porcelain"}, files...)...).Output()
	if err == nil && len(strings.TrimSpace(string(changed))) > 0 {
		s += " + uncommitted changes"
	}
	return s
}
