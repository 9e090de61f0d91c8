package load

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/session-injector/sessioninjector/e2e/harness"
)

// HandoffURL is the hand-off endpoint of the shop at host for target.
func HandoffURL(host, target string) string {
	return "http://" + host + harness.HandoffPath + "?" + url.Values{"to": {target}}.Encode()
}

// Token returns the token in a URL, or "".
func Token(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return ""
	}
	return u.Query().Get(tokenParam)
}

// WithTokenValue returns loc with its token parameter's value replaced by
// the raw (already escaped) value tok, every other byte kept.
func WithTokenValue(loc, tok string) string {
	base, query, _ := strings.Cut(loc, "?")
	parts := strings.Split(query, "&")
	for i, p := range parts {
		if strings.HasPrefix(p, tokenParam+"=") {
			parts[i] = tokenParam + "=" + tok
		}
	}
	return base + "?" + strings.Join(parts, "&")
}

// CarriesToken reports whether a raw query holds the token parameter,
// however it is spelled: a query that does not parse but mentions the name
// counts too.
func CarriesToken(rawQuery string) bool {
	if rawQuery == "" {
		return false
	}
	q, err := url.ParseQuery(rawQuery)
	if _, ok := q[tokenParam]; ok {
		return true
	}
	return err != nil && strings.Contains(rawQuery, tokenParam)
}

// CheckMinted checks the answer of a hand-off endpoint: a 303 to target
// with a token added. It returns the Location.
func CheckMinted(rep Reply, target string) (string, error) {
	loc := rep.Header.Get("Location")
	if rep.Status != http.StatusSeeOther || Token(loc) == "" {
		return "", fmt.Errorf("hand-off to %s: want a 303 with a token, got %v", target, rep)
	}
	if !strings.HasPrefix(loc, target) {
		return "", fmt.Errorf("hand-off to %s: Location %.120q", target, loc)
	}
	return loc, nil
}

// CheckRedeemed checks a redemption by GET: a 303 to clean with the
// session cookie set to session.
func CheckRedeemed(rep Reply, session, clean string) error {
	if rep.Status != http.StatusSeeOther || rep.SessionSet() != session || rep.Header.Get("Location") != clean {
		return fmt.Errorf("redemption: want a 303 to %s setting the session, got %v (session set: %t)",
			clean, rep, rep.SessionSet() == session)
	}
	return nil
}

// CheckRefused checks a refusal for reason that sets no cookie.
func CheckRefused(rep Reply, reason string) error {
	if rep.Refusal() != reason || rep.SessionSet() != "" {
		return fmt.Errorf("want a 403 %q setting no cookie, got %v", reason, rep)
	}
	return nil
}

// CheckTokenTarget checks that a Location carrying a token, if any, points
// at the checkout, the shop's only target.
func CheckTokenTarget(rep Reply) error {
	loc := rep.Header.Get("Location")
	if !strings.Contains(loc, tokenParam) {
		return nil
	}
	u, err := url.Parse(loc)
	if err != nil || u.Host != checkoutHost || u.Scheme != "http" {
		return fmt.Errorf("a Location carrying a token for a host that is not a target: %.120q", loc)
	}
	return nil
}

// CheckEcho checks the demo app's /_debug/request answer to a request for
// u: the request URI as sent, without token, and exactly session as the
// session cookie (none when session is "").
func CheckEcho(rep Reply, u, session string) error {
	var v harness.DemoRequest
	if rep.Status != http.StatusOK {
		return fmt.Errorf("echo of %s: %v", u, rep)
	}
	if err := json.Unmarshal([]byte(rep.Body), &v); err != nil {
		return fmt.Errorf("echo of %s: %v in %q", u, err, clip(rep.Body, 200))
	}
	parsed, err := url.Parse(u)
	if err != nil {
		return err
	}
	if v.RequestURI != parsed.RequestURI() || CarriesToken(v.RawQuery) {
		return fmt.Errorf("the backend received %q for %s", v.RequestURI, u)
	}
	want := []string(nil)
	if session != "" {
		want = []string{session}
	}
	if got := v.Sessions(); fmt.Sprint(got) != fmt.Sprint(want) {
		return fmt.Errorf("the backend received the session cookies %q, want %q", got, want)
	}
	return nil
}
