package harness

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"time"
)

// TestDomain is the top-level domain the harness routes to Traefik: any
// host ending in it reaches the web entry point.
const TestDomain = ".test"

// DialContext returns a dial function that connects every "*.test" address
// to the web entry point, from the loopback source address localIP (""
// lets the system choose). Other addresses are refused.
func (tr *Traefik) DialContext(localIP string) func(ctx context.Context, network, addr string) (net.Conn, error) {
	d := &net.Dialer{Timeout: 5 * time.Second}
	if localIP != "" {
		d.LocalAddr = &net.TCPAddr{IP: net.ParseIP(localIP)}
	}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		if !strings.HasSuffix(host, TestDomain) {
			return nil, fmt.Errorf("harness dialer: %q is not a %s host", addr, TestDomain)
		}
		return d.DialContext(ctx, network, tr.WebAddr)
	}
}

// Client returns a browser-like client for tr: a cookie jar, connections
// from localIP (see DialContext), a 15 s timeout, and redirects returned
// rather than followed so tests can inspect every hop.
func (tr *Traefik) Client(localIP string) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		panic(err) // cookiejar.New never fails without options
	}
	return &http.Client{
		Jar:       jar,
		Timeout:   15 * time.Second,
		Transport: &http.Transport{DialContext: tr.DialContext(localIP), DisableCompression: true},
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}
