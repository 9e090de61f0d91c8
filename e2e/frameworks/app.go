// Package frameworks runs real web frameworks' apps, each with its own
// stock session machinery, behind the real Traefik with the plugin on two
// host names, and walks the journeys a user of each would.
//
// Every app serves both hosts from one process and answers one HTTP
// contract, so one journey fits them all:
//
//	GET  /login?next=P    a sign-in form (its hidden inputs carry the
//	                      framework's CSRF token); fields username, password
//	POST /login           signs in alice (alice-password) or mallory
//	                      (mallory-password), then 302 to next when it is a
//	                      local path or a URL on the checkout, else /account
//	GET  /account         "Signed in as <user>" and "Host: <host>"; when
//	                      signed out, 302 to /login?next=/account
//	GET  /to-checkout?path=P  302 to the checkout's URL for P
//	GET  /note, POST /note    a CSRF-protected form storing a note in the
//	                      session (signed in only)
//	GET  /logout          ends the session, 302 to /login
//	GET  /big?bytes=N     stores N bytes in the session (signed in only)
//	GET  /healthz         200 "ok"
package frameworks

import (
	"sort"
	"sync"
	"testing"
	"time"
)

// App is one framework's app of the suite.
type App struct {
	// Name names the app in test names: "django", "express-session", ...
	Name string
	// CookieNames are the cookies that together hold a session, primary
	// first: the plugin's cookieNames for this app.
	CookieNames []string
	// MaxAge is the lifetime the framework gives its primary cookie by
	// default; 0 means a browser-session cookie.
	MaxAge time.Duration
	// Persistent reports whether a signed-in user stays signed in after a
	// browser restart (session cookies dropped, persistent ones kept).
	Persistent bool
	// CookieStore reports whether the whole session lives in the cookies,
	// so /big makes them grow.
	CookieStore bool
	// Start runs the app on a free 127.0.0.1 port serving shopURL and
	// checkoutURL (e.g. "http://shop.test") and returns its base URL; it
	// stops the app at t's cleanup, and skips t (fails it under CI) when
	// the framework is not installed.
	Start func(t testing.TB, shopURL, checkoutURL string) string
}

var registry = struct {
	sync.Mutex
	apps map[string]App
}{apps: map[string]App{}}

// Register adds an app to the suite; each app's file registers it in init.
func Register(a App) {
	registry.Lock()
	defer registry.Unlock()
	if _, dup := registry.apps[a.Name]; dup {
		panic("frameworks: app " + a.Name + " registered twice")
	}
	registry.apps[a.Name] = a
}

// Apps returns the registered apps, sorted by name.
func Apps() []App {
	registry.Lock()
	defer registry.Unlock()
	out := make([]App, 0, len(registry.apps))
	for _, a := range registry.apps {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
