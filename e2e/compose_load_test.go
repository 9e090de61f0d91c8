package e2e

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/session-injector/sessioninjector/e2e/harness"
)

// composeFileName is the Compose file at the repository root.
const composeFileName = "docker-compose.yml"

// composeEnv are the test's values of the variables docker-compose.yml reads.
var composeEnv = map[string]string{
	"SESSIONINJECTOR_SECRET":         "compose-test-secret-0123456789abcdef0123456789",
	"SESSIONINJECTOR_REDIS_PASSWORD": "compose-test-redis-password",
}

// composeProject is the part of docker-compose.yml the tests read, after
// YAML anchors, merge keys and interpolation.
type composeProject struct {
	// Dir is the folder of the file, against which relative paths resolve.
	Dir      string
	Services map[string]composeService
}

// composeService is one service, its fields in the forms the file uses.
type composeService struct {
	Name        string
	Image       string
	Build       string // the build context
	WorkingDir  string
	Command     []string
	Ports       []string
	Volumes     []string
	Environment map[string]string
	Labels      map[string]string
	Profiles    []string
	DependsOn   []string
}

// readCompose returns the folder of docker-compose.yml and the file parsed
// as YAML (anchors and merge keys resolved, as Compose resolves them), not
// yet interpolated.
func readCompose() (dir string, raw map[string]any, err error) {
	dir, err = harness.RepoRoot()
	if err != nil {
		return "", nil, err
	}
	data, err := os.ReadFile(filepath.Join(dir, composeFileName))
	if err != nil {
		return "", nil, err
	}
	if err := yaml.Unmarshal(data, &raw); err != nil {
		return "", nil, fmt.Errorf("%s: %w", composeFileName, err)
	}
	return dir, raw, nil
}

// loadCompose reads docker-compose.yml and interpolates it with env.
func loadCompose(env map[string]string) (*composeProject, error) {
	dir, raw, err := readCompose()
	if err != nil {
		return nil, err
	}
	// Compose interpolates every value of the file, whatever the profiles.
	interpolated, err := mapStrings(raw, "", func(path, s string) (string, error) {
		v, err := interpolate(s, env)
		if err != nil {
			return "", fmt.Errorf("%s: %w", path, err)
		}
		return v, nil
	})
	if err != nil {
		return nil, err
	}
	return newComposeProject(dir, interpolated.(map[string]any))
}

// mustLoadCompose is loadCompose with composeEnv, failing the test on error.
func mustLoadCompose(t *testing.T) *composeProject {
	t.Helper()
	p, err := loadCompose(composeEnv)
	require.NoError(t, err)
	return p
}

// service returns the service name, failing the test when there is none.
func (p *composeProject) service(t *testing.T, name string) composeService {
	t.Helper()
	s, ok := p.Services[name]
	require.True(t, ok, "%s has no service %q", composeFileName, name)
	return s
}

// names returns the names of the services for which keep is true, sorted.
func (p *composeProject) names(keep func(composeService) bool) []string {
	var out []string
	for name, s := range p.Services {
		if keep(s) {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// mapStrings returns a copy of v with fn applied to every string value (not
// to map keys), path naming where each one is.
func mapStrings(v any, path string, fn func(path, s string) (string, error)) (any, error) {
	switch v := v.(type) {
	case string:
		return fn(path, v)
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			c, err := mapStrings(e, strings.TrimPrefix(path+"."+k, "."), fn)
			if err != nil {
				return nil, err
			}
			out[k] = c
		}
		return out, nil
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			c, err := mapStrings(e, fmt.Sprintf("%s[%d]", path, i), fn)
			if err != nil {
				return nil, err
			}
			out[i] = c
		}
		return out, nil
	default:
		return v, nil
	}
}

// newComposeProject reads the services of an interpolated file.
func newComposeProject(dir string, raw map[string]any) (*composeProject, error) {
	services, ok := raw["services"].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s: no services", composeFileName)
	}
	p := &composeProject{Dir: dir, Services: map[string]composeService{}}
	for name, v := range services {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("service %s: not a mapping", name)
		}
		s, err := newComposeService(name, m)
		if err != nil {
			return nil, fmt.Errorf("service %s: %w", name, err)
		}
		p.Services[name] = s
	}
	return p, nil
}

