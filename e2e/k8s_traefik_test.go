package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sync"
	"testing"

	"github.com/session-injector/sessioninjector/e2e/harness"
)

// k8sTraefikModule is the Go module whose sources carry Traefik's CRD
// schemas and reference RBAC.
const k8sTraefikModule = "github.com/traefik/traefik/v3"

// k8sTraefikDocs is where the pinned Traefik module keeps its Kubernetes
// reference files (traefik.io_*.yaml CRDs, kubernetes-crd-rbac.yml).
const k8sTraefikDocs = "docs/content/reference/dynamic-configuration"

// k8sVersionPin matches the default version in scripts/traefik.sh:
// version="${TRAEFIK_VERSION:-v3.6.12}".
var k8sVersionPin = regexp.MustCompile(`\$\{TRAEFIK_VERSION:-(v\d+\.\d+\.\d+)\}`)

// k8sPinnedTraefikVersion returns the Traefik version scripts/traefik.sh
// pins (its default; the demo's CRD link and image follow the pin).
func k8sPinnedTraefikVersion(t testing.TB) string {
	t.Helper()
	root, err := harness.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(root, "scripts", "traefik.sh")
	content, err := os.ReadFile(script)
	if err != nil {
		t.Fatal(err)
	}
	m := k8sVersionPin.FindSubmatch(content)
	if m == nil {
		t.Fatalf("%s: no ${TRAEFIK_VERSION:-vX.Y.Z} default version", script)
	}
	return string(m[1])
}

var k8sModuleDir struct {
	sync.Once
	dir, err string
}

// k8sTraefikModuleDir returns the directory of the pinned Traefik module's
// sources in the Go module cache, downloading it if needed. Without it the
// test is skipped, or fails under CI.
func k8sTraefikModuleDir(t testing.TB) string {
	t.Helper()
	version := k8sPinnedTraefikVersion(t)
	k8sModuleDir.Do(func() {
		k8sModuleDir.dir, k8sModuleDir.err = k8sDownloadModule(k8sTraefikModule + "@" + version)
	})
	if k8sModuleDir.dir == "" {
		if harness.InCI() {
			t.Fatalf("Traefik's module source: %s", k8sModuleDir.err)
		}
		t.Skipf("Traefik's module source: %s", k8sModuleDir.err)
	}
	return k8sModuleDir.dir
}

// k8sDownloadModule runs `go mod download -json` for module@version outside
// any module, as scripts/traefik.sh does, and returns its Dir.
func k8sDownloadModule(moduleAtVersion string) (dir, problem string) {
	tmp, err := os.MkdirTemp("", "k8s-mod-download-")
	if err != nil {
		return "", err.Error()
	}
	defer os.RemoveAll(tmp)
	cmd := exec.Command("go", "mod", "download", "-json", moduleAtVersion)
	cmd.Dir = tmp
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, runErr := cmd.Output()
	var info struct {
		Dir   string
		Error string
	}
	if err := json.Unmarshal(out, &info); err != nil && runErr == nil {
		return "", fmt.Sprintf("go mod download -json %s: %v", moduleAtVersion, err)
	}
	switch {
	case info.Error != "":
		return "", fmt.Sprintf("go mod download %s: %s", moduleAtVersion, info.Error)
	case runErr != nil:
		return "", fmt.Sprintf("go mod download %s: %v: %s", moduleAtVersion, runErr, stderr.String())
	case info.Dir == "":
		return "", fmt.Sprintf("go mod download %s: no Dir in %s", moduleAtVersion, out)
	}
	if _, err := os.Stat(filepath.Join(info.Dir, filepath.FromSlash(k8sTraefikDocs))); err != nil {
		return "", fmt.Sprintf("%s has no %s: %v", moduleAtVersion, k8sTraefikDocs, err)
	}
	return info.Dir, ""
}
