package frameworks

import (
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/session-injector/sessioninjector/e2e/harness"
)

// The public base URLs of the two hosts a Site serves through Traefik.
const (
	ShopURL     = "http://" + harness.ShopHost
	CheckoutURL = "http://" + harness.CheckoutHost
)

// Site is one app behind a real Traefik with the plugin: the shop
// (harness.ShopHost) hands sessions to the checkout
// (harness.CheckoutHost), both routed to the one app process.
type Site struct {
	// App is the framework's app.
	App App
	// AppURL is the app's own base URL, behind Traefik.
	AppURL string
	// Traefik serves both hosts on its web entry point.
	Traefik *harness.Traefik
}

// SiteSettings returns the plugin settings of app's middlewares, over
// harness.Injector's: the app's cookies (primary first), its session age
// as cookie.maxAge when its sessions outlive the browser, refusals that
// lead on without a session (dieOnHandshakeFailure false, the default),
// and onExistingSession keep for the apps whose whole session is in the
// cookies, as the README advises.
func SiteSettings(app App) map[string]any {
	maxAge := 0
	if app.Persistent {
		maxAge = int(app.MaxAge / time.Second)
	}
	existing := "replace"
	if app.CookieStore {
		existing = "keep"
	}
	return map[string]any{
		"cookieName":            "",
		"cookieNames":           app.CookieNames,
		"dieOnHandshakeFailure": false,
		"onExistingSession":     existing,
		"cookie": map[string]any{
			"path": "/", "secure": "auto", "httpOnly": true, "sameSite": "lax", "maxAge": maxAge,
		},
	}
}

// StartSite starts app for ShopURL and CheckoutURL and a Traefik with the
// plugin in front of it on both hosts (harness.ShopCheckout with
// SiteSettings), all stopped at t's cleanup. It skips t, or fails it under
// CI, when the framework or Traefik is missing.
func StartSite(t testing.TB, app App) *Site {
	t.Helper()
	return startSite(t, app, nil)
}

// StartPullingSite is StartSite with the checkout pulling the session
// from the shop on /account (pull.paths), as a user who opens it directly
// needs.
func StartPullingSite(t testing.TB, app App) *Site {
	t.Helper()
	return startSite(t, app, map[string]any{"pull": map[string]any{"from": ShopURL, "paths": []string{"/account"}}})
}

func startSite(t testing.TB, app App, checkout map[string]any) *Site {
	t.Helper()
	appURL := app.Start(t, ShopURL, CheckoutURL)
	tr := harness.Start(t, harness.Options{
		Dynamic: harness.ShopCheckout(harness.ShopCheckoutOptions{App: appURL, Settings: SiteSettings(app), CheckoutSettings: checkout}),
	})
	return &Site{App: app, AppURL: appURL, Traefik: tr}
}

// Browser returns a new browser-like client of the site, connecting from
// 127.0.0.1 with an empty cookie jar of its own, failing t.
func (s *Site) Browser(t testing.TB) *Browser {
	c := s.Traefik.Client("")
	jar := NewJar()
	c.Jar = jar
	return &Browser{Navigator: harness.NewNavigator(t, c), Jar: jar, app: s.App}
}

// Browser is a harness.Navigator whose Jar keeps every cookie's
// attributes, so tests can check where and how long cookies live and
// restart the browser.
type Browser struct {
	*harness.Navigator
	Jar *Jar
	app App
}

// Session returns the cookies of the app's session the jar holds for host,
// by name.
func (b *Browser) Session(host string) map[string]*http.Cookie {
	out := map[string]*http.Cookie{}
	for _, name := range b.app.CookieNames {
		if c := b.Jar.Get(host, name); c != nil {
			out[name] = c
		}
	}
	return out
}

// Jar is a cookie jar for the test hosts that keeps each cookie as it was
// set (Domain, Path, HttpOnly, SameSite, expiry) and can drop the cookies
// a browser forgets when it is closed. Cookies are kept per host and sent
// back to that host only, whatever their Path: the apps and the plugin
// set host-only cookies on "/", which tests check.
type Jar struct {
	mu    sync.Mutex
	hosts map[string]map[string]*http.Cookie
}

// NewJar returns an empty Jar.
func NewJar() *Jar {
	return &Jar{hosts: map[string]map[string]*http.Cookie{}}
}

// SetCookies stores cookies set by a response from u: a cookie with
// Max-Age 0 or an Expires in the past is deleted; Max-Age is turned into
// an Expires.
func (j *Jar) SetCookies(u *url.URL, cookies []*http.Cookie) {
	j.mu.Lock()
	defer j.mu.Unlock()
	host := u.Hostname()
	for _, c := range cookies {
		c := *c
		if c.MaxAge > 0 {
			c.Expires = time.Now().Add(time.Duration(c.MaxAge) * time.Second)
		}
		if j.hosts[host] == nil {
			j.hosts[host] = map[string]*http.Cookie{}
		}
		if c.MaxAge < 0 || (!c.Expires.IsZero() && !c.Expires.After(time.Now())) {
			delete(j.hosts[host], c.Name)
			continue
		}
		j.hosts[host][c.Name] = &c
	}
}

// Cookies returns the names and values of the live cookies for u's host,
// sorted by name.
func (j *Jar) Cookies(u *url.URL) []*http.Cookie {
	j.mu.Lock()
	defer j.mu.Unlock()
	var out []*http.Cookie
	for _, c := range j.hosts[u.Hostname()] {
		if !c.Expires.IsZero() && !c.Expires.After(time.Now()) {
			continue
		}
		out = append(out, &http.Cookie{Name: c.Name, Value: c.Value})
	}
	sort.Slice(out, func(i, k int) bool { return out[i].Name < out[k].Name })
	return out
}

// Get returns a copy of the cookie name held for host, or nil.
func (j *Jar) Get(host, name string) *http.Cookie {
	j.mu.Lock()
	defer j.mu.Unlock()
	c, ok := j.hosts[strings.ToLower(host)][name]
	if !ok {
		return nil
	}
	cp := *c
	return &cp
}

// Restart drops every browser-session cookie (no Expires, no Max-Age) and
// keeps the persistent ones, as a browser that is closed and opened again.
func (j *Jar) Restart() {
	j.mu.Lock()
	defer j.mu.Unlock()
	for _, cookies := range j.hosts {
		for name, c := range cookies {
			if c.Expires.IsZero() {
				delete(cookies, name)
			}
		}
	}
}
