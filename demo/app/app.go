package main

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// App serves the shop and the checkout. A request goes to the checkout when
// its host starts with "checkout", to the shop when it starts with "shop".
type App struct {
	shop, checkout *url.URL
	sessions       *Store
	shopMux        *http.ServeMux
	checkoutMux    *http.ServeMux
	// now is the clock the pages' times come from.
	now func() time.Time
}

// NewApp returns the application for the given public base URLs, such as
// "http://shop.localhost:8080".
func NewApp(shopURL, checkoutURL string) (*App, error) {
	shop, err := baseURL(shopURL)
	if err != nil {
		return nil, fmt.Errorf("shop URL %q: %w", shopURL, err)
	}
	checkout, err := baseURL(checkoutURL)
	if err != nil {
		return nil, fmt.Errorf("checkout URL %q: %w", checkoutURL, err)
	}
	a := &App{shop: shop, checkout: checkout, sessions: NewStore(), now: time.Now}
	a.shopMux = a.shopRoutes()
	a.checkoutMux = a.checkoutRoutes()
	return a, nil
}

// baseURL parses an absolute http(s) URL without query or fragment.
func baseURL(s string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSuffix(s, "/"))
	if err != nil {
		return nil, err
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("want an absolute http(s) URL without query")
	}
	return u, nil
}

// ServeHTTP picks the site by Host.
func (a *App) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.ToLower(host)
	switch {
	case strings.HasPrefix(host, "checkout"):
		a.checkoutMux.ServeHTTP(w, r)
	case strings.HasPrefix(host, "shop"):
		a.shopMux.ServeHTTP(w, r)
	default:
		http.Error(w, "unknown site: the host must start with shop or checkout", http.StatusNotFound)
	}
}

// common adds the routes both sites have.
func (a *App) common(mux *http.ServeMux, other *url.URL) {
	mux.HandleFunc("/_debug/request", serveRequestInfo) // any method
	mux.HandleFunc("GET /_debug/sse", serveEvents)
	mux.HandleFunc("GET /_debug/ws", serveWebSocketEcho)
	mux.HandleFunc("GET /_debug/redirect", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.String()+"/", http.StatusFound)
	})
}

// page renders one of the pages, or a 500 naming the failure.
func page(w http.ResponseWriter, name string, data any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := pages.ExecuteTemplate(w, name, data); err != nil {
		http.Error(w, "render "+name+": "+err.Error(), http.StatusInternalServerError)
	}
}
