package harness

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeSite serves every *.test host like the demo app in small: /login
// signs in (cookie "s-"+name, 302 to /), the hand-off endpoint answers a
// 303 to ?to= with a token, /redirect answers ?code= with Location ?to=,
// /loop redirects to itself, and /echo describes the request it got.
func fakeSite(t *testing.T) *Navigator {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/login":
			http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "s-" + r.FormValue("name"), Path: "/", HttpOnly: true})
			http.Redirect(w, r, "/", http.StatusFound)
		case HandoffPath:
			w.Header().Set("Location", r.FormValue("to")+"?"+TokenParam+"=tok")
			w.WriteHeader(http.StatusSeeOther)
		case "/redirect":
			var code int
			_, _ = fmt.Sscan(r.FormValue("code"), &code)
			w.Header().Set("Location", r.URL.Query().Get("to"))
			w.WriteHeader(code)
		case "/loop":
			http.Redirect(w, r, "/loop", http.StatusFound)
		default:
			body, _ := io.ReadAll(r.Body)
			_, _ = fmt.Fprintf(w, "%s %s body=%q mode=%s x=%s cookie=%s",
				r.Method, r.Host, body, r.Header.Get("Sec-Fetch-Mode"), r.Header.Get("X-Test"), r.Header.Get("Cookie"))
		}
	}))
	t.Cleanup(srv.Close)
	return NewNavigator(t, Hosts{"": &Traefik{WebAddr: srv.Listener.Addr().String()}}.Client(""))
}

// redirect is the fake site's URL on host answering code with Location to.
func redirect(host string, code int, to string) string {
	return "http://" + host + "/redirect?" + url.Values{"code": {fmt.Sprint(code)}, "to": {to}}.Encode()
}

func TestNavigatorVisitRecordsEveryHop(t *testing.T) {
	form := url.Values{"a": {"1"}}
	tests := []struct {
		name     string
		method   string
		target   string
		form     url.Values
		want     []string // "METHOD URL STATUS" per hop
		wantBody string   // the last hop's body starts with it
	}{
		{"no redirect", http.MethodGet, "http://shop.test/echo", nil,
			[]string{"GET http://shop.test/echo 200"}, `GET shop.test body="" mode=navigate`},
		{"303 after a POST is followed with a GET", http.MethodPost, redirect("shop.test", 303, "/echo"), form,
			[]string{"POST " + redirect("shop.test", 303, "/echo") + " 303", "GET http://shop.test/echo 200"}, `GET shop.test body=""`},
		{"302 after a POST too", http.MethodPost, redirect("shop.test", 302, "/echo"), form,
			[]string{"POST " + redirect("shop.test", 302, "/echo") + " 302", "GET http://shop.test/echo 200"}, `GET shop.test body=""`},
		{"307 keeps the method and the form", http.MethodPost, redirect("shop.test", 307, "/echo"), form,
			[]string{"POST " + redirect("shop.test", 307, "/echo") + " 307", "POST http://shop.test/echo 200"}, `POST shop.test body="a=1"`},
		{"308 too", http.MethodPost, redirect("shop.test", 308, "/echo"), form,
			[]string{"POST " + redirect("shop.test", 308, "/echo") + " 308", "POST http://shop.test/echo 200"}, `POST shop.test body="a=1"`},
		{"to another host, then relative", http.MethodGet, redirect("shop.test", 301, redirect("checkout.test", 302, "/echo?x=1")), nil,
			[]string{
				"GET " + redirect("shop.test", 301, redirect("checkout.test", 302, "/echo?x=1")) + " 301",
				"GET " + redirect("checkout.test", 302, "/echo?x=1") + " 302",
				"GET http://checkout.test/echo?x=1 200",
			}, `GET checkout.test`},
		{"a 3xx without Location is the last hop", http.MethodGet, redirect("shop.test", 304, ""), nil,
			[]string{"GET " + redirect("shop.test", 304, "") + " 304"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hops := fakeSite(t).Visit(tt.method, tt.target, tt.form)
			got := make([]string, len(hops))
			for i, h := range hops {
				got[i] = fmt.Sprintf("%s %s %d", h.Method, h.URL, h.Status)
			}
			assert.Equal(t, tt.want, got)
			assert.True(t, strings.HasPrefix(hops[len(hops)-1].Body, tt.wantBody), "body %q", hops[len(hops)-1].Body)
		})
	}
}

