package bench

import (
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"
)

// mintTimeout bounds the minting of one pool.
const mintTimeout = 5 * time.Minute

// tokenPool holds request targets that each carry a fresh token; each is
// handed out once.
type tokenPool struct {
	uris []string
	next atomic.Int64
}

// take returns the next unused request target, or false when none is left.
func (p *tokenPool) take() (string, bool) {
	i := p.next.Add(1) - 1
	if i >= int64(len(p.uris)) {
		return "", false
	}
	return p.uris[i], true
}

// mint asks Traefik's handoff endpoint on sourceHost for n tokens to host
// (signed-in client, from the generator's 127.0.0.1 connections, which the
// redemptions use too) and returns them as request targets on host.
func mint(gen *Generator, webAddr, host string, n int) (*tokenPool, time.Duration, error) {
	to := "http://" + host + arrivalURI
	handoff := "http://" + webAddr + handoffPath + "?to=" + url.QueryEscape(to)
	var (
		sent atomic.Int64
		mu   sync.Mutex
		uris = make([]string, 0, n)
	)
	target := Target{
		Next: func() (*http.Request, bool) {
			if sent.Add(1) > int64(n) {
				return nil, false
			}
			req, err := http.NewRequest(http.MethodGet, handoff, nil)
			if err != nil {
				panic(err) // a constant, valid URL
			}
			req.Host = sourceHost
			req.Header = navigation.Clone()
			return req, true
		},
		Check: func(resp *http.Response, _ []byte) error {
			if resp.StatusCode != http.StatusSeeOther {
				return fmt.Errorf("status %d, want 303", resp.StatusCode)
			}
			loc := resp.Header.Get("Location")
			u, err := url.Parse(loc)
			if err != nil || u.Host != host || u.Query().Get(tokenParam) == "" {
				return fmt.Errorf("Location %q carries no token for %s", loc, host)
			}
			mu.Lock()
			uris = append(uris, u.RequestURI())
			mu.Unlock()
			return nil
		},
	}
	s := gen.Run(target, mintTimeout)
	if s.Unexpected+s.Errors > 0 || len(uris) != n {
		return nil, s.Elapsed, fmt.Errorf("minting %d tokens for %s: got %d, %d unexpected answers, %d errors; first: %s",
			n, host, len(uris), s.Unexpected, s.Errors, s.Problem)
	}
	return &tokenPool{uris: uris}, s.Elapsed, nil
}
