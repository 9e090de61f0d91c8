package main

import (
	"net"
	"net/http"
	"strings"
	"time"
)

// tokenParam is the query parameter the session injector carries tokens
// in: its default, which the demo keeps.
const tokenParam = "_hs_"

// Origin says where the session cookie a host received came from.
type Origin string

// The origins a page can name.
const (
	// OriginNone: the request carried no session cookie.
	OriginNone Origin = "none"
	// OriginUnknown: a cookie for no live session (signed out, or from
	// before the app restarted).
	OriginUnknown Origin = "unknown"
	// OriginOwn: the app set this cookie on this host itself, at sign-in.
	OriginOwn Origin = "own"
	// OriginCarried: a live session the app never set on this host, so
	// the session injector set it here (a hand-off).
	OriginCarried Origin = "carried"
)

// CookieReport is what a page says about the session cookie its host
// received.
type CookieReport struct {
	// Host is the host the browser asked for, as it wrote it.
	Host string
	// CookieHost is the host the cookie belongs to (no port).
	CookieHost string
	// Name is the cookie's name; Value its value, shortened.
	Name, Value string
	Origin      Origin
	// Session is the live session the cookie names, if any.
	Session Session
	// Hop is the hand-off that brought a carried cookie, else nil.
	Hop *Hop
}

// Hop is a hand-off as the receiving host saw it end: the browser asked
// for TokenURL (the token left out: it never reaches the app), the session
// injector answered 303 to CleanURL with the cookie, and the browser
// followed at At.
type Hop struct {
	TokenURL, CleanURL string
	At                 time.Time
}

// cookieReport says which session cookie r brought and where it came from,
// noting a carried session's first arrival on this host.
func (a *App) cookieReport(r *http.Request) CookieReport {
	rep := CookieReport{Host: r.Host, CookieHost: cookieHost(r.Host), Name: SessionCookie, Origin: OriginNone}
	c, err := r.Cookie(SessionCookie)
	if err != nil {
		return rep
	}
	rep.Value = shorten(c.Value)
	sess, ok := a.sessions.Get(c.Value)
	switch {
	case !ok:
		rep.Origin = OriginUnknown
	case sess.Host == rep.CookieHost:
		rep.Origin, rep.Session = OriginOwn, sess
	default:
		rep.Origin, rep.Session = OriginCarried, sess
		if first, ok := a.sessions.Arrive(c.Value, rep.CookieHost, requestURL(r), a.now()); ok {
			rep.Hop = &Hop{TokenURL: withTokenElided(first.URL), CleanURL: first.URL, At: first.At}
		}
	}
	return rep
}

// cookieHost is the host a cookie set in answer to a request for host
// belongs to: without port, in lower case.
func cookieHost(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	return strings.ToLower(host)
}

// requestURL is the address the browser asked for: the scheme Traefik
// reports (X-Forwarded-Proto), the host, the path and the query.
func requestURL(r *http.Request) string {
	scheme := "http"
	if p := r.Header.Get("X-Forwarded-Proto"); p == "https" || (p == "" && r.TLS != nil) {
		scheme = "https"
	}
	return scheme + "://" + r.Host + r.URL.RequestURI()
}

// withTokenElided is a clean URL as it was before the session injector's
// 303: with the token parameter last in the query, its value left out.
func withTokenElided(clean string) string {
	sep := "?"
	if strings.Contains(clean, "?") {
		sep = "&"
	}
	return clean + sep + tokenParam + "=…"
}

// shorten keeps the first 6 and last 4 characters of a long cookie value.
func shorten(v string) string {
	if len(v) <= 14 {
		return v
	}
	return v[:6] + "…" + v[len(v)-4:]
}

// SignedIn reports whether the cookie names a live session.
func (c CookieReport) SignedIn() bool {
	return c.Origin == OriginOwn || c.Origin == OriginCarried
}
