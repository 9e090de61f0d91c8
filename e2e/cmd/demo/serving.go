package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"time"
)

// portFree fails when something already listens on addr, where Traefik's
// entry point is about to.
func portFree(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("entry point %s is not free: %w", addr, err)
	}
	return ln.Close()
}

// waitServing polls the shop through Traefik until it answers below 400.
// It fails when a process of g exits first or after timeout, and returns
// ctx's error when ctx ends first.
func waitServing(ctx context.Context, d demo, g *group, timeout time.Duration) error {
	host, port, err := net.SplitHostPort(d.webAddr)
	if err != nil {
		return fmt.Errorf("entry point %q: %w", d.webAddr, err)
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	shop, err := url.Parse(d.shopURL)
	if err != nil {
		return fmt.Errorf("shop URL %q: %w", d.shopURL, err)
	}
	client := &http.Client{
		Timeout:       time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	deadline := time.After(timeout)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	var last string
	for {
		status, err := probe(ctx, client, "http://"+net.JoinHostPort(host, port)+"/", shop.Host)
		switch {
		case err == nil && status < 400:
			return nil
		case err == nil:
			last = fmt.Sprintf("status %d", status)
		default:
			last = err.Error()
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case p := <-g.exited:
			return fmt.Errorf("%s exited (%v) before the demo served; see its log above", p.name, p.cmd.ProcessState)
		case <-deadline:
			return fmt.Errorf("the shop not served through %s after %s: %s", d.webAddr, timeout, last)
		case <-tick.C:
		}
	}
}

// probe sends GET target with the given Host header and returns the status.
func probe(ctx context.Context, client *http.Client, target, host string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return 0, err
	}
	req.Host = host
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	_ = resp.Body.Close()
	return resp.StatusCode, nil
}
