package load

import (
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
)

// ReplayRing is how many redeemed token URLs a worker keeps for replays.
const ReplayRing = 64

// sampleEvery is how often a worker follows a redemption's clean URL to
// the demo app's /_debug/request to see what the backend received.
const sampleEvery = 8

// Worker is one goroutine of a load test, signed in on the shop with its
// own session. Its methods never stop the test: every unexpected answer
// is a violation in its tally.
type Worker struct {
	// Session is the worker's session cookie, set by SignIn; a test may
	// set it to any value the shop hands over.
	Session string

	id       int
	c        *Client
	tl       *Tally
	rng      *rand.Rand
	seq      int
	redeemed []string // recently redeemed token URLs, for replays
}

// NewWorker returns worker id sending through c and counting in tl, with
// a random source seeded by its id so runs are reproducible in what they
// send.
func NewWorker(id int, c *Client, tl *Tally) *Worker {
	return &Worker{id: id, c: c, tl: tl, rng: rand.New(rand.NewPCG(uint64(id), 0x5e55))}
}

// SignIn signs the worker in on the shop, as the user "load-<id>".
func (w *Worker) SignIn() error {
	s, err := w.c.SignInOn(shopHost, fmt.Sprintf("load-%d", w.id))
	w.tl.Sent("sign-in", Reply{Status: http.StatusFound}, err)
	w.Session = s
	return err
}

// Send sends r, counts it under kind, and reports whether it was answered.
// Whatever the request, a token in the answer's Location must be for the
// checkout.
func (w *Worker) Send(kind string, r Request) (Reply, bool) {
	rep, err := w.c.Do(r)
	if err == nil {
		w.tl.Check(kind, CheckTokenTarget(rep))
	}
	return rep, w.tl.Sent(kind, rep, err)
}

// Target returns a fresh checkout URL (the demo app's request echo) to
// hand the session to; it is also the clean URL of its redemption.
func (w *Worker) Target() string {
	w.seq++
	return fmt.Sprintf("http://%s/_debug/request?w=%d&i=%d", checkoutHost, w.id, w.seq)
}

// Mint asks the shop for a token to target and returns the Location
// carrying it.
func (w *Worker) Mint(target string) (string, bool) {
	rep, ok := w.Send("mint", Request{URL: HandoffURL(shopHost, target), Session: w.Session})
	if !ok {
		return "", false
	}
	loc, err := CheckMinted(rep, target)
	w.tl.Check("mint", err)
	return loc, err == nil
}

// Redeem redeems a valid token URL by GET under kind, expecting a 303 to
// clean with the worker's session, and keeps it for replays. Every
// sampleEvery-th time it follows the clean URL with the new cookie when
// clean is the echo.
func (w *Worker) Redeem(kind, loc, clean string) {
	w.tl.Expect()
	rep, ok := w.Send(kind, Request{URL: loc})
	if !ok {
		return
	}
	if rep.SessionSet() == w.Session {
		w.tl.Redemption(kind)
	}
	if err := CheckRedeemed(rep, w.Session, clean); err != nil {
		w.tl.Check(kind, err)
		return
	}
	if len(w.redeemed) < ReplayRing {
		w.redeemed = append(w.redeemed, loc)
	} else {
		w.redeemed[w.rng.IntN(ReplayRing)] = loc
	}
	if w.seq%sampleEvery == 0 && strings.Contains(clean, "/_debug/request") {
		w.sampleBackend(clean)
	}
}

// sampleBackend fetches the echo at clean with the session and checks
// what the backend received: no token, the session cookie once.
func (w *Worker) sampleBackend(clean string) {
	rep, ok := w.Send("backend-sample", Request{URL: clean, Session: w.Session})
	if ok {
		w.tl.Check("backend-sample", CheckEcho(rep, clean, w.Session))
	}
}

// Refuse sends a GET of u under kind that must be refused for reason.
func (w *Worker) Refuse(kind, u, reason string) {
	rep, ok := w.Send(kind, Request{URL: u})
	if !ok {
		return
	}
	if rep.SessionSet() != "" {
		w.tl.Redemption(kind)
	}
	w.tl.Check(kind, CheckRefused(rep, reason))
}

// RandomToken returns n random characters of the base64url alphabet, from
// the worker's random source.
func (w *Worker) RandomToken(n int) string {
	raw := make([]byte, n*3/4+3)
	for i := range raw {
		raw[i] = byte(w.rng.UintN(256))
	}
	return base64.RawURLEncoding.EncodeToString(raw)[:n]
}
