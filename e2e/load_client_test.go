package e2e

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/session-injector/sessioninjector/e2e/harness"
)

// loadDuration returns the duration set in the environment variable name
// (a Go duration such as "10s"), or def when it is unset, so that a
// developer can shorten a load test locally.
func loadDuration(t *testing.T, name string, def time.Duration) time.Duration {
	t.Helper()
	s, ok := os.LookupEnv(name)
	if !ok || s == "" {
		return def
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		t.Fatalf("%s=%q: want a positive Go duration such as 10s", name, s)
	}
	return d
}

// loadClient is a client that many goroutines share: no cookie jar (each
// request names its session itself), redirects returned rather than
// followed, and enough idle connections kept for every worker.
type loadClient struct {
	c *http.Client
}

// newLoadClient returns a client connecting to tr from localIP ("" for
// the default) that keeps up to conns idle connections per host.
func newLoadClient(tr *harness.Traefik, localIP string, conns int) *loadClient {
	return &loadClient{c: &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			DialContext:         tr.DialContext(localIP),
			DisableCompression:  true,
			MaxIdleConns:        4 * conns,
			MaxIdleConnsPerHost: conns,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}}
}

// close drops the client's idle connections.
func (c *loadClient) close() {
	c.c.CloseIdleConnections()
}

// loadRequest is one request of a load test.
type loadRequest struct {
	method string // GET when empty
	url    string
	// fetch sends the headers of a subresource or fetch() request instead
	// of a top-level navigation's.
	fetch bool
	// session is sent as the _session_id cookie when not empty.
	session string
	// form is sent as a URL-encoded body when not nil.
	form url.Values
}

// loadReply is an answer with its body read (the first 64 KiB).
type loadReply struct {
	status int
	header http.Header
	body   string
}

// do sends one request and reads its answer.
func (c *loadClient) do(r loadRequest) (loadReply, error) {
	method := r.method
	if method == "" {
		method = http.MethodGet
	}
	var body io.Reader
	if r.form != nil {
		body = strings.NewReader(r.form.Encode())
	}
	req, err := http.NewRequest(method, r.url, body)
	if err != nil {
		return loadReply{}, err
	}
	if r.form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if r.fetch {
		req.Header.Set("Accept", "*/*")
		req.Header.Set("Sec-Fetch-Mode", "no-cors")
		req.Header.Set("Sec-Fetch-Dest", "image")
	} else {
		req.Header.Set("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
		req.Header.Set("Sec-Fetch-Mode", "navigate")
		req.Header.Set("Sec-Fetch-Dest", "document")
	}
	if r.session != "" {
		req.Header.Set("Cookie", "_session_id="+r.session)
	}
	resp, err := c.c.Do(req)
	if err != nil {
		return loadReply{}, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err == nil {
		_, err = io.Copy(io.Discard, resp.Body)
	}
	if err != nil {
		return loadReply{}, fmt.Errorf("read the answer to %s %.80s: %w", method, r.url, err)
	}
	return loadReply{status: resp.StatusCode, header: resp.Header, body: string(data)}, nil
}

// sessionSet returns the value of the _session_id cookie an answer sets,
// or "".
func (r loadReply) sessionSet() string {
	for _, c := range (&http.Response{Header: r.header}).Cookies() {
		if c.Name == "_session_id" {
			return c.Value
		}
	}
	return ""
}

// refusal returns the reason of a plugin refusal (403 "session handoff
// refused: <reason>"), or "" when r is not one.
func (r loadReply) refusal() string {
	reason, ok := strings.CutPrefix(r.body, "session handoff refused: ")
	if r.status != http.StatusForbidden || !ok {
		return ""
	}
	return strings.TrimSuffix(reason, "\n")
}

// String describes r briefly for a failure message.
func (r loadReply) String() string {
	return fmt.Sprintf("%d %q Location %.120q", r.status, clip(r.body, 120), r.header.Get("Location"))
}

// clip cuts s to at most n bytes for a message.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// signInOn signs a new user in on the shop at host and returns the
// session cookie's value.
func (c *loadClient) signInOn(host, name string) (string, error) {
	rep, err := c.do(loadRequest{method: http.MethodPost, url: "http://" + host + "/login", form: url.Values{"name": {name}}})
	if err != nil {
		return "", err
	}
	if rep.status != http.StatusFound || rep.sessionSet() == "" {
		return "", fmt.Errorf("sign in on %s: %v", host, rep)
	}
	return rep.sessionSet(), nil
}

// handoffURL is the hand-off endpoint of the shop at host for target.
func handoffURL(host, target string) string {
	return "http://" + host + "/_session/handoff?" + url.Values{"to": {target}}.Encode()
}

// checkMinted checks the answer of a hand-off endpoint: a 303 to target
// with a token added. It returns the Location.
func checkMinted(rep loadReply, target string) (string, error) {
	loc := rep.header.Get("Location")
	if rep.status != http.StatusSeeOther || token(loc) == "" {
		return "", fmt.Errorf("hand-off to %s: want a 303 with a token, got %v", target, rep)
	}
	if !strings.HasPrefix(loc, target) {
		return "", fmt.Errorf("hand-off to %s: Location %.120q", target, loc)
	}
	return loc, nil
}

// checkRedeemed checks a redemption by GET: a 303 to clean with the
// session cookie set.
func checkRedeemed(rep loadReply, session, clean string) error {
	if rep.status != http.StatusSeeOther || rep.sessionSet() != session || rep.header.Get("Location") != clean {
		return fmt.Errorf("redemption: want a 303 to %s setting the session, got %v (session set: %t)",
			clean, rep, rep.sessionSet() == session)
	}
	return nil
}

// checkRefused checks a refusal for reason that sets no cookie.
func checkRefused(rep loadReply, reason string) error {
	if rep.refusal() != reason || rep.sessionSet() != "" {
		return fmt.Errorf("want a 403 %q setting no cookie, got %v", reason, rep)
	}
	return nil
}
