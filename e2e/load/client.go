package load

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/session-injector/sessioninjector/e2e/harness"
)

// maxBody is how much of an answer's body a Reply keeps.
const maxBody = 64 << 10

// Client is a client that many goroutines share: no cookie jar (each
// request names its session itself), redirects returned rather than
// followed, and enough idle connections kept for every worker.
type Client struct {
	c *http.Client
}

// NewClient returns a client connecting to tr from localIP ("" for the
// default) that keeps up to conns idle connections per host.
func NewClient(tr *harness.Traefik, localIP string, conns int) *Client {
	return &Client{c: &http.Client{
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

// Close drops the client's idle connections.
func (c *Client) Close() {
	c.c.CloseIdleConnections()
}

// Request is one request of a load test.
type Request struct {
	// Method is GET when empty.
	Method string
	URL    string
	// Fetch sends the headers of a subresource or fetch() request instead
	// of a top-level navigation's.
	Fetch bool
	// Session is sent as the session cookie when not empty.
	Session string
	// Form is sent as a URL-encoded body when not nil.
	Form url.Values
}

// Reply is an answer with the start of its body read (maxBody bytes).
type Reply struct {
	Status int
	Header http.Header
	Body   string
}

// Do sends one request and reads its answer.
func (c *Client) Do(r Request) (Reply, error) {
	method := r.Method
	if method == "" {
		method = http.MethodGet
	}
	var body io.Reader
	if r.Form != nil {
		body = strings.NewReader(r.Form.Encode())
	}
	req, err := http.NewRequest(method, r.URL, body)
	if err != nil {
		return Reply{}, err
	}
	if r.Form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if r.Fetch {
		req.Header.Set("Accept", "*/*")
		req.Header.Set("Sec-Fetch-Mode", "no-cors")
		req.Header.Set("Sec-Fetch-Dest", "image")
	} else {
		req.Header.Set("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
		req.Header.Set("Sec-Fetch-Mode", "navigate")
		req.Header.Set("Sec-Fetch-Dest", "document")
	}
	if r.Session != "" {
		req.Header.Set("Cookie", harness.SessionCookie+"="+r.Session)
	}
	resp, err := c.c.Do(req)
	if err != nil {
		return Reply{}, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err == nil {
		_, err = io.Copy(io.Discard, resp.Body)
	}
	if err != nil {
		return Reply{}, fmt.Errorf("read the answer to %s %.80s: %w", method, r.URL, err)
	}
	return Reply{Status: resp.StatusCode, Header: resp.Header, Body: string(data)}, nil
}

// SignInOn signs a new user called name in on the shop at host and
// returns the session cookie's value.
func (c *Client) SignInOn(host, name string) (string, error) {
	rep, err := c.Do(Request{Method: http.MethodPost, URL: "http://" + host + "/login", Form: url.Values{"name": {name}}})
	if err != nil {
		return "", err
	}
	if rep.Status != http.StatusFound || rep.SessionSet() == "" {
		return "", fmt.Errorf("sign in on %s: %v", host, rep)
	}
	return rep.SessionSet(), nil
}

// SessionSet returns the value of the session cookie an answer sets, or "".
func (r Reply) SessionSet() string {
	for _, c := range (&http.Response{Header: r.Header}).Cookies() {
		if c.Name == harness.SessionCookie {
			return c.Value
		}
	}
	return ""
}

// Refusal returns the reason of a plugin refusal (harness.RefusalReason:
// the plain-text 403 or a navigation's page), or "" when r is not one.
func (r Reply) Refusal() string {
	return harness.RefusalReason(r.Status, r.Header, r.Body)
}

// String describes r briefly for a failure message.
func (r Reply) String() string {
	return fmt.Sprintf("%d %q Location %.120q", r.Status, clip(r.Body, 120), r.Header.Get("Location"))
}

// clip cuts s to at most n bytes for a message.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
