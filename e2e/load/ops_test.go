package load

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// loadOp is one kind of traffic of the mixed load test, with its weight
// in the mix.
type loadOp struct {
	name   string
	weight int
	run    func(w *Worker)
}

// mixedOps is the traffic of the mixed load test.
var mixedOps = []loadOp{
	{"valid", 6, opValid},
	{"valid-post", 2, opValidPost},
	{"replay", 3, opReplay},
	{"tampered", 2, opTampered},
	{"truncated", 1, opTruncated},
	{"duplicated", 1, opDuplicated},
	{"random", 2, opRandom},
	{"token-8KiB", 1, opBigToken(8 << 10)},
	{"token-100KiB", 1, opBigToken(100 << 10)},
	{"redirect-allowed", 2, opRedirectAllowed},
	{"redirect-disallowed", 3, opRedirectDisallowed},
	{"redirect-untouched", 2, opRedirectUntouched},
	{"plain", 8, opPlain},
}

// opValid mints a token and redeems it once by GET.
func opValid(w *Worker) {
	target := w.Target()
	if loc, ok := w.Mint(target); ok {
		w.Redeem("redeem", loc, target)
	}
}

// opValidPost mints a token and redeems it by POST (a 307 or 308 that
// replays a form): the plugin answers a 303 to the clean URL setting the
// cookie, and the body never reaches the backend with the session.
func opValidPost(w *Worker) {
	target := w.Target()
	loc, ok := w.Mint(target)
	if !ok {
		return
	}
	w.tl.Expect()
	rep, ok := w.Send("redeem-post", Request{Method: http.MethodPost, URL: loc, Form: url.Values{"field": {"v"}}})
	if !ok {
		return
	}
	if rep.SessionSet() == w.Session {
		w.tl.Redemption("redeem-post")
	}
	w.tl.Check("redeem-post", CheckRedeemed(rep, w.Session, target))
}

// opReplay replays a token redeemed earlier: refused as already used.
func opReplay(w *Worker) {
	if len(w.redeemed) == 0 {
		opValid(w)
		return
	}
	w.Refuse("replay", w.redeemed[w.rng.IntN(len(w.redeemed))], "already used")
}

// damageThenRedeem mints a token, sends damaged versions of it (each
// refused as invalid), then redeems the original: a refused token is not
// burnt.
func damageThenRedeem(w *Worker, kind string, damage func(loc, tok string) []string) {
	target := w.Target()
	loc, ok := w.Mint(target)
	if !ok {
		return
	}
	for _, bad := range damage(loc, Token(loc)) {
		w.Refuse(kind, bad, "invalid")
	}
	w.Redeem("redeem", loc, target)
}

// opTampered changes one character of a fresh token, then the last one.
func opTampered(w *Worker) {
	damageThenRedeem(w, "tampered", func(loc, tok string) []string {
		last := tok[:len(tok)-1] + string("AB"[w.rng.IntN(2)])
		if last == tok {
			last = tok[:len(tok)-1] + "C"
		}
		return []string{WithTokenValue(loc, flip(tok)), WithTokenValue(loc, last)}
	})
}

// opTruncated cuts a fresh token short by one character, by eight, and
// to half.
func opTruncated(w *Worker) {
	damageThenRedeem(w, "truncated", func(loc, tok string) []string {
		return []string{
			WithTokenValue(loc, tok[:len(tok)-1]),
			WithTokenValue(loc, tok[:len(tok)-8]),
			WithTokenValue(loc, tok[:len(tok)/2]),
		}
	})
}

// opDuplicated sends a fresh token twice in one query, literally and
// percent-encoded.
func opDuplicated(w *Worker) {
	damageThenRedeem(w, "duplicated", func(loc, tok string) []string {
		return []string{loc + "&" + tokenParam + "=" + tok, loc + "&%5Fhs%5F=" + tok}
	})
}

// opRandom sends random base64url of a token's usual length and random
// bytes, percent-encoded.
func opRandom(w *Worker) {
	w.Refuse("random", "http://"+checkoutHost+"/?"+tokenParam+"="+w.RandomToken(150+w.rng.IntN(200)), "invalid")
	raw := make([]byte, 1+w.rng.IntN(300))
	for i := range raw {
		raw[i] = byte(w.rng.UintN(256))
	}
	w.Refuse("random", "http://"+checkoutHost+"/?"+tokenParam+"="+url.QueryEscape(string(raw)), "invalid")
}

// opBigToken sends a random token of n base64url characters: one that
// fits a query is refused as invalid, a longer one as too large.
func opBigToken(n int) func(w *Worker) {
	kind, reason := "token-8KiB", "invalid"
	if n > 8<<10 {
		kind, reason = "token-100KiB", "query too large"
	}
	return func(w *Worker) {
		w.Refuse(kind, "http://"+checkoutHost+"/_debug/request?"+tokenParam+"="+w.RandomToken(n), reason)
	}
}

