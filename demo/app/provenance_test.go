package main

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// at is the fake clock's start: sign-in happens at 10:42:13 UTC.
var at = time.Date(2025, 3, 4, 10, 42, 13, 0, time.UTC)

// signIn signs name in on the shop at host and returns the session cookie.
func signIn(t *testing.T, a *App, host, name string) *http.Cookie {
	t.Helper()
	w := do(a, "POST", "http://"+host+"/login", url.Values{"name": {name}})
	cookies := w.Result().Cookies()
	if w.Code != http.StatusFound || len(cookies) != 1 {
		t.Fatalf("sign-in on %s: %d, cookies %+v", host, w.Code, cookies)
	}
	return cookies[0]
}

func TestPagesSayWhereTheSessionCookieCameFrom(t *testing.T) {
	tests := []struct {
		name   string
		target string
		header map[string]string
		cookie func(t *testing.T, a *App) *http.Cookie // nil: no cookie
		want   []string
		absent []string
	}{
		{
			name:   "no cookie on the checkout",
			target: checkoutBase + "/",
			want: []string{
				`<span class="host" id="host">checkout.example</span>`,
				`<h2>Session cookie on checkout.example</h2>`,
				`id="origin">none</span> This host received no <code>_session_id</code> cookie.`,
				`<p id="user">You are not signed in.</p>`,
			},
			absent: []string{`id="hop"`, `id="cookie-value"`},
		},
		{
			name:   "a cookie for no live session",
			target: checkoutBase + "/",
			cookie: func(*testing.T, *App) *http.Cookie {
				return &http.Cookie{Name: SessionCookie, Value: "gone-0123456789-gone"}
			},
			want: []string{
				`<code id="cookie-value">_session_id = gone-0…gone</code>`,
				`id="origin">unknown session</span>`,
				"The cookie names no live session",
				`<p id="user">You are not signed in.</p>`,
			},
			absent: []string{`id="hop"`, "gone-0123456789-gone"},
		},
		{
			name:   "the shop's own cookie, set at sign-in",
			target: shopBase + "/",
			cookie: func(t *testing.T, a *App) *http.Cookie { return signIn(t, a, "shop.example", "Rosa") },
			want: []string{
				`<span class="host" id="host">shop.example</span>`,
				`<h2>Session cookie on shop.example</h2>`,
				`id="origin">this host's own</span>`,
				"The app set it on this host itself, when Rosa signed in at 10:42:13 UTC.",
				`<p id="user">Signed in as Rosa</p>`,
			},
			absent: []string{`id="hop"`, `class="badge carried"`},
		},
		{
			name:   "carried to the checkout: the hop that brought it",
			target: checkoutBase + "/?from=pay",
			cookie: func(t *testing.T, a *App) *http.Cookie { return signIn(t, a, "shop.example", "Rosa") },
			want: []string{
				`<p id="user">Signed in as Rosa</p>`,
				`id="origin">carried here by the session injector</span>`,
				"The app set this session on <b>shop.example</b> when Rosa signed in at 10:42:13 UTC, and never set it on checkout.example",
				`<code id="hop-token-url">http://checkout.example/?from=pay&amp;_hs_=…</code>`,
				`<span class="status redirect">303</span><div>See Other → <code id="hop-clean-url">http://checkout.example/?from=pay</code>`,
				"The app first saw this session on checkout.example at 10:42:13 UTC.",
				`<p class="how" id="how">How this page knows:`,
			},
		},
		{
			name:   "carried to a checkout on a port, over HTTPS as Traefik reports it",
			target: "http://checkout.example:8443/",
			header: map[string]string{"X-Forwarded-Proto": "https"},
			cookie: func(t *testing.T, a *App) *http.Cookie { return signIn(t, a, "shop.example:8443", "Ada") },
			want: []string{
				`<span class="host" id="host">checkout.example:8443</span>`,
				`<h2>Session cookie on checkout.example</h2>`,
				"The app set this session on <b>shop.example</b>",
				`<code id="hop-token-url">https://checkout.example:8443/?_hs_=…</code>`,
				`<code id="hop-clean-url">https://checkout.example:8443/</code>`,
			},
		},
		{
			name:   "handed back to the shop: still the shop's own session",
			target: shopBase + "/",
			cookie: func(t *testing.T, a *App) *http.Cookie {
				c := signIn(t, a, "shop.example", "Erin")
				do(a, "GET", checkoutBase+"/", nil, c) // arrives on the checkout first
				return c
			},
			want:   []string{`id="origin">this host's own</span>`},
			absent: []string{`id="hop"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newTestApp(t)
			a.now = func() time.Time { return at }
			var cookies []*http.Cookie
			if tt.cookie != nil {
				cookies = append(cookies, tt.cookie(t, a))
			}
			r := newRequest("GET", tt.target, nil, cookies...)
			for k, v := range tt.header {
				r.Header.Set(k, v)
			}
			w := serve(a, r)
			if w.Code != http.StatusOK {
				t.Fatalf("GET %s: %d\n%s", tt.target, w.Code, w.Body)
			}
			page := w.Body.String()
			for _, s := range tt.want {
				if !strings.Contains(page, s) {
					t.Errorf("GET %s: page lacks %q:\n%s", tt.target, s, page)
				}
			}
			for _, s := range tt.absent {
				if strings.Contains(page, s) {
					t.Errorf("GET %s: page shows %q:\n%s", tt.target, s, page)
				}
			}
			for _, c := range cookies {
				if strings.Contains(page, c.Value) {
					t.Errorf("GET %s: page shows the whole cookie value %q", tt.target, c.Value)
				}
			}
		})
	}
}

func TestTheHopIsTheFirstArrival(t *testing.T) {
	a := newTestApp(t)
	now := at
	a.now = func() time.Time { return now }
	c := signIn(t, a, "shop.example", "Nina")

	now = at.Add(2 * time.Second)
	first := do(a, "GET", checkoutBase+"/?from=pay", nil, c).Body.String()
	now = at.Add(time.Minute)
	again := do(a, "GET", checkoutBase+"/", nil, c).Body.String()
	for name, page := range map[string]string{"first visit": first, "later visit": again} {
		for _, want := range []string{
			`<code id="hop-token-url">http://checkout.example/?from=pay&amp;_hs_=…</code>`,
			"first saw this session on checkout.example at 10:42:15 UTC",
		} {
			if !strings.Contains(page, want) {
				t.Errorf("%s: page lacks %q:\n%s", name, want, page)
			}
		}
	}

	do(a, "POST", shopBase+"/logout", url.Values{}, c)
	c2 := signIn(t, a, "shop.example", "Nina")
	if page := do(a, "GET", checkoutBase+"/", nil, c2).Body.String(); !strings.Contains(page, "at 10:43:13 UTC.") {
		t.Errorf("a new session after sign-out has a hop of its own:\n%s", page)
	}
	if _, ok := a.sessions.Arrive(c.Value, "checkout.example", checkoutBase+"/", now); ok {
		t.Error("a signed-out session still arrives")
	}
}

func TestStoreArrive(t *testing.T) {
	s := NewStore()
	id, err := s.Create("Ada", "shop.example", at)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, id, host, url string
		now                 time.Time
		ok                  bool
		want                Arrival
	}{
		{"unknown session", "nope", "checkout.example", "http://checkout.example/", at, false, Arrival{}},
		{"the host the app set it on", id, "shop.example", "http://shop.example/", at, false, Arrival{}},
		{"first arrival on another host", id, "checkout.example", "http://checkout.example/a", at.Add(time.Second), true, Arrival{URL: "http://checkout.example/a", At: at.Add(time.Second)}},
		{"a later request keeps the first", id, "checkout.example", "http://checkout.example/b", at.Add(time.Minute), true, Arrival{URL: "http://checkout.example/a", At: at.Add(time.Second)}},
		{"each host has its own", id, "checkout-alt.example", "http://checkout-alt.example/", at.Add(time.Hour), true, Arrival{URL: "http://checkout-alt.example/", At: at.Add(time.Hour)}},
	}
	for _, tt := range tests { // in order: each case sees the ones before
		got, ok := s.Arrive(tt.id, tt.host, tt.url, tt.now)
		if ok != tt.ok || got != tt.want {
			t.Errorf("%s: Arrive(%q, %q) = %+v, %v; want %+v, %v", tt.name, tt.id, tt.host, got, ok, tt.want, tt.ok)
		}
	}
}

func TestShortenAndElide(t *testing.T) {
	for in, want := range map[string]string{
		"":                "",
		"abc":             "abc",
		"0123456789abcd":  "0123456789abcd",
		"0123456789abcde": "012345…bcde",
		"VUikNfz3q0Sx2mJb0lcPqXoYb6oZcWm8uX6uGJ11lmk": "VUikNf…1lmk",
	} {
		if got := shorten(in); got != want {
			t.Errorf("shorten(%q) = %q, want %q", in, got, want)
		}
	}
	for clean, want := range map[string]string{
		"http://checkout.example/":          "http://checkout.example/?_hs_=…",
		"http://checkout.example/?from=pay": "http://checkout.example/?from=pay&_hs_=…",
	} {
		if got := withTokenElided(clean); got != want {
			t.Errorf("withTokenElided(%q) = %q, want %q", clean, got, want)
		}
	}
}