func TestNavigatorFollowIsVisitWithGET(t *testing.T) {
	hops := fakeSite(t).Follow(redirect("shop.test", 303, "/echo"))
	require.Len(t, hops, 2)
	assert.Equal(t, http.MethodGet, hops[0].Method)
	assert.Equal(t, "http://shop.test/echo", hops[1].URL)
}

func TestNavigatorStopsARedirectLoop(t *testing.T) {
	b := fakeSite(t)
	got := failures(func(t testing.TB) { b.WithT(t).Follow("http://shop.test/loop") })
	require.Len(t, got, 1)
	assert.Contains(t, got[0], "more than 10 redirects from http://shop.test/loop")
}

func TestNavigatorKeepsCookiesPerHost(t *testing.T) {
	b := fakeSite(t)
	assert.Equal(t, "s-Ann", b.SignIn("shop.test", "Ann"))
	assert.Equal(t, "s-Ann", b.Cookie("shop.test"))
	assert.Empty(t, b.Cookie("checkout.test"), "a cookie of shop.test only")
	assert.Contains(t, b.Get("http://shop.test/echo").Body, "cookie="+SessionCookie+"=s-Ann")
	assert.True(t, strings.HasSuffix(b.Get("http://checkout.test/echo").Body, "cookie="), "no cookie sent to checkout.test")

	b.SetCookie("checkout.test", "s-set")
	assert.Equal(t, "s-set", b.Cookie("checkout.test"))
	assert.Equal(t, "s-Ann", b.Cookie("shop.test"))

	loc := b.Handoff("shop.test", "http://checkout.test/")
	assert.Equal(t, "http://checkout.test/?"+TokenParam+"=tok", loc)
	assert.Equal(t, "tok", Token(loc))
}

func TestNavigatorCopiesShareCookies(t *testing.T) {
	b := fakeSite(t)
	withX := b.WithHeader("X-Test", "1")
	withXY := withX.WithHeader("X-Other", "2").WithT(t)
	withXY.SignIn("shop.test", "Bo")
	assert.Equal(t, "s-Bo", b.Cookie("shop.test"), "copies share the jar")
	assert.Contains(t, withX.Get("http://shop.test/echo").Body, "x=1 ")
	assert.Contains(t, withXY.Get("http://shop.test/echo").Body, "x=1 ")
	assert.Contains(t, b.Get("http://shop.test/echo").Body, "x= ", "the original adds no header")
	assert.Same(t, b.Client(), withXY.Client())
}

func TestTokenHelpers(t *testing.T) {
	tests := []struct {
		name, url, tok, want string
	}{
		{"added", "http://checkout.test/p?a=1", "abc", "http://checkout.test/p?_hs_=abc&a=1"},
		{"replaced", "http://checkout.test/?_hs_=old", "new", "http://checkout.test/?_hs_=new"},
		{"escaped", "http://checkout.test/", "a+b/c=", "http://checkout.test/?_hs_=a%2Bb%2Fc%3D"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := WithToken(t, tt.url, tt.tok)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.tok, Token(got), "Token reads back the raw token")
		})
	}
	assert.Empty(t, Token("http://checkout.test/?a=1"))
	assert.Empty(t, Token("http://checkout.test/%zz"), "not a URL")
}

func TestSessionCookies(t *testing.T) {
	h := Hop{Header: http.Header{"Set-Cookie": {"theme=dark", SessionCookie + "=a; Path=/", SessionCookie + "=b"}}}
	cookies := SessionCookies(h)
	require.Len(t, cookies, 2)
	assert.Equal(t, "a", cookies[0].Value)
	assert.Equal(t, "b", cookies[1].Value)
	assert.Empty(t, SessionCookies(Hop{}))
}

