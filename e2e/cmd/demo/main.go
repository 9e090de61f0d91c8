// Command demo runs the demo: the demo app (shop and checkout) behind
// Traefik with the plugin loaded from this checkout as a local plugin. It
// builds the app, lays out Traefik's working directory in a temporary folder
// (plugins-local/ and demo/traefik's traefik.yml and dynamic.yml), starts
// both, prints the URLs, and stops both on Ctrl-C or when either exits.
//
//	go run ./cmd/demo -traefik /path/to/traefik   (make demo, from the repository root)
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// startTimeout bounds the wait for Traefik to serve the shop.
const startTimeout = 30 * time.Second

func main() {
	traefik := flag.String("traefik", os.Getenv("TRAEFIK_BIN"), "Traefik binary (env TRAEFIK_BIN)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, *traefik)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

// run prepares and starts the demo, and returns when ctx is done (nil) or
// when a process exits or cannot start (an error).
func run(ctx context.Context, traefik string) error {
	if traefik == "" {
		return errors.New("no Traefik binary: set TRAEFIK_BIN or -traefik (make demo builds it)")
	}
	work, err := os.MkdirTemp("", "sessioninjector-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	d, err := prepare(work)
	if err != nil {
		return err
	}
	if err := portFree(d.webAddr); err != nil {
		return err
	}

	var g group
	defer g.stop()
	if err := g.start("demo app", work, d.appBin, "-listen", d.appAddr, "-shop-url", d.shopURL, "-checkout-url", d.checkoutURL); err != nil {
		return err
	}
	if err := g.start("traefik", work, traefik, "--configFile=traefik.yml"); err != nil {
		return err
	}
	if err := waitServing(ctx, d, &g, startTimeout); err != nil {
		if ctx.Err() != nil {
			return nil // stopped while starting
		}
		return err
	}

	fmt.Printf(`
  Demo running. Open:
    %-30s  sign in, then follow a link or press Pay
    %-30s  shows who is signed in there

  Ctrl-C stops both.

`, d.shopURL, d.checkoutURL)
	select {
	case <-ctx.Done():
		fmt.Fprintln(os.Stderr, "\nstopping...")
		return nil
	case p := <-g.exited:
		return fmt.Errorf("%s exited (%v); stopping", p.name, p.cmd.ProcessState)
	}
}
