package e2e

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
)

// replayRing is how many redeemed token URLs a worker keeps for replays.
const replayRing = 64

// sampleEvery is how often a worker follows a redemption's clean URL to
// the demo app's /_debug/request to see what the backend received.
const sampleEvery = 8

// loadWorker is one goroutine of a load test, signed in on the shop with
// its own session. Its methods never stop the test: every unexpected
// answer is a violation in the tally.
type loadWorker struct {
	id       int
	c        *loadClient
	tl       *tally
	session  string
	rng      *rand.Rand
	seq      int
	redeemed []string // recently redeemed token URLs, for replays
}

// newLoadWorker returns worker id, with a random source seeded by its id
// so runs are reproducible in what they send.
func newLoadWorker(id int, c *loadClient, tl *tally) *loadWorker {
	return &loadWorker{id: id, c: c, tl: tl, rng: rand.New(rand.NewPCG(uint64(id), 0x5e55))}
}

// signIn signs the worker in on the shop.
func (w *loadWorker) signIn() error {
	s, err := w.c.signInOn(shopHost, fmt.Sprintf("load-%d", w.id))
	w.tl.sent("sign-in", loadReply{status: http.StatusFound}, err)
	w.session = s
	return err
}

// send sends r, counts it under kind, and reports whether it was
// answered. Whatever the request, a token in the answer's Location must be
// for the checkout.
func (w *loadWorker) send(kind string, r loadRequest) (loadReply, bool) {
	rep, err := w.c.do(r)
	if err == nil {
		w.tl.check(kind, checkTokenTarget(rep))
	}
	return rep, w.tl.sent(kind, rep, err)
}

// checkTokenTarget checks that a Location carrying a token, if any, points
// at the checkout, the shop's only target.
func checkTokenTarget(rep loadReply) error {
	loc := rep.header.Get("Location")
	if !strings.Contains(loc, tokenParam) {
		return nil
	}
	u, err := url.Parse(loc)
	if err != nil || u.Host != checkoutHost || u.Scheme != "http" {
		return fmt.Errorf("a Location carrying a token for a host that is not a target: %.120q", loc)
	}
	return nil
}

// target returns a fresh checkout URL (the demo app's request echo) to
// hand the session to; it is also the clean URL of its redemption.
func (w *loadWorker) target() string {
	w.seq++
	return fmt.Sprintf("http://%s/_debug/request?w=%d&i=%d", checkoutHost, w.id, w.seq)
}

// mint asks the shop for a token to target and returns the Location
// carrying it.
func (w *loadWorker) mint(target string) (string, bool) {
	rep, ok := w.send("mint", loadRequest{url: handoffURL(shopHost, target), session: w.session})
	if !ok {
		return "", false
	}
	loc, err := checkMinted(rep, target)
	w.tl.check("mint", err)
	return loc, err == nil
}

// redeem redeems a valid token URL by GET, expecting a 303 to clean with
// the session, and keeps it for replays. Every sampleEvery-th time it
// follows the clean URL with the new cookie when clean is the echo.
func (w *loadWorker) redeem(kind, loc, clean string) {
	w.tl.expect()
	rep, ok := w.send(kind, loadRequest{url: loc})
	if !ok {
		return
	}
	if rep.sessionSet() == w.session {
		w.tl.redemption(kind)
	}
	if err := checkRedeemed(rep, w.session, clean); err != nil {
		w.tl.check(kind, err)
		return
	}
	if len(w.redeemed) < replayRing {
		w.redeemed = append(w.redeemed, loc)
	} else {
		w.redeemed[w.rng.IntN(replayRing)] = loc
	}
	if w.seq%sampleEvery == 0 && strings.Contains(clean, "/_debug/request") {
		w.sampleBackend(clean)
	}
}

// sampleBackend fetches the echo at clean with the session and checks
// what the backend received: no token, the session cookie once.
func (w *loadWorker) sampleBackend(clean string) {
	rep, ok := w.send("backend-sample", loadRequest{url: clean, session: w.session})
	if ok {
		w.tl.check("backend-sample", checkEcho(rep, clean, w.session))
	}
}

// checkEcho checks a /_debug/request answer for the request to u: the
// request URI as sent, without token, and exactly session as the cookie
// (none when session is "").
func checkEcho(rep loadReply, u, session string) error {
	var v backendView
	if rep.status != http.StatusOK {
		return fmt.Errorf("echo of %s: %v", u, rep)
	}
	if err := json.Unmarshal([]byte(rep.body), &v); err != nil {
		return fmt.Errorf("echo of %s: %v in %q", u, err, clip(rep.body, 200))
	}
	parsed, err := url.Parse(u)
	if err != nil {
		return err
	}
	if v.RequestURI != parsed.RequestURI() || carriesToken(v.RawQuery) {
		return fmt.Errorf("the backend received %q for %s", v.RequestURI, u)
	}
	want := []string(nil)
	if session != "" {
		want = []string{session}
	}
	if got := sessionValues(v.Cookie); fmt.Sprint(got) != fmt.Sprint(want) {
		return fmt.Errorf("the backend received the session cookies %q, want %q", got, want)
	}
	return nil
}

// refused sends a request that must be refused for reason.
func (w *loadWorker) refused(kind, u, reason string) {
	rep, ok := w.send(kind, loadRequest{url: u})
	if !ok {
		return
	}
	if rep.sessionSet() != "" {
		w.tl.redemption(kind)
	}
	w.tl.check(kind, checkRefused(rep, reason))
}

// randomToken returns n random characters of the base64url alphabet.
func (w *loadWorker) randomToken(n int) string {
	raw := make([]byte, n*3/4+3)
	for i := range raw {
		raw[i] = byte(w.rng.UintN(256))
	}
	return base64.RawURLEncoding.EncodeToString(raw)[:n]
}

// withTokenValue returns loc with its token parameter's value replaced by
// the raw (already escaped) value tok.
func withTokenValue(loc, tok string) string {
	base, query, _ := strings.Cut(loc, "?")
	parts := strings.Split(query, "&")
	for i, p := range parts {
		if strings.HasPrefix(p, tokenParam+"=") {
			parts[i] = tokenParam + "=" + tok
		}
	}
	return base + "?" + strings.Join(parts, "&")
}