func TestAssertSessionCookie(t *testing.T) {
	redeemed := Hop{Header: http.Header{"Set-Cookie": {SessionCookie + "=s1; Path=/; HttpOnly; SameSite=Lax"}}}
	tests := []struct {
		name    string
		h       Hop
		session string
		want    []string // failures, each containing the string
	}{
		{"the session", redeemed, "s1", nil},
		{"any session", redeemed, "", nil},
		{"another session", redeemed, "s2", []string{"the session carried over"}},
		{"none", Hop{Header: http.Header{}}, "", []string{"Set-Cookie"}},
		{"a domain cookie, Secure", Hop{Header: http.Header{"Set-Cookie": {SessionCookie + "=s1; Path=/; Domain=test; HttpOnly; Secure; SameSite=Lax"}}}, "",
			[]string{"host-only cookie", "not Secure over plain HTTP"}},
		{"persistent", Hop{Header: http.Header{"Set-Cookie": {SessionCookie + "=s1; Path=/; HttpOnly; SameSite=Lax; Max-Age=60"}}}, "s1",
			[]string{"Should be zero, but was 60"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := failures(func(t testing.TB) { AssertSessionCookie(t, tt.h, tt.session) })
			require.Len(t, got, len(tt.want), "%q", got)
			for i, w := range tt.want {
				assert.Contains(t, got[i], w)
			}
		})
	}
}

func TestAssertRefused(t *testing.T) {
	b := fakeSite(t)
	refusal := Hop{Method: http.MethodGet, URL: "http://checkout.test/?" + TokenParam + "=x", Status: http.StatusForbidden,
		Header: http.Header{"Content-Type": {"text/plain; charset=utf-8"}, "Cache-Control": {"no-store"}}, Body: "session handoff refused: expired\n"}
	assert.Empty(t, failures(func(t testing.TB) { AssertRefused(t, b.WithT(t), refusal, "expired") }))
	assert.Len(t, failures(func(t testing.TB) { AssertRefused(t, b.WithT(t), refusal, "already used") }), 1, "another reason")

	b.SetCookie("checkout.test", "s1")
	got := failures(func(t testing.TB) { AssertRefused(t, b.WithT(t), refusal, "expired") })
	require.Len(t, got, 1)
	assert.Contains(t, got[0], "signed in on checkout.test after a refusal")
}

func TestAssertArrivedSignedIn(t *testing.T) {
	redeem := Hop{URL: "http://checkout.test/?" + TokenParam + "=x", Status: http.StatusSeeOther, Header: http.Header{
		"Location": {"http://checkout.test/"}, "Cache-Control": {"no-store"},
		"Set-Cookie": {SessionCookie + "=s1; Path=/; HttpOnly; SameSite=Lax"},
	}}
	page := Hop{URL: "http://checkout.test/", Status: http.StatusOK, Body: "<p>Signed in as A &amp; B</p>"}
	assert.Empty(t, failures(func(t testing.TB) {
		AssertArrivedSignedIn(t, []Hop{redeem, page}, "http://checkout.test/", "A & B", "s1")
	}))
	got := failures(func(t testing.TB) {
		AssertArrivedSignedIn(t, []Hop{redeem, page}, "http://checkout.test/", "C", "s2")
	})
	require.Len(t, got, 2, "%q", got)
	assert.Contains(t, got[0], "the session carried over")
	assert.Contains(t, got[1], "Signed in as C")
}

// recorder is a testing.TB that records failures instead of failing; its
// FailNow and Fatalf end the goroutine, as testing's do.
type recorder struct {
	testing.TB
	mu     sync.Mutex
	failed []string
}

func (r *recorder) Helper() {}

func (r *recorder) Name() string { return "recorder" }

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failed = append(r.failed, fmt.Sprintf(format, args...))
}

func (r *recorder) FailNow() { runtime.Goexit() }

func (r *recorder) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
	r.FailNow()
}

// failures runs f with a recorder, in a goroutine of its own, and returns
// the failures it reported.
func failures(f func(t testing.TB)) []string {
	r := &recorder{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(r)
	}()
	<-done
	return r.failed
}
