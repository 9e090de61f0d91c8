package main

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

const (
	shopBase     = "http://shop.example"
	checkoutBase = "http://checkout.example"
)

func newTestApp(t *testing.T) *App {
	t.Helper()
	a, err := NewApp(shopBase, checkoutBase)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// do serves one request and returns the recorded response.
func do(a *App, method, target string, form url.Values, cookies ...*http.Cookie) *httptest.ResponseRecorder {
	return serve(a, newRequest(method, target, form, cookies...))
}

// newRequest is a request as the app receives it, with a form body.
func newRequest(method, target string, form url.Values, cookies ...*http.Cookie) *http.Request {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	r := httptest.NewRequest(method, target, body)
	r.RequestURI = r.URL.RequestURI() // as a server receives it, without scheme and host
	if form != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for _, c := range cookies {
		r.AddCookie(c)
	}
	return r
}

// serve serves r and returns the recorded response.
func serve(a *App, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	a.ServeHTTP(w, r)
	return w
}

func TestLoginAndCheckout(t *testing.T) {
	tests := []struct {
		name, next, location string
	}{
		{"back to the shop", "", "/"},
		{"on to the checkout", checkoutBase + "/", checkoutBase + "/"},
		{"not one of the sites", "http://evil.example/", "/"},
		{"look-alike prefix", checkoutBase + ".evil.example/", "/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newTestApp(t)
			w := do(a, "POST", shopBase+"/login", url.Values{"name": {"<Ada>"}, "next": {tt.next}})
			if w.Code != http.StatusFound || w.Header().Get("Location") != tt.location {
				t.Fatalf("login: %d to %q, want 302 to %q", w.Code, w.Header().Get("Location"), tt.location)
			}
			cookies := w.Result().Cookies()
			if len(cookies) != 1 || cookies[0].Name != SessionCookie || !cookies[0].HttpOnly || cookies[0].SameSite != http.SameSiteLaxMode {
				t.Fatalf("login cookies: %+v", cookies)
			}
			page := do(a, "GET", checkoutBase+"/", nil, cookies[0]).Body.String()
			if !strings.Contains(page, "Signed in as &lt;Ada&gt;") {
				t.Errorf("checkout page does not show the escaped name:\n%s", page)
			}
		})
	}
}

// TestLogoutEndsTheSessionOnBothSites signs out on either site: the
// session ends in the shared store, so neither site knows it any more,
// and the answer deletes that host's cookie and sends the browser home.
func TestLogoutEndsTheSessionOnBothSites(t *testing.T) {
	tests := []struct {
		name, logout, location string
		shopURL, checkoutURL   string
		secure                 bool
	}{
		{"on the shop, to the checkout", shopBase + "/logout", checkoutBase + "/", shopBase, checkoutBase, false},
		{"on the checkout, to its home page", checkoutBase + "/logout", checkoutBase + "/", shopBase, checkoutBase, false},
		{"on the shop over HTTPS", "https://shop.example/logout", "https://checkout.example/", "https://shop.example", "https://checkout.example", true},
		{"on the checkout over HTTPS", "https://checkout.example/logout", "https://checkout.example/", "https://shop.example", "https://checkout.example", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := NewApp(tt.shopURL, tt.checkoutURL)
			if err != nil {
				t.Fatal(err)
			}
			cookie := do(a, "POST", tt.shopURL+"/login", url.Values{"name": {"Ada"}}).Result().Cookies()[0]
			w := do(a, "POST", tt.logout, url.Values{}, cookie)
			if w.Code != http.StatusFound || w.Header().Get("Location") != tt.location {
				t.Fatalf("logout: %d to %q, want 302 to %q", w.Code, w.Header().Get("Location"), tt.location)
			}
			c := w.Result().Cookies()
			if len(c) != 1 || c[0].Name != SessionCookie || c[0].Value != "" || c[0].MaxAge >= 0 || c[0].Path != "/" || c[0].Secure != tt.secure {
				t.Errorf("logout does not delete the cookie (Secure %v): %+v", tt.secure, c)
			}
			if got := w.Header().Get("Set-Cookie"); !strings.Contains(got, "Max-Age=0") {
				t.Errorf("Set-Cookie %q: want Max-Age=0", got)
			}
			for _, site := range []string{tt.shopURL, tt.checkoutURL} {
				page := do(a, "GET", site+"/", nil, cookie).Body.String()
				if !strings.Contains(page, "You are not signed in.") || strings.Contains(page, `id="logout"`) {
					t.Errorf("%s still signed in after logout:\n%s", site, page)
				}
			}
		})
	}
}

