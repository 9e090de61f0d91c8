// Package interp loads a Yaegi middleware plugin in process the way Traefik
// v3.6 does, so that tests can drive the interpreted plugin's http.Handler
// directly: from the plugin laid out in a GOPATH by package gopath, it
// reads its .traefik.yml manifest, evaluates the package in a yaegi v0.16.1
// interpreter with the standard library symbols only, and fills the
// configuration returned by CreateConfig with mapstructure exactly as
// Traefik's plugin builder does.
//
// It also turns the configuration sources Traefik knows (file provider YAML
// and TOML, Docker labels, Kubernetes Middleware resources, and a
// manifest's testData) into the raw map[string]any that Traefik hands to a
// plugin, with Traefik's own decoders.
package interp
