package harness

import (
	"encoding/json"
	"fmt"
	"strconv"
)

// Dynamic is the HTTP part of Traefik's dynamic configuration that tests
// write. The harness adds its own probe router to it.
type Dynamic struct {
	// Routers by name; their entry point defaults to "web".
	Routers map[string]Router
	// Middlewares by name; see PluginMiddleware.
	Middlewares map[string]Middleware
	// Services by name.
	Services map[string]Service
}

// Router is one HTTP router.
type Router struct {
	Rule        string
	Middlewares []string
	Service     string
	// Priority overrides Traefik's rule-length priority when not zero.
	Priority int
}

// Middleware is one middleware's configuration, as Traefik's file provider
// reads it, e.g. {"headers": {...}}.
type Middleware map[string]any

// PluginMiddleware configures the local plugin named plugin; a nil config
// leaves every setting at its default.
func PluginMiddleware(plugin string, config map[string]any) Middleware {
	if config == nil {
		config = map[string]any{}
	}
	return Middleware{"plugin": map[string]any{plugin: config}}
}

// Service is a load balancer with one server.
type Service struct {
	URL string
}

// probeRouter routes Host(probeHost) to noop@internal and tags the answer
// with the configuration generation, so the harness can tell when Traefik
// serves a configuration it wrote.
const (
	probeRouter     = "harness-probe"
	probeHost       = "harness.probe"
	probeHeader     = "X-Harness-Generation"
	probeMiddleware = "harness-generation"
)

// render returns the file provider document (JSON, which YAML parsers read)
// for d, with the probe router tagged with generation gen.
func (d Dynamic) render(gen int) ([]byte, error) {
	routers := map[string]any{
		probeRouter: map[string]any{
			"rule":        "Host(`" + probeHost + "`)",
			"entryPoints": []string{"web"},
			"middlewares": []string{probeMiddleware},
			"service":     "noop@internal",
		},
	}
	for name, r := range d.Routers {
		if name == probeRouter {
			return nil, fmt.Errorf("router name %q is reserved by the harness", name)
		}
		if r.Rule == "" || r.Service == "" {
			return nil, fmt.Errorf("router %q: rule and service are required", name)
		}
		m := map[string]any{"rule": r.Rule, "entryPoints": []string{"web"}, "service": r.Service}
		if len(r.Middlewares) > 0 {
			m["middlewares"] = r.Middlewares
		}
		if r.Priority != 0 {
			m["priority"] = r.Priority
		}
		routers[name] = m
	}
	middlewares := map[string]any{
		probeMiddleware: map[string]any{"headers": map[string]any{
			"customResponseHeaders": map[string]string{probeHeader: strconv.Itoa(gen)},
		}},
	}
	for name, m := range d.Middlewares {
		middlewares[name] = m
	}
	services := map[string]any{}
	for name, s := range d.Services {
		services[name] = map[string]any{"loadBalancer": map[string]any{
			"servers": []map[string]string{{"url": s.URL}},
		}}
	}
	http := map[string]any{"routers": routers, "middlewares": middlewares}
	if len(services) > 0 {
		http["services"] = services
	}
	return json.MarshalIndent(map[string]any{"http": http}, "", "  ")
}
