// Command app is the demo application behind Traefik: one program that serves
// two sites, a shop and a checkout, chosen by the request's Host, sharing one
// in-memory session store, as one application on two domains would. The
// session injector middleware in Traefik carries the shop's session cookie to
// the checkout.
//
// It is a demonstration, not a production application: sessions live in
// memory and the /_debug endpoints show request details to anyone.
package main

import (
	"context"
	"errors"
	"flag"
	"log"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	listen := flag.String("listen", env("DEMO_LISTEN", "127.0.0.1:8081"), "address to listen on (env DEMO_LISTEN)")
	shopURL := flag.String("shop-url", env("DEMO_SHOP_URL", "http://shop.localhost:8080"), "public base URL of the shop (env DEMO_SHOP_URL)")
	checkoutURL := flag.String("checkout-url", env("DEMO_CHECKOUT_URL", "http://checkout.localhost:8080"), "public base URL of the checkout (env DEMO_CHECKOUT_URL)")
	flag.Parse()

	if err := run(*listen, *shopURL, *checkoutURL); err != nil {
		log.Fatal(err)
	}
}

// run serves the app on listen until SIGINT or SIGTERM, then shuts it down.
func run(listen, shopURL, checkoutURL string) error {
	app, err := NewApp(shopURL, checkoutURL)
	if err != nil {
		return err
	}
	srv := &http.Server{Addr: listen, Handler: app, ReadHeaderTimeout: 10 * time.Second}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()

	log.Printf("demo app listening on %s: shop %s, checkout %s", listen, shopURL, checkoutURL)
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// env returns the environment variable name, or def when it is unset.
func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}
