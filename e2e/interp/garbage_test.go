package interp

import (
	"math/rand"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// garbageQueries returns n deterministic random raw queries that mention
// the token parameter: random bytes, random base64url, mutations of token
// (a real one), separators and percent-encodings.
func garbageQueries(seed int64, n int, token string) []string {
	rng := rand.New(rand.NewSource(seed))
	alphabet := "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	pieces := []string{"&", "=", ";", "%", "%00", "%zz", "+", " ", "%0d%0a", "\r\n", "#", "?", "_hs_", "%5Fhs%5F", "\x00", "\xff", "é", "%E3%80%82"}
	randBytes := func(limit int) string {
		b := make([]byte, rng.Intn(limit+1))
		for i := range b {
			b[i] = byte(rng.Intn(256))
		}
		return string(b)
	}
	randB64 := func(limit int) string {
		b := make([]byte, rng.Intn(limit+1))
		for i := range b {
			b[i] = alphabet[rng.Intn(len(alphabet))]
		}
		return string(b)
	}
	mutate := func(s string) string {
		b := []byte(s)
		for k := 0; k < 1+rng.Intn(3) && len(b) > 0; k++ {
			switch i := rng.Intn(len(b)); rng.Intn(4) {
			case 0:
				b[i] = alphabet[rng.Intn(len(alphabet))]
			case 1:
				b = append(b[:i], b[i+1:]...)
			case 2:
				b = append(b[:i], append([]byte{alphabet[rng.Intn(len(alphabet))]}, b[i:]...)...)
			default:
				b = b[:i]
			}
		}
		if string(b) == s { // every edit happened to write back what was there
			b = append(b, '!')
		}
		return string(b)
	}
	out := make([]string, 0, n)
	for len(out) < n {
		var q string
		switch rng.Intn(6) {
		case 0:
			q = tokenParam + "=" + randBytes(64)
		case 1:
			q = tokenParam + "=" + randB64(200)
		case 2:
			q = tokenParam + "=" + mutate(token)
		case 3:
			var sb strings.Builder
			for k := 0; k < 1+rng.Intn(8); k++ {
				sb.WriteString(pieces[rng.Intn(len(pieces))])
			}
			q = tokenParam + sb.String() + randB64(40)
		case 4:
			q = randBytes(20) + "&" + tokenParam + "=" + randB64(120) + "&" + randBytes(20)
		default:
			q = tokenParam + "=" + strings.Repeat(randB64(1)+"A", rng.Intn(6000))
		}
		out = append(out, q)
	}
	return out
}

// TestGarbageNeverFails sends random queries mentioning the token parameter
// to interpreted receivers and senders, as navigations and as fetches:
// never a 5xx, never a panic, never a session cookie. With
// dieOnHandshakeFailure a refusal is the HTML page for a navigation and
// the plain-text 403 for a fetch; by default a navigation is led on with a
// 303 to a URL that does not bring the refusal back, and a fetch reaches
// the backend without the token parameter.
func TestGarbageNeverFails(t *testing.T) {
	valid := issue(t, source, clientAddr, "sess-garbage-5e5e")
	queries := garbageQueries(1, 400, valid)
	for _, die := range []bool{true, false} {
		for name, cfg := range map[string]settings{"receiver": receiver, "source": source} {
			b := &backend{}
			h := build(t, cfg.with("dieOnHandshakeFailure", die), b)
			for i, q := range queries {
				nav := i%2 == 0
				r := navigation(checkoutHost, "/", clientAddr, "")
				if !nav {
					r.Header.Set("Sec-Fetch-Mode", "cors")
					r.Header.Set("Accept", "*/*")
				}
				r.URL.RawQuery = q
				r.RequestURI = "/?" + q
				calls := b.calls()
				rec := serve(t, h, r)
				require.Less(t, rec.Code, 500, "%s die=%v query %q: %s", name, die, q, rec.Body.String())
				assert.Empty(t, rec.Header().Values("Set-Cookie"), "query %q", q)
				switch {
				case rec.Code == http.StatusOK:
					require.Equal(t, calls+1, b.calls(), "query %q", q)
					if passed, err := url.ParseQuery(b.last(t).rawQuery); err == nil {
						assert.NotContains(t, passed, tokenParam, "query %q reached the backend as %q", q, b.last(t).rawQuery)
					}
				case die && nav:
					assertRefusalPage(t, rec, "", "")
				case die:
					assert.Equal(t, http.StatusForbidden, rec.Code, "query %q", q)
					assert.True(t, strings.HasPrefix(rec.Body.String(), "session handoff refused: "), rec.Body.String())
				case nav:
					require.Equal(t, http.StatusSeeOther, rec.Code, "query %q", q)
					loc := rec.Header().Get("Location")
					require.True(t, strings.HasPrefix(loc, "http://"+checkoutHost+"/"), "query %q: %q", q, loc)
					again := navigation(checkoutHost, "/", clientAddr, "")
					again.URL.RawQuery = strings.TrimPrefix(strings.TrimPrefix(loc, "http://"+checkoutHost+"/"), "?")
					again.RequestURI = "/?" + again.URL.RawQuery
					assert.Equal(t, http.StatusOK, serve(t, h, again).Code, "query %q led to %q, refused again", q, loc)
				default:
					assert.Failf(t, "a refused fetch is passed on without the token by default", "query %q: %d %s", q, rec.Code, rec.Body.String())
				}
			}
		}
	}
}
