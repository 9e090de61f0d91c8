package bench

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/session-injector/sessioninjector/e2e/harness"
)

// OutDir is where reports are written: e2e/out/bench/ in the repository
// (ignored by git).
func OutDir() (string, error) {
	dir, err := harness.SaveDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "bench"), nil
}

// WriteReport writes <OutDir>/<name>.md with markdown and <name>.json with
// data (indented), and returns the markdown file's path.
func WriteReport(name, markdown string, data any) (string, error) {
	dir, err := OutDir()
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	js, err := json.MarshalIndent(data, "", "  ")
	if err != nil {
		return "", fmt.Errorf("report %s: %w", name, err)
	}
	md := filepath.Join(dir, name+".md")
	if err := os.WriteFile(md, []byte(markdown), 0o644); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(dir, name+".json"), append(js, '\n'), 0o644); err != nil {
		return "", err
	}
	return md, nil
}

// Verdict is "met" or "missed" for a figure against its target.
func Verdict(met bool) string {
	if met {
		return "met"
	}
	return "**missed**"
}

func itoa(n int) string { return strconv.Itoa(n) }
