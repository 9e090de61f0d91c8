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
// host ending in it reaches a web entry point.
const TestDomain = ".test"

// Hosts says which Traefik instance serves which host; the "" entry serves
// every other *.test host.
type Hosts map[string]*Traefik

// DialContext returns a dial function that connects each "*.test" address
// to the web entry point of the instance serving its host, from the loopback
// source address localIP ("" lets the system choose). Other addresses are
// refused.
func (h Hosts) DialContext(localIP string) func(ctx context.Context, network, addr string) (net.Conn, error) {
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
		tr, ok := h[host]
		if !ok {
			tr = h[""]
		}
		if tr == nil {
			return nil, fmt.Errorf("harness dialer: no Traefik serves %q", host)
		}
		return d.DialContext(ctx, network, tr.WebAddr)
	}
}

// Client returns a browser-like client: a cookie jar, connections from
// localIP (see DialContext), a 15 s timeout, and redirects returned rather
// than followed so tests can inspect every hop.
func (h Hosts) Client(localIP string) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		panic(err) // cookiejar.New never fails without options
	}
	return &http.Client{
		Jar:       jar,
		Timeout:   15 * time.Second,
		Transport: &http.Transport{DialContext: h.DialContext(localIP), DisableCompression: true},
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// DialContext connects every *.test address to tr; see Hosts.DialContext.
func (tr *Traefik) DialContext(localIP string) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return Hosts{"": tr}.DialContext(localIP)
}

// Client is a browser-like client for tr alone; see Hosts.Client.
func (tr *Traefik) Client(localIP string) *http.Client {
	return Hosts{"": tr}.Client(localIP)
}
