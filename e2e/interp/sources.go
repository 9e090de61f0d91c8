package interp

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/traefik/paerser/file"
	"github.com/traefik/paerser/parser"
)

// PluginConf is one plugin's raw settings, as in Traefik's dynamic.PluginConf.
type PluginConf map[string]any

// Middleware mirrors the plugin part of Traefik's dynamic.Middleware.
type Middleware struct {
	Plugin map[string]PluginConf `json:"plugin,omitempty" toml:"plugin,omitempty" yaml:"plugin,omitempty" export:"true"`
}

// HTTPConfiguration mirrors the middlewares of Traefik's dynamic.HTTPConfiguration.
type HTTPConfiguration struct {
	Middlewares map[string]*Middleware `json:"middlewares,omitempty" toml:"middlewares,omitempty" yaml:"middlewares,omitempty" export:"true"`
}

// Configuration mirrors the HTTP part of Traefik's dynamic.Configuration,
// enough for paerser to decode http.middlewares.<name>.plugin.<plugin>.
type Configuration struct {
	HTTP *HTTPConfiguration `json:"http,omitempty" toml:"http,omitempty" yaml:"http,omitempty" export:"true"`
}

// FromFile decodes a file provider's dynamic configuration (extension
// ".yml", ".yaml", ".toml" or ".json") with paerser, as Traefik's file
// provider does, and returns the settings of middleware name.
func FromFile(content, extension, name string) (string, map[string]any, error) {
	conf := &Configuration{HTTP: &HTTPConfiguration{Middlewares: map[string]*Middleware{}}}
	if err := file.DecodeContent(content, strings.ToLower(extension), conf); err != nil {
		return "", nil, err
	}
	return conf.plugin(name)
}

// FromLabels decodes container labels with paerser, as Traefik's Docker
// provider does (pkg/config/label.DecodeConfiguration), and returns the
// settings of middleware name.
func FromLabels(labels map[string]string, name string) (string, map[string]any, error) {
	conf := &Configuration{HTTP: &HTTPConfiguration{}}
	err := parser.Decode(labels, conf, parser.DefaultRootName, "traefik.http", "traefik.tcp", "traefik.udp", "traefik.tls.stores.default")
	if err != nil {
		return "", nil, err
	}
	return conf.plugin(name)
}

// FromMiddlewareResource decodes a Kubernetes Middleware (traefik.io/v1alpha1)
// in JSON, as Traefik's CRD provider does (createPluginMiddleware): the
// plugin's spec goes through encoding/json, so numbers and booleans keep
// their JSON types, and every string "urn:k8s:secret:<name>:<key>" is
// replaced by that key of secrets[<name>].
func FromMiddlewareResource(doc []byte, secrets map[string]map[string][]byte) (string, map[string]any, error) {
	var resource struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		Metadata   struct {
			Name string `json:"name"`
		} `json:"metadata"`
		Spec struct {
			Plugin map[string]json.RawMessage `json:"plugin"`
		} `json:"spec"`
	}
	if err := json.Unmarshal(doc, &resource); err != nil {
		return "", nil, err
	}
	if resource.Kind != "Middleware" || resource.APIVersion != "traefik.io/v1alpha1" {
		return "", nil, fmt.Errorf("not a traefik.io/v1alpha1 Middleware: %s %s", resource.APIVersion, resource.Kind)
	}
	if resource.Spec.Plugin == nil {
		return "", nil, errors.New("no spec.plugin")
	}
	data, err := json.Marshal(resource.Spec.Plugin)
	if err != nil {
		return "", nil, err
	}
	plugins := map[string]PluginConf{}
	if err := json.Unmarshal(data, &plugins); err != nil {
		return "", nil, err
	}
	for _, pc := range plugins {
		for key := range pc {
			if pc[key], err = loadSecretKeys(secrets, pc[key]); err != nil {
				return "", nil, err
			}
		}
	}
	conf := &Configuration{HTTP: &HTTPConfiguration{Middlewares: map[string]*Middleware{
		resource.Metadata.Name: {Plugin: plugins},
	}}}
	return conf.plugin(resource.Metadata.Name)
}

func loadSecretKeys(secrets map[string]map[string][]byte, v any) (any, error) {
	var err error
	switch v := v.(type) {
	case string:
		if !strings.HasPrefix(v, "urn:k8s:secret:") {
			return v, nil
		}
		parts := strings.Split(v, ":")
		if len(parts) != 5 {
			return "", fmt.Errorf("malformed secret URN %q", v)
		}
		value, ok := secrets[parts[3]][parts[4]]
		if !ok {
			return "", fmt.Errorf("key %q not found in secret %s", parts[4], parts[3])
		}
		return string(value), nil
	case []any:
		for i := range v {
			if v[i], err = loadSecretKeys(secrets, v[i]); err != nil {
				return nil, err
			}
		}
	case map[string]any:
		for k := range v {
			if v[k], err = loadSecretKeys(secrets, v[k]); err != nil {
				return nil, err
			}
		}
	}
	return v, nil
}

// ManifestTestData decodes a .traefik.yml with paerser's file decoder, as
// the plugin catalog reads testData like the file provider would: every
// scalar becomes a string.
func ManifestTestData(content string) (map[string]any, error) {
	var manifest struct {
		TestData map[string]any
	}
	if err := file.DecodeContent(content, ".yml", &manifest); err != nil {
		return nil, err
	}
	if manifest.TestData == nil {
		return nil, errors.New("no testData")
	}
	return deepCopyJSON(manifest.TestData)
}

// plugin returns the only plugin of middleware name and its settings, as
// Traefik's findPluginConfig does, after the deep copy Traefik's
// configuration watcher makes of every provider's configuration.
func (c *Configuration) plugin(name string) (string, map[string]any, error) {
	if c.HTTP == nil || c.HTTP.Middlewares[name] == nil {
		return "", nil, fmt.Errorf("no middleware %q", name)
	}
	raw := c.HTTP.Middlewares[name].Plugin
	if len(raw) != 1 {
		return "", nil, errors.New("invalid configuration: no configuration or too many plugin definition")
	}
	for pluginName, settings := range raw {
		if pluginName == "" {
			return "", nil, errors.New("missing plugin type")
		}
		copied, err := deepCopyJSON(settings)
		return pluginName, copied, err
	}
	panic("unreachable")
}

// deepCopyJSON copies settings as Traefik's PluginConf.DeepCopy does; where
// Traefik would panic on a value that is not JSON-like, it returns an error.
func deepCopyJSON(settings map[string]any) (map[string]any, error) {
	if settings == nil {
		return nil, nil
	}
	v, err := deepCopyJSONValue(settings)
	if err != nil {
		return nil, err
	}
	return v.(map[string]any), nil
}

func deepCopyJSONValue(x any) (any, error) {
	switch x := x.(type) {
	case map[string]any:
		if x == nil {
			return x, nil
		}
		clone := make(map[string]any, len(x))
		for k, v := range x {
			c, err := deepCopyJSONValue(v)
			if err != nil {
				return nil, err
			}
			clone[k] = c
		}
		return clone, nil
	case []any:
		if x == nil {
			return x, nil
		}
		clone := make([]any, len(x))
		for i, v := range x {
			c, err := deepCopyJSONValue(v)
			if err != nil {
				return nil, err
			}
			clone[i] = c
		}
		return clone, nil
	case string, int64, bool, float64, nil, json.Number:
		return x, nil
	default:
		return nil, fmt.Errorf("cannot deep copy %T: Traefik's DeepCopy would panic", x)
	}
}