// newComposeService reads one service's fields.
func newComposeService(name string, m map[string]any) (composeService, error) {
	s := composeService{Name: name}
	var err error
	if s.Image, err = optString(m, "image"); err != nil {
		return s, err
	}
	if s.WorkingDir, err = optString(m, "working_dir"); err != nil {
		return s, err
	}
	switch b := m["build"].(type) {
	case nil:
	case string:
		s.Build = b
	case map[string]any:
		if s.Build, err = optString(b, "context"); err != nil {
			return s, fmt.Errorf("build: %w", err)
		}
	default:
		return s, fmt.Errorf("build: %T is neither a path nor a mapping", b)
	}
	for key, dst := range map[string]*[]string{
		"command": &s.Command, "ports": &s.Ports, "volumes": &s.Volumes, "profiles": &s.Profiles,
	} {
		if *dst, err = optStrings(m, key); err != nil {
			return s, err
		}
	}
	if deps, ok := m["depends_on"].(map[string]any); ok {
		for dep := range deps {
			s.DependsOn = append(s.DependsOn, dep)
		}
		sort.Strings(s.DependsOn)
	} else if s.DependsOn, err = optStrings(m, "depends_on"); err != nil {
		return s, err
	}
	if s.Environment, err = stringMap(m, "environment"); err != nil {
		return s, err
	}
	if s.Labels, err = stringMap(m, "labels"); err != nil {
		return s, err
	}
	return s, nil
}

// optString returns m[key] when it is a string, "" when absent.
func optString(m map[string]any, key string) (string, error) {
	switch v := m[key].(type) {
	case nil:
		return "", nil
	case string:
		return v, nil
	default:
		return "", fmt.Errorf("%s: %v is a %T, not a string", key, v, v)
	}
}

// optStrings returns m[key] when it is a list of strings, nil when absent.
// A command given as one string would be split by Compose's shell rules:
// the file uses lists only.
func optStrings(m map[string]any, key string) ([]string, error) {
	v, ok := m[key]
	if !ok || v == nil {
		return nil, nil
	}
	list, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("%s: %T, want a list", key, v)
	}
	out := make([]string, len(list))
	for i, e := range list {
		if out[i], ok = e.(string); !ok {
			return nil, fmt.Errorf("%s[%d]: %v is a %T, not a string (quote it)", key, i, e, e)
		}
	}
	return out, nil
}

// stringMap returns m[key] as a map: the mapping form with string values
// (Compose wants strings; an unquoted true or 8081 is a YAML bool or int),
// or the list form of "KEY=value" items.
func stringMap(m map[string]any, key string) (map[string]string, error) {
	out := map[string]string{}
	switch v := m[key].(type) {
	case nil:
	case map[string]any:
		for k, e := range v {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("%s %s: %v is a %T, not a string (quote it)", key, k, e, e)
			}
			out[k] = s
		}
	case []any:
		for i, e := range v {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("%s[%d]: %v is a %T, not a string", key, i, e, e)
			}
			k, val, ok := strings.Cut(s, "=")
			if !ok {
				return nil, fmt.Errorf("%s[%d]: %q has no =", key, i, s)
			}
			if _, dup := out[k]; dup {
				return nil, fmt.Errorf("%s: %s given twice", key, k)
			}
			out[k] = val
		}
	default:
		return nil, fmt.Errorf("%s: %T is neither a mapping nor a list", key, v)
	}
	return out, nil
}

// commandFlags returns the "--name=value" items of a command, names lower-cased
// (Traefik's flags are case-insensitive); a flag without "=" is "true".
func commandFlags(command []string) (map[string]string, error) {
	out := map[string]string{}
	for _, arg := range command {
		if !strings.HasPrefix(arg, "--") {
			return nil, fmt.Errorf("argument %q is not a --flag", arg)
		}
		name, value, ok := strings.Cut(strings.TrimPrefix(arg, "--"), "=")
		if !ok {
			value = "true"
		}
		name = strings.ToLower(name)
		if _, dup := out[name]; dup {
			return nil, fmt.Errorf("flag --%s given twice", name)
		}
		out[name] = value
	}
	return out, nil
}

// publishedPort is one "[ip:]hostPort:containerPort" item of ports.
type publishedPort struct {
	IP, Host, Container string
}

// parsePublishedPort reads the short syntax of a published port.
func parsePublishedPort(s string) (publishedPort, error) {
	parts := strings.Split(s, ":")
	var p publishedPort
	switch len(parts) {
	case 2:
		p = publishedPort{Host: parts[0], Container: parts[1]}
	case 3:
		p = publishedPort{IP: parts[0], Host: parts[1], Container: parts[2]}
	default:
		return p, fmt.Errorf("port %q: want [ip:]host:container", s)
	}
	if p.IP != "" && net.ParseIP(p.IP) == nil {
		return p, fmt.Errorf("port %q: %q is not an IP address", s, p.IP)
	}
	if p.Host == "" || p.Container == "" {
		return p, fmt.Errorf("port %q: a host and a container port, please", s)
	}
	return p, nil
}

// volumeMount is one "source:target[:mode]" item of volumes.
type volumeMount struct {
	Source, Target, Mode string
}

// parseVolume reads the short syntax of a volume.
func parseVolume(s string) (volumeMount, error) {
	parts := strings.Split(s, ":")
	switch len(parts) {
	case 2:
		return volumeMount{Source: parts[0], Target: parts[1], Mode: "rw"}, nil
	case 3:
		return volumeMount{Source: parts[0], Target: parts[1], Mode: parts[2]}, nil
	default:
		return volumeMount{}, fmt.Errorf("volume %q: want source:target[:mode]", s)
	}
}
