package compose

import (
	"fmt"
	"sort"

	"github.com/traefik/paerser/file"
	"github.com/traefik/paerser/parser"

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
	HTTP *Routing `json:"http,omitempty" toml:"http,omitempty" yaml:"http,omitempty" export:"true"`
}

// Routing mirrors dynamic.HTTPConfiguration. Middlewares are decoded only
// to learn their names: their settings come from interp.FromLabels and
// interp.FromFile.
type Routing struct {
	Routers     map[string]*Router            `json:"routers,omitempty" toml:"routers,omitempty" yaml:"routers,omitempty" export:"true"`
	Services    map[string]*Service           `json:"services,omitempty" toml:"services,omitempty" yaml:"services,omitempty" export:"true"`
	Middlewares map[string]*interp.Middleware `json:"middlewares,omitempty" toml:"middlewares,omitempty" yaml:"middlewares,omitempty" export:"true"`
}

// Router mirrors dynamic.Router.
type Router struct {
	EntryPoints []string `json:"entryPoints,omitempty" toml:"entryPoints,omitempty" yaml:"entryPoints,omitempty" export:"true"`
	Middlewares []string `json:"middlewares,omitempty" toml:"middlewares,omitempty" yaml:"middlewares,omitempty" export:"true"`
	Service     string   `json:"service,omitempty" toml:"service,omitempty" yaml:"service,omitempty" export:"true"`
	Rule        string   `json:"rule,omitempty" toml:"rule,omitempty" yaml:"rule,omitempty"`
	Priority    int      `json:"priority,omitempty" toml:"priority,omitempty,omitzero" yaml:"priority,omitempty" export:"true"`
}

// Service mirrors dynamic.Service.
type Service struct {
	LoadBalancer *LoadBalancer `json:"loadBalancer,omitempty" toml:"loadBalancer,omitempty" yaml:"loadBalancer,omitempty" export:"true"`
}

// LoadBalancer mirrors dynamic.ServersLoadBalancer: with labels,
// "loadbalancer.server.port" is the one server of Servers.
type LoadBalancer struct {
	Servers []Server `json:"servers,omitempty" toml:"servers,omitempty" yaml:"servers,omitempty" label-slice-as-struct:"server" export:"true"`
}

// Server mirrors dynamic.Server: a URL in files, a port with labels (the
// Docker provider adds the container's address).
type Server struct {
	URL  string `json:"url,omitempty" toml:"url,omitempty" yaml:"url,omitempty"`
	Port string `json:"-" toml:"-" yaml:"-" file:"-" kv:"-"`
}

// DecodeRoutingLabels decodes container labels as the Docker provider does.
func DecodeRoutingLabels(labels map[string]string) (*Routing, error) {
	conf := &routingConfiguration{HTTP: &Routing{}}
	if err := parser.Decode(labels, conf, parser.DefaultRootName, labelFilters...); err != nil {
		return nil, fmt.Errorf("decode labels: %w", err)
	}
	return conf.HTTP, nil
}

// DecodeRoutingFile decodes a file provider's dynamic configuration
// (extension ".yml", ".yaml", ".toml" or ".json").
func DecodeRoutingFile(content, extension string) (*Routing, error) {
	conf := &routingConfiguration{HTTP: &Routing{}}
	if err := file.DecodeContent(content, extension, conf); err != nil {
		return nil, fmt.Errorf("decode %s file: %w", extension, err)
	}
	return conf.HTTP, nil
}

// MiddlewareNames returns the names of r's middlewares, sorted.
func (r *Routing) MiddlewareNames() []string {
	var out []string
	for name := range r.Middlewares {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}