// TestCheckoutOffersSignOut checks that the checkout shows its Sign out
// button to a signed-in user only.
func TestCheckoutOffersSignOut(t *testing.T) {
	a := newTestApp(t)
	button := `<form method="post" action="/logout"><button id="logout">Sign out</button>`
	if page := do(a, "GET", checkoutBase+"/", nil).Body.String(); strings.Contains(page, button) {
		t.Errorf("signed out, the checkout offers to sign out:\n%s", page)
	}
	cookie := signIn(t, a, "shop.example", "Ada")
	if page := do(a, "GET", checkoutBase+"/", nil, cookie).Body.String(); !strings.Contains(page, button) {
		t.Errorf("signed in, the checkout has no Sign out button:\n%s", page)
	}
	if w := do(a, "GET", checkoutBase+"/logout", nil, cookie); w.Code != http.StatusMethodNotAllowed {
		t.Errorf("GET /logout: %d, want 405", w.Code)
	}
}

func TestPayAndPlainRedirects(t *testing.T) {
	a := newTestApp(t)
	for target, location := range map[string]string{
		shopBase + "/pay":                 checkoutBase + "/?from=pay",
		shopBase + "/_debug/redirect":     checkoutBase + "/",
		checkoutBase + "/_debug/redirect": shopBase + "/",
	} {
		method := "GET"
		if strings.HasSuffix(target, "/pay") {
			method = "POST"
		}
		if w := do(a, method, target, nil); w.Code != http.StatusFound || w.Header().Get("Location") != location {
			t.Errorf("%s %s: %d to %q, want 302 to %q", method, target, w.Code, w.Header().Get("Location"), location)
		}
	}
	if w := do(a, "GET", "http://other.example/", nil); w.Code != http.StatusNotFound {
		t.Errorf("unknown host: %d, want 404", w.Code)
	}
}

func TestDebugRequestAndEvents(t *testing.T) {
	a := newTestApp(t)
	var info RequestInfo
	w := do(a, "GET", checkoutBase+"/_debug/request?a=1&b=2", nil, &http.Cookie{Name: "x", Value: "y"})
	if err := json.Unmarshal(w.Body.Bytes(), &info); err != nil {
		t.Fatal(err)
	}
	if info.RequestURI != "/_debug/request?a=1&b=2" || info.RawQuery != "a=1&b=2" || info.Cookie != "x=y" {
		t.Errorf("request info: %+v", info)
	}
	w = do(a, "GET", shopBase+"/_debug/sse?n=3&interval=0s", nil)
	if got := strings.Count(w.Body.String(), "data: event"); got != 3 || w.Header().Get("Content-Type") != "text/event-stream" {
		t.Errorf("events: %d events, type %q", got, w.Header().Get("Content-Type"))
	}
}

func TestWebSocketEcho(t *testing.T) {
	srv := httptest.NewServer(newTestApp(t))
	defer srv.Close()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "GET /_debug/ws HTTP/1.1\r\nHost: shop.example\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"+
		"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusSwitchingProtocols || resp.Header.Get("Sec-WebSocket-Accept") != "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" {
		t.Fatalf("upgrade: %s %v", resp.Status, resp.Header)
	}
	// A masked text frame "hello" with mask 1,2,3,4.
	mask := []byte{1, 2, 3, 4}
	frame := []byte{0x81, 0x80 | 5, 1, 2, 3, 4}
	for i, c := range []byte("hello") {
		frame = append(frame, c^mask[i%4])
	}
	if _, err := conn.Write(frame); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, 7)
	if _, err := io.ReadFull(br, got); err != nil {
		t.Fatal(err)
	}
	if string(got) != "\x81\x05hello" {
		t.Errorf("echo: %q", got)
	}
}
