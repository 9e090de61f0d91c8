// Package noop is a Traefik middleware plugin that only calls the next
// handler. The end-to-end harness loads it to measure what the interpreter
// costs on its own.
package noop

import (
	"context"
	"net/http"
)

// Config is the plugin configuration; it has no settings.
type Config struct{}

// CreateConfig returns the default configuration.
func CreateConfig() *Config {
	return &Config{}
}

// Noop passes every request to the next handler unchanged.
type Noop struct {
	next http.Handler
}

// New creates the middleware.
func New(_ context.Context, next http.Handler, _ *Config, _ string) (http.Handler, error) {
	return &Noop{next: next}, nil
}

// ServeHTTP calls the next handler.
func (n *Noop) ServeHTTP(rw http.ResponseWriter, req *http.Request) {
	n.next.ServeHTTP(rw, req)
}
