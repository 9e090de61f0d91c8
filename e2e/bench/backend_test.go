package bench

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// Paths and answers of the benchmark's backend.
const (
	pagePath     = "/page"
	redirectPath = "/redirect"
	// redirectTarget is where the backend's redirect points: another
	// domain, one the source middleware may hand sessions to.
	redirectTarget = "http://" + checkoutHost + "/cart?x=1"
	pageBody       = "<!doctype html><title>bench</title><p>a small page</p>\n"
)

// startBackend serves 302 to redirectTarget on redirectPath and 200 with
// pageBody on every other path; it stops at cleanup.
func startBackend(t testing.TB) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if r.URL.Path == redirectPath {
			rw.Header()["Location"] = []string{redirectTarget}
			rw.WriteHeader(http.StatusFound)
			return
		}
		rw.Header()["Content-Type"] = []string{"text/html; charset=utf-8"}
		_, _ = rw.Write([]byte(pageBody))
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}