// opRedirectAllowed follows a signed-in navigation whose backend
// redirects to the checkout (the demo app's /_debug/redirect, or the
// bounce to the echo): the Location gains a token, which is then
// redeemed.
func opRedirectAllowed(w *Worker) {
	target, from := "http://"+checkoutHost+"/", "http://"+shopHost+"/_debug/redirect"
	if w.rng.IntN(2) == 0 {
		target = w.Target()
		from = "http://" + shopHost + BouncePath + "?" + url.Values{"to": {target}}.Encode()
	}
	rep, ok := w.Send("redirect-allowed", Request{URL: from, Session: w.Session})
	if !ok {
		return
	}
	loc := rep.Header.Get("Location")
	if rep.Status != http.StatusFound || !strings.HasPrefix(loc, target) || Token(loc) == "" {
		w.tl.Check("redirect-allowed", fmt.Errorf("want a 302 to %s with a token, got %v", target, rep))
		return
	}
	w.Redeem("redeem-redirected", loc, target)
}

// disallowedLocations are redirects that must never gain a token: hosts
// that are not targets, look-alikes, and URLs browsers and Go read
// differently.
var disallowedLocations = []string{
	"http://evil.test/",
	"http://evil.test/?next=http://checkout.test/",
	"http://checkout.test.evil.test/",
	"http://evilcheckout.test/",
	"http://checkout.test@evil.test/",
	"http://checkout.test%2f@evil.test/",
	"//evil.test/",
	"/\\evil.test/",
	"https:/checkout.test/",
	"http://" + shopHost + "/",
	"/relative?x=1",
	"javascript:alert(1)//checkout.test",
}

// opRedirectDisallowed makes the backend redirect a signed-in navigation
// to a host that is not a target: the Location stays byte for byte.
func opRedirectDisallowed(w *Worker) {
	to := disallowedLocations[w.rng.IntN(len(disallowedLocations))]
	rep, ok := w.Send("redirect-disallowed", Request{
		URL:     "http://" + shopHost + BouncePath + "?" + url.Values{"to": {to}}.Encode(),
		Session: w.Session,
	})
	if ok && (rep.Status != http.StatusFound || rep.Header.Get("Location") != to) {
		w.tl.Check("redirect-disallowed", fmt.Errorf("want a 302 to %q untouched, got %v", to, rep))
	}
}

// opRedirectUntouched sends redirects to the checkout that must not gain
// a token: without a session, or from a subresource request.
func opRedirectUntouched(w *Worker) {
	r := Request{URL: "http://" + shopHost + "/_debug/redirect"}
	if w.rng.IntN(2) == 0 {
		r.Session, r.Fetch = w.Session, true
	}
	rep, ok := w.Send("redirect-untouched", r)
	want := "http://" + checkoutHost + "/"
	if ok && (rep.Status != http.StatusFound || rep.Header.Get("Location") != want) {
		w.tl.Check("redirect-untouched", fmt.Errorf("want a 302 to %s untouched, got %v", want, rep))
	}
}

// opPlain sends traffic without a token: navigations and subresources,
// with and without the session cookie, and a query that only mentions
// the parameter's name.
func opPlain(w *Worker) {
	switch w.rng.IntN(5) {
	case 0:
		rep, ok := w.Send("plain-navigation", Request{URL: "http://" + shopHost + "/", Session: w.Session})
		if ok && (rep.Status != http.StatusOK || !strings.Contains(rep.Body, "Signed in as")) {
			w.tl.Check("plain-navigation", fmt.Errorf("the signed-in shop page: %v", rep))
		}
	case 1:
		rep, ok := w.Send("plain-navigation", Request{URL: "http://" + checkoutHost + "/"})
		if ok && (rep.Status != http.StatusOK || !strings.Contains(rep.Body, "not signed in")) {
			w.tl.Check("plain-navigation", fmt.Errorf("the checkout page: %v", rep))
		}
	case 2:
		u := "http://" + shopHost + "/_debug/request?asset=1"
		if rep, ok := w.Send("plain-subresource", Request{URL: u, Session: w.Session, Fetch: true}); ok {
			w.tl.Check("plain-subresource", CheckEcho(rep, u, w.Session))
		}
	case 3:
		u := "http://" + checkoutHost + "/_debug/request?asset=2"
		if rep, ok := w.Send("plain-subresource", Request{URL: u, Fetch: true}); ok {
			w.tl.Check("plain-subresource", CheckEcho(rep, u, ""))
		}
	default:
		u := "http://" + checkoutHost + "/_debug/request?q=my_hs_notes&x=%41"
		if rep, ok := w.Send("plain-lookalike", Request{URL: u, Session: w.Session}); ok {
			w.tl.Check("plain-lookalike", CheckEcho(rep, u, w.Session))
		}
	}
}

// loadSchedule returns the ops of mix, each repeated by its weight, in an
// order shuffled by w's random source.
func loadSchedule(w *Worker, mix []loadOp) []loadOp {
	var out []loadOp
	for _, op := range mix {
		for range op.weight {
			out = append(out, op)
		}
	}
	w.rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}
