package interp

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/session-injector/sessioninjector/e2e/gopath"
	"gopkg.in/yaml.v3"
)

// ManifestFile is the name of a plugin's manifest at its module root.
const ManifestFile = gopath.ManifestFile

// Manifest is a plugin's .traefik.yml, with the fields Traefik reads.
type Manifest struct {
	DisplayName   string         `yaml:"displayName"`
	Type          string         `yaml:"type"`
	Runtime       string         `yaml:"runtime"`
	WasmPath      string         `yaml:"wasmPath"`
	Import        string         `yaml:"import"`
	BasePkg       string         `yaml:"basePkg"`
	Compatibility string         `yaml:"compatibility"`
	Summary       string         `yaml:"summary"`
	UseUnsafe     bool           `yaml:"useUnsafe"`
	TestData      map[string]any `yaml:"testData"`
}

// ReadManifest reads <goPath>/src/<moduleName>/.traefik.yml as Traefik's
// plugin manager does.
func ReadManifest(goPath, moduleName string) (*Manifest, error) {
	p := filepath.Join(gopath.Dir(goPath, moduleName), ManifestFile)
	file, err := os.Open(p)
	if err != nil {
		return nil, fmt.Errorf("failed to open the plugin manifest %s: %w", p, err)
	}
	defer func() { _ = file.Close() }()

	m := &Manifest{}
	if err := yaml.NewDecoder(file).Decode(m); err != nil {
		return nil, fmt.Errorf("failed to decode the plugin manifest %s: %w", p, err)
	}
	return m, nil
}

// PackageName is the name under which Traefik evaluates New and
// CreateConfig: basePkg, or else the last element of the import path with
// '-' turned into '_'.
func (m *Manifest) PackageName() string {
	if m.BasePkg != "" {
		return m.BasePkg
	}
	return strings.ReplaceAll(path.Base(m.Import), "-", "_")
}
