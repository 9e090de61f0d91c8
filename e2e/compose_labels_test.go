package e2e

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/mitchellh/mapstructure"
	"github.com/traefik/paerser/file"
	"github.com/traefik/paerser/parser"

	"github.com/session-injector/sessioninjector"
	"github.com/session-injector/sessioninjector/e2e/harness"
	"github.com/session-injector/sessioninjector/e2e/interp"
)

// labelFilters are the label prefixes Traefik's Docker provider decodes
// (pkg/config/label.DecodeConfiguration), as interp.FromLabels uses them.
var labelFilters = []string{"traefik.http", "traefik.tcp", "traefik.udp", "traefik.tls.stores.default"}

// routingConfiguration mirrors the routers and services of Traefik's
// dynamic.Configuration, with the fields and tags of Traefik v3.6 that the
// demo's configuration uses: a label or a file key outside them fails to
// decode, as a misspelt one would fail in Traefik.
type routingConfiguration struct {
	HTTP *routingHTTP `json:"http,omitempty" toml:"http,omitempty" yaml:"http,omitempty" export:"true"`
}

// routingHTTP mirrors dynamic.HTTPConfiguration. Middlewares are decoded
// only to learn their names: their settings come from interp.FromLabels
// and interp.FromFile.
type routingHTTP struct {
	Routers     map[string]*routingRouter     `json:"routers,omitempty" toml:"routers,omitempty" yaml:"routers,omitempty" export:"true"`
	Services    map[string]*routingService    `json:"services,omitempty" toml:"services,omitempty" yaml:"services,omitempty" export:"true"`
	Middlewares map[string]*interp.Middleware `json:"middlewares,omitempty" toml:"middlewares,omitempty" yaml:"middlewares,omitempty" export:"true"`
}

// routingRouter mirrors dynamic.Router.
type routingRouter struct {
	EntryPoints []string `json:"entryPoints,omitempty" toml:"entryPoints,omitempty" yaml:"entryPoints,omitempty" export:"true"`
	Middlewares []string `json:"middlewares,omitempty" toml:"middlewares,omitempty" yaml:"middlewares,omitempty" export:"true"`
	Service     string   `json:"service,omitempty" toml:"service,omitempty" yaml:"service,omitempty" export:"true"`
	Rule        string   `json:"rule,omitempty" toml:"rule,omitempty" yaml:"rule,omitempty"`
	Priority    int      `json:"priority,omitempty" toml:"priority,omitempty,omitzero" yaml:"priority,omitempty" export:"true"`
}

// routingService mirrors dynamic.Service.
type routingService struct {
	LoadBalancer *routingLoadBalancer `json:"loadBalancer,omitempty" toml:"loadBalancer,omitempty" yaml:"loadBalancer,omitempty" export:"true"`
}

// routingLoadBalancer mirrors dynamic.ServersLoadBalancer: with labels,
// "loadbalancer.server.port" is the one server of Servers.
type routingLoadBalancer struct {
	Servers []routingServer `json:"servers,omitempty" toml:"servers,omitempty" yaml:"servers,omitempty" label-slice-as-struct:"server" export:"true"`
}

// routingServer mirrors dynamic.Server: a URL in files, a port with labels
// (the Docker provider adds the container's address).
type routingServer struct {
	URL  string `json:"url,omitempty" toml:"url,omitempty" yaml:"url,omitempty"`
	Port string `json:"-" toml:"-" yaml:"-" file:"-" kv:"-"`
}

// decodeRoutingLabels decodes container labels as the Docker provider does.
func decodeRoutingLabels(labels map[string]string) (*routingHTTP, error) {
	conf := &routingConfiguration{HTTP: &routingHTTP{}}
	if err := parser.Decode(labels, conf, parser.DefaultRootName, labelFilters...); err != nil {
		return nil, fmt.Errorf("decode labels: %w", err)
	}
	return conf.HTTP, nil
}

// decodeRoutingFile decodes a file provider's dynamic configuration.
func decodeRoutingFile(content, extension string) (*routingHTTP, error) {
	conf := &routingConfiguration{HTTP: &routingHTTP{}}
	if err := file.DecodeContent(content, extension, conf); err != nil {
		return nil, fmt.Errorf("decode %s file: %w", extension, err)
	}
	return conf.HTTP, nil
}

