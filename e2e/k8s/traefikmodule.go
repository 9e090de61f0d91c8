package k8s

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
)

// TraefikModule is the Go module whose sources carry Traefik's CRD schemas
// and reference RBAC.
const TraefikModule = "github.com/traefik/traefik/v3"

// TraefikDocs is where the Traefik module keeps its Kubernetes reference
// files (traefik.io_*.yaml CRDs, kubernetes-crd-rbac.yml).
const TraefikDocs = "docs/content/reference/dynamic-configuration"

// versionPin matches the default version in scripts/traefik.sh:
// version="${TRAEFIK_VERSION:-v3.6.12}".
var versionPin = regexp.MustCompile(`\$\{TRAEFIK_VERSION:-(v\d+\.\d+\.\d+)\}`)

// PinnedTraefikVersion returns the Traefik version that scripts/traefik.sh
// under the repository root pins (its default; the demo's CRD link and
// image follow the pin).
func PinnedTraefikVersion(root string) (string, error) {
	script := filepath.Join(root, "scripts", "traefik.sh")
	content, err := os.ReadFile(script)
	if err != nil {
		return "", err
	}
	m := versionPin.FindSubmatch(content)
	if m == nil {
		return "", fmt.Errorf("%s: no ${TRAEFIK_VERSION:-vX.Y.Z} default version", script)
	}
	return string(m[1]), nil
}

// DownloadModule runs `go mod download -json module@version` outside any
// module, as scripts/traefik.sh does, and returns the directory of the
// module's sources in the module cache, which must hold TraefikDocs.
func DownloadModule(moduleAtVersion string) (string, error) {
	tmp, err := os.MkdirTemp("", "k8s-mod-download-")
	if err != nil {
		return "", err
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
		return "", fmt.Errorf("go mod download -json %s: %w", moduleAtVersion, err)
	}
	switch {
	case info.Error != "":
		return "", fmt.Errorf("go mod download %s: %s", moduleAtVersion, info.Error)
	case runErr != nil:
		return "", fmt.Errorf("go mod download %s: %w: %s", moduleAtVersion, runErr, stderr.String())
	case info.Dir == "":
		return "", errors.New("go mod download " + moduleAtVersion + ": no Dir in " + string(out))
	}
	if _, err := os.Stat(filepath.Join(info.Dir, filepath.FromSlash(TraefikDocs))); err != nil {
		return "", fmt.Errorf("%s has no %s: %w", moduleAtVersion, TraefikDocs, err)
	}
	return info.Dir, nil
}
