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
)

func TestBackendCountsLeakedTokens(t *testing.T) {
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "app "+r.URL.Path)
	}))
	defer app.Close()
	b := StartBackend(t, app.URL)
	get := func(path string) (int, http.Header) {
		t.Helper()
		req, err := http.NewRequest(http.MethodGet, b.URL+path, nil)
		require.NoError(t, err)
		resp, err := (&http.Transport{}).RoundTrip(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode, resp.Header
	}
	status, _ := get("/page?a=1")
	assert.Equal(t, http.StatusOK, status, "forwarded to the app")
	status, header := get(BouncePath + "?to=" + url.QueryEscape("//evil.test/x"))
	assert.Equal(t, http.StatusFound, status)
	assert.Equal(t, "//evil.test/x", header.Get("Location"), "the Location exactly as asked")
	assert.Zero(t, b.Leaks())
	assert.Empty(t, b.FirstLeak())

	get("/first?_hs_=t1")
	get("/second?a=%zz&_hs_")
	assert.Equal(t, int64(2), b.Leaks())
	assert.Equal(t, "GET "+strings.TrimPrefix(b.URL, "http://")+"/first?_hs_=t1", b.FirstLeak())
	assert.Equal(t, int64(4), b.Requests())
}
