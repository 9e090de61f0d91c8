package bench

import (
	"bufio"
	"os"
	"runtime"
	"strings"
	"time"
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
	s += "; load average " + m.LoadAverage + " at the start"
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
