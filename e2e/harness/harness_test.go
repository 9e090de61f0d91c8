package harness

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// noopConfig routes Host(`app.test`) through the noop plugin to backend.
func noopConfig(backend string) Dynamic {
	return Dynamic{
		Routers: map[string]Router{
			"app": {Rule: "Host(`app.test`)", Middlewares: []string{"noop"}, Service: "app"},
		},
		Middlewares: map[string]Middleware{"noop": PluginMiddleware("noop", nil)},
		Services:    map[string]Service{"app": {URL: backend}},
	}
}

func TestNoopPluginServesAndReloads(t *testing.T) {
	noop, err := Noop()
	require.NoError(t, err)
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "backend saw "+r.Host+r.URL.Path)
	}))
	defer backend.Close()

	tr := Start(t, Options{Plugins: []Plugin{noop}, Dynamic: noopConfig(backend.URL)})
	client := tr.Client("")

	get := func(url string) (int, string) {
		t.Helper()
		resp, err := client.Get(url)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp.StatusCode, string(b)
	}
	code, body := get("http://app.test/x")
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, "backend saw app.test/x", body)

	d := noopConfig(backend.URL)
	d.Routers["app"] = Router{Rule: "Host(`other.test`)", Middlewares: []string{"noop"}, Service: "app"}
	tr.Update(t, d)
	code, _ = get("http://app.test/x")
	assert.Equal(t, http.StatusNotFound, code)
	code, body = get("http://other.test/y")
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, "backend saw other.test/y", body)
}

func TestStartNRunsIndependentInstances(t *testing.T) {
	noop, err := Noop()
	require.NoError(t, err)
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "ok")
	}))
	defer backend.Close()

	trs := StartN(t, 2, Options{Plugins: []Plugin{noop}, Dynamic: noopConfig(backend.URL)})
	require.Len(t, trs, 2)
	assert.NotEqual(t, trs[0].WebAddr, trs[1].WebAddr)
	for _, tr := range trs {
		resp, err := tr.Client("127.0.0.2").Get("http://app.test/")
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusOK, resp.StatusCode)
	}
}

func TestSeveralPluginsInOneChain(t *testing.T) {
	noop, err := Noop()
	require.NoError(t, err)
	si, err := SessionInjector()
	require.NoError(t, err)
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, r.URL.RequestURI())
	}))
	defer backend.Close()

	d := noopConfig(backend.URL)
	d.Routers["app"] = Router{Rule: "Host(`app.test`)", Middlewares: []string{"noop", "si"}, Service: "app"}
	d.Middlewares["si"] = PluginMiddleware("sessioninjector", map[string]any{
		"secret":                "harness-test-secret-0123456789abcdef01234",
		"dieOnHandshakeFailure": false,
	})
	tr := Start(t, Options{Plugins: []Plugin{noop, si}, Dynamic: d})

	resp, err := tr.Client("").Get("http://app.test/x?a=1&_hs_=not-a-token")
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "/x?a=1", string(body), "both plugins ran: the token was stripped")
}
