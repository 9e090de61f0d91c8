package harness

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// StartTimeout bounds how long Start and Update wait for Traefik to serve
// a configuration.
const StartTimeout = 45 * time.Second

// Options configures one Traefik instance.
type Options struct {
	// Plugins are laid out in plugins-local and declared in the static
	// configuration. Default: the session injector only.
	Plugins []Plugin
	// Dynamic is the first dynamic configuration.
	Dynamic Dynamic
	// TrustForwardedHeaders makes the web entry point keep X-Forwarded-*
	// headers from any client (forwardedHeaders.insecure).
	TrustForwardedHeaders bool
	// AllowBrokenRouters lets routers end up disabled (for tests of a
	// configuration the plugin must refuse); by default Start and Update
	// fail when a configured router is not enabled.
	AllowBrokenRouters bool
	// AllowLog lists substrings of log lines the cleanup check ignores.
	AllowLog []string
	// LogLevel is Traefik's log level; DEBUG (the default) shows the
	// plugin's refusals, INFO is what production runs and benchmarks want.
	LogLevel string
	// Pprof serves Go's profiling handlers under /debug/pprof/ on the API
	// entry point (api.debug), for profiles of Traefik under load.
	Pprof bool
}

// Traefik is one running Traefik process.
type Traefik struct {
	// Dir is the working directory holding the configuration and the log.
	Dir string
	// WebAddr is the web entry point's loopback address (host:port).
	WebAddr string
	// APIAddr serves the API and ping (the traefik entry point).
	APIAddr string
	// LogPath is Traefik's log (stdout and stderr).
	LogPath string

	t       testing.TB
	opts    Options
	cmd     *exec.Cmd
	exited  chan struct{}
	gen     int
	stopped bool
}

// Start lays out the plugins, writes the configuration, starts Traefik and
// waits until it serves opts.Dynamic. Cleanup stops Traefik and fails the
// test when the log shows a plugin error or a panic.
func Start(t testing.TB, opts Options) *Traefik {
	t.Helper()
	bin := TraefikBinary(t)
	if len(opts.Plugins) == 0 {
		p, err := SessionInjector()
		if err != nil {
			t.Fatal(err)
		}
		opts.Plugins = []Plugin{p}
	}
	dir := t.TempDir()
	for _, p := range opts.Plugins {
		if err := p.Install(dir); err != nil {
			t.Fatalf("install plugin %s: %v", p.Name, err)
		}
	}
	tr := &Traefik{
		Dir:     dir,
		WebAddr: FreeAddr(t, "127.0.0.1"),
		APIAddr: FreeAddr(t, "127.0.0.1"),
		LogPath: filepath.Join(dir, "traefik.log"),
		t:       t,
		opts:    opts,
		exited:  make(chan struct{}),
	}
	static, err := tr.staticConfig()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "traefik.yml"), static, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := tr.writeDynamic(opts.Dynamic); err != nil {
		t.Fatal(err)
	}
	logFile, err := os.Create(tr.LogPath)
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	tr.cmd = exec.Command(bin, "--configFile="+filepath.Join(dir, "traefik.yml"))
	tr.cmd.Dir = dir
	tr.cmd.Stdout = logFile
	tr.cmd.Stderr = logFile
	if err := tr.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	go func() {
		_ = tr.cmd.Wait()
		close(tr.exited)
	}()
	t.Cleanup(tr.cleanup)
	if err := tr.waitConfig(opts.Dynamic); err != nil {
		t.Fatalf("traefik did not start: %v\n%s", err, tr.logTail(60))
	}
	return tr
}

// StartN starts n instances with the same options, one after the other.
func StartN(t testing.TB, n int, opts Options) []*Traefik {
	t.Helper()
	out := make([]*Traefik, n)
	for i := range out {
		out[i] = Start(t, opts)
	}
	return out
}

// Update replaces the dynamic configuration and waits until Traefik serves
// it; failures are reported to t (the test or subtest calling it).
func (tr *Traefik) Update(t testing.TB, d Dynamic) {
	t.Helper()
	tr.opts.Dynamic = d
	if err := tr.writeDynamic(d); err != nil {
		t.Fatal(err)
	}
	if err := tr.waitConfig(d); err != nil {
		t.Fatalf("traefik did not apply the new configuration: %v\n%s", err, tr.logTail(60))
	}
}

// staticConfig renders traefik.yml (as JSON, which YAML parsers read).
func (tr *Traefik) staticConfig() ([]byte, error) {
	web := map[string]any{
		"address":   tr.WebAddr,
		"transport": map[string]any{"lifeCycle": map[string]any{"graceTimeOut": "1s"}},
	}
	if tr.opts.TrustForwardedHeaders {
		web["forwardedHeaders"] = map[string]any{"insecure": true}
	}
	local := map[string]any{}
	for _, p := range tr.opts.Plugins {
		if _, dup := local[p.Name]; dup {
			return nil, fmt.Errorf("plugin name %q used twice", p.Name)
		}
		local[p.Name] = map[string]any{"moduleName": p.Module}
	}
	doc := map[string]any{
		"global": map[string]any{"checkNewVersion": false, "sendAnonymousUsage": false},
		"entryPoints": map[string]any{
			"web":     web,
			"traefik": map[string]any{"address": tr.APIAddr},
		},
		"api":  map[string]any{"insecure": true, "dashboard": false, "debug": tr.opts.Pprof},
		"ping": map[string]any{"entryPoint": "traefik"},
		"log":  map[string]any{"level": tr.logLevel(), "noColor": true},
		"providers": map[string]any{
			"providersThrottleDuration": "100ms",
			"file":                      map[string]any{"filename": filepath.Join(tr.Dir, "dynamic.yml"), "watch": true},
		},
		"experimental": map[string]any{"localPlugins": local, "abortOnPluginFailure": true},
	}
	return json.MarshalIndent(doc, "", "  ")
}

// writeDynamic writes the next generation of dynamic.yml atomically.
func (tr *Traefik) writeDynamic(d Dynamic) error {
	tr.gen++
	data, err := d.render(tr.gen)
	if err != nil {
		return err
	}
	tmp := filepath.Join(tr.Dir, "dynamic.yml.tmp")
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(tr.Dir, "dynamic.yml"))
}

// waitConfig waits until the probe router answers with the current
// generation, then until every router of d is known to the API (and
// enabled unless AllowBrokenRouters).
func (tr *Traefik) waitConfig(d Dynamic) error {
	deadline := time.Now().Add(StartTimeout)
	want := strconv.Itoa(tr.gen)
	var last error
	for {
		select {
		case <-tr.exited:
			return fmt.Errorf("traefik exited: %v", tr.cmd.ProcessState)
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("timed out after %s: %v", StartTimeout, last)
		}
		last = tr.probe(want)
		if last == nil {
			last = tr.checkRouters(d)
			if last == nil {
				return nil
			}
			if errors.Is(last, errBrokenRouter) {
				return last
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// probe asks the probe router for its generation.
func (tr *Traefik) probe(want string) error {
	req, err := http.NewRequest(http.MethodGet, "http://"+tr.WebAddr+"/", nil)
	if err != nil {
		return err
	}
	req.Host = probeHost
	resp, err := apiClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if got := resp.Header.Get(probeHeader); got != want {
		return fmt.Errorf("probe answered %s with generation %q, want %q", resp.Status, got, want)
	}
	return nil
}

// logLevel is opts.LogLevel, DEBUG by default.
func (tr *Traefik) logLevel() string {
	if tr.opts.LogLevel == "" {
		return "DEBUG"
	}
	return tr.opts.LogLevel
}
