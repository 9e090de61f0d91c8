package compose

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/session-injector/sessioninjector/e2e/harness"
)

// Environment returns the value of variable name in a service's
// environment, "" when it is unset or has no value.
func Environment(s types.ServiceConfig, name string) string {
	if v := s.Environment[name]; v != nil {
		return *v
	}
	return ""
}

// StartProfile runs a profile of docker-compose.yml on loopback: the demo
// app (the binary demoApp) with the app service's public URLs, and one real
// Traefik per Traefik service, each serving the app's labels as a file
// provider configuration (see LabelDynamic; adjust may change the
// middlewares' settings). It returns the instances by the host ports they
// publish.
func StartProfile(t *testing.T, p *types.Project, prof Profile, demoApp string, adjust func(string, map[string]any) error) map[string]*harness.Traefik {
	t.Helper()
	app := mustService(t, p, prof.App)
	appURL := harness.StartDemoApp(t, demoApp, Environment(app, "DEMO_SHOP_URL"), Environment(app, "DEMO_CHECKOUT_URL"))
	d, err := LabelDynamic(app.Labels, appURL, adjust)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Routers) == 0 {
		t.Fatalf("service %s: no router in its labels", prof.App)
	}
	published := map[string]*harness.Traefik{}
	for _, name := range prof.Traefiks {
		tr := harness.Start(t, harness.Options{Dynamic: d})
		for _, port := range mustService(t, p, name).Ports {
			published[port.Published] = tr
		}
	}
	return published
}

// mustService returns the service name of p, enabled or not, failing the
// test when there is none.
func mustService(t testing.TB, p *types.Project, name string) types.ServiceConfig {
	t.Helper()
	s, ok := p.AllServices()[name]
	if !ok {
		t.Fatalf("%s has no service %q", FileName, name)
	}
	return s
}

// PublishedClient is a browser-like client (cookie jar, redirects returned
// one at a time) for the demo's URLs: "<name>.localhost:<port>" reaches the
// Traefik instance that publishes port, as Docker's port publishing does
// for a browser on the host.
func PublishedClient(published map[string]*harness.Traefik) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		panic(err) // cookiejar.New never fails without options
	}
	d := &net.Dialer{Timeout: 5 * time.Second}
	return &http.Client{
		Jar:     jar,
		Timeout: 15 * time.Second,
		Transport: &http.Transport{
			DisableCompression: true,
			DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
				host, port, err := net.SplitHostPort(addr)
				if err != nil {
					return nil, err
				}
				tr := published[port]
				if !strings.HasSuffix(host, ".localhost") || tr == nil {
					return nil, fmt.Errorf("no Traefik publishes %q", addr)
				}
				return d.DialContext(ctx, network, tr.WebAddr)
			},
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}
