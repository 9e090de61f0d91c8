package load

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/session-injector/sessioninjector/e2e/harness"
)

// fakeTraefik serves every *.test host with h, as a Traefik would.
func fakeTraefik(t *testing.T, h http.HandlerFunc) *harness.Traefik {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &harness.Traefik{WebAddr: strings.TrimPrefix(srv.URL, "http://")}
}

func TestClientSendsWhatABrowserWould(t *testing.T) {
	got := make(chan *http.Request, 1)
	tr := fakeTraefik(t, func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Form, _ = url.ParseQuery(string(body))
		got <- r
		w.Header().Set("Location", "/next")
		w.WriteHeader(http.StatusFound)
		_, _ = io.WriteString(w, strings.Repeat("b", maxBody+10))
	})
	c := NewClient(tr, "", 2)
	defer c.Close()

	tests := []struct {
		name   string
		req    Request
		method string
		mode   string
		cookie string
		form   string
	}{
		{"navigation", Request{URL: "http://shop.test/a"}, http.MethodGet, "navigate", "", ""},
		{"subresource with a session", Request{URL: "http://shop.test/a", Fetch: true, Session: "s1"}, http.MethodGet, "no-cors", "_session_id=s1", ""},
		{"form", Request{Method: http.MethodPost, URL: "http://shop.test/a", Form: url.Values{"f": {"v"}}}, http.MethodPost, "navigate", "", "v"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := c.Do(tt.req)
			require.NoError(t, err)
			r := <-got
			assert.Equal(t, tt.method, r.Method)
			assert.Equal(t, "shop.test", r.Host)
			assert.Equal(t, tt.mode, r.Header.Get("Sec-Fetch-Mode"))
			assert.Equal(t, tt.cookie, r.Header.Get("Cookie"))
			assert.Equal(t, tt.form, r.Form.Get("f"))
			assert.Equal(t, http.StatusFound, rep.Status, "redirects are not followed")
			assert.Equal(t, "/next", rep.Header.Get("Location"))
			assert.Len(t, rep.Body, maxBody, "the body is cut")
		})
	}
	_, err := c.Do(Request{URL: "http://example.com/"})
	assert.Error(t, err, "only .test hosts are dialled")
}

func TestSignInOn(t *testing.T) {
	tr := fakeTraefik(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/login" && r.Method == http.MethodPost && r.FormValue("name") == "ada" {
			http.SetCookie(w, &http.Cookie{Name: harness.SessionCookie, Value: "sess-ada"})
			w.WriteHeader(http.StatusFound)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
	c := NewClient(tr, "", 1)
	defer c.Close()
	s, err := c.SignInOn(shopHost, "ada")
	require.NoError(t, err)
	assert.Equal(t, "sess-ada", s)
	_, err = c.SignInOn(shopHost, "bob")
	assert.ErrorContains(t, err, "sign in on "+shopHost)
}
