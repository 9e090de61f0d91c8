package compose

import (
	"fmt"
	"strings"

	"github.com/session-injector/sessioninjector/e2e/harness"
	"github.com/session-injector/sessioninjector/e2e/interp"
)

// LabelDynamic turns the HTTP configuration of a container's labels into
// the harness's file provider configuration: the same routers, the
// middlewares' plugin settings as interp.FromLabels decodes them (adjusted
// by adjust when not nil), and every service's server at appURL, where the
// Docker provider would use the container's address and labelled port.
func LabelDynamic(labels map[string]string, appURL string, adjust func(mw string, settings map[string]any) error) (harness.Dynamic, error) {
	h, err := DecodeRoutingLabels(labels)
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
	for _, name := range h.MiddlewareNames() {
		plugin, settings, err := interp.FromLabels(MiddlewareLabels(labels, name), name)
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

// MiddlewareLabels returns the labels of middleware name only:
// interp.FromLabels decodes into a configuration that has middlewares and
// nothing else, so a router's label would not decode there.
func MiddlewareLabels(labels map[string]string, name string) map[string]string {
	prefix := "traefik.http.middlewares." + name + "."
	out := map[string]string{}
	for k, v := range labels {
		if len(k) > len(prefix) && strings.EqualFold(k[:len(prefix)], prefix) {
			out[k] = v
		}
	}
	return out
}

// SetSetting replaces the value at a dotted path ("redis.address") of raw
// plugin settings, matching keys case-insensitively as Traefik does; the
// path must exist.
func SetSetting(settings map[string]any, path string, value any) error {
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
