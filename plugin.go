package sessioninjector

import (
	"context"
	"errors"
	"fmt"
	"net/http"
)

// New builds the middleware from a validated configuration.
func New(ctx context.Context, next http.Handler, config *Config, name string) (http.Handler, error) {
	if config == nil {
		return nil, errors.New("sessioninjector: missing configuration")
	}
	h, err := newHandler(next, config, name)
	if err != nil {
		return nil, fmt.Errorf("sessioninjector %q: %w", name, err)
	}
	h.logf("effective settings: %s", effectiveSettings(h, config))
	if h.pull != nil && h.pull.paths != nil {
		return &puller{h: h}, nil
	}
	return h, nil
}

// ServeHTTP passes every request through, except one to the handoff
// endpoint, one that carries a token (verified and redeemed; the query is
// parsed only when it holds the parameter's name or a percent-encoding
// that could spell it; the pull endpoint, whose return URL is always
// percent-encoded, is found there too), and the redirects of
// navigations (watched for a cross-domain Location). A target that pulls
// has puller in front of it.
func (h *handler) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	u := r.URL
	if u.Path == h.handoffPath {
		serveHandoff(h, rw, r)
		return
	}
	if u.RawQuery != "" && h.tokenQuery.MatchString(u.RawQuery) && receive(h, rw, r) {
		return
	}
	if h.wrap && navigation(r.Header) {
		watchRedirect(h, rw, r)
		return
	}
	h.next.ServeHTTP(rw, r)
}

// noRoute is a path that no request path equals: those are empty, "*" or start with /.
const noRoute = "(none)"

// endpointRoute is the path an endpoint answers on: noRoute when it is
// off (no targets to hand off to, sign out everywhere off) or has no path.
func endpointRoute(on bool, path string) string {
	if !on || path == "" {
		return noRoute
	}
	return path
}

// watchRedirect serves a navigation through a writer that seals a token
// into a redirect to an allowed target.
func watchRedirect(h *handler, rw http.ResponseWriter, r *http.Request) {
	h.next.ServeHTTP(&redirectWriter{ResponseWriter: rw, h: h, r: r}, r)
}