// middlewareNames returns the names of h's middlewares, sorted.
func (h *routingHTTP) middlewareNames() []string {
	var out []string
	for name := range h.Middlewares {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// labelDynamic turns the HTTP configuration of a container's labels into
// the harness's file provider configuration: the same routers, the
// middlewares' plugin settings as interp.FromLabels decodes them (adjusted
// by adjust when not nil), and every service's server at appURL, where the
// Docker provider would use the container's address and labelled port.
func labelDynamic(labels map[string]string, appURL string, adjust func(mw string, settings map[string]any) error) (harness.Dynamic, error) {
	h, err := decodeRoutingLabels(labels)
	if err != nil {
		return harness.Dynamic{}, err
	}
	d := harness.Dynamic{
		Routers:     map[string]harness.Router{},
		Middlewares: map[string]harness.Middleware{},
		Services:    map[string]harness.Service{},
	}
	for name, r := range h.Routers {
		d.Routers[name] = harness.Router{Rule: r.Rule, Middlewares: r.Middlewares, Service: r.Service, Priority: r.Priority}
	}
	for _, name := range h.middlewareNames() {
		plugin, settings, err := interp.FromLabels(middlewareLabels(labels, name), name)
		if err != nil {
			return harness.Dynamic{}, fmt.Errorf("middleware %s: %w", name, err)
		}
		if adjust != nil {
			if err := adjust(name, settings); err != nil {
				return harness.Dynamic{}, fmt.Errorf("middleware %s: %w", name, err)
			}
		}
		d.Middlewares[name] = harness.PluginMiddleware(plugin, settings)
	}
	for name := range h.Services {
		d.Services[name] = harness.Service{URL: appURL}
	}
	return d, nil
}

// middlewareLabels returns the labels of middleware name only:
// interp.FromLabels decodes into a configuration that has middlewares and
// nothing else, so a router's label would not decode there.
func middlewareLabels(labels map[string]string, name string) map[string]string {
	prefix := "traefik.http.middlewares." + name + "."
	out := map[string]string{}
	for k, v := range labels {
		if len(k) > len(prefix) && strings.EqualFold(k[:len(prefix)], prefix) {
			out[k] = v
		}
	}
	return out
}

// setSetting replaces the value at a dotted path ("redis.address") of raw
// plugin settings, matching keys case-insensitively as Traefik does; the
// path must exist.
func setSetting(settings map[string]any, path string, value any) error {
	keys := strings.Split(path, ".")
	m := settings
	for i, k := range keys {
		found := ""
		for have := range m {
			if strings.EqualFold(have, k) {
				found = have
			}
		}
		if found == "" {
			return fmt.Errorf("no setting %s", strings.Join(keys[:i+1], "."))
		}
		if i == len(keys)-1 {
			m[found] = value
			return nil
		}
		next, ok := m[found].(map[string]any)
		if !ok {
			return fmt.Errorf("setting %s is a %T, not a section", strings.Join(keys[:i+1], "."), m[found])
		}
		m = next
	}
	return nil
}

// decodePluginConfig fills the plugin's Config from raw settings the way
// Traefik does (mapstructure, weakly typed, comma-separated lists), and
// returns the settings it did not use: Traefik drops them silently, so a
// misspelt key would go unnoticed.
func decodePluginConfig(raw map[string]any) (*sessioninjector.Config, []string, error) {
	cfg := sessioninjector.CreateConfig()
	var md mapstructure.Metadata
	decoder, err := mapstructure.NewDecoder(&mapstructure.DecoderConfig{
		DecodeHook:       mapstructure.StringToSliceHookFunc(","),
		WeaklyTypedInput: true,
		Metadata:         &md,
		Result:           cfg,
	})
	if err != nil {
		return nil, nil, err
	}
	if err := decoder.Decode(raw); err != nil {
		return nil, nil, err
	}
	sort.Strings(md.Unused)
	return cfg, md.Unused, nil
}

// buildPlugin runs the compiled plugin's New on cfg, which refuses what
// Traefik would refuse when it builds the middleware.
func buildPlugin(cfg *sessioninjector.Config, name string) error {
	_, err := sessioninjector.New(context.Background(), http.NotFoundHandler(), cfg, name)
	return err
}
