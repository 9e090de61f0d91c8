package e2e

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
	run    func(w *loadWorker)
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
func opValid(w *loadWorker) {
	target := w.target()
	if loc, ok := w.mint(target); ok {
		w.redeem("redeem", loc, target)
	}
}

// opValidPost mints a token and redeems it by POST, which reaches the
// backend: the echo must show the request without the token and with the
// session cookie injected, and the answer must set the cookie.
func opValidPost(w *loadWorker) {
	target := w.target()
	loc, ok := w.mint(target)
	if !ok {
		return
	}
	w.tl.expect()
	rep, ok := w.send("redeem-post", loadRequest{method: http.MethodPost, url: loc, form: url.Values{"field": {"v"}}})
	if !ok {
		return
	}
	if rep.sessionSet() == w.session {
		w.tl.redemption("redeem-post")
	} else {
		w.tl.check("redeem-post", fmt.Errorf("no session cookie set: %v", rep))
	}
	w.tl.check("redeem-post", checkEcho(rep, target, w.session))
}

// opReplay replays a token redeemed earlier: refused as already used.
func opReplay(w *loadWorker) {
	if len(w.redeemed) == 0 {
		opValid(w)
		return
	}
	w.refused("replay", w.redeemed[w.rng.IntN(len(w.redeemed))], "already used")
}

// damageThenRedeem mints a token, sends damaged versions of it (each
// refused as invalid), then redeems the original: a refused token is not
// burnt.
func damageThenRedeem(w *loadWorker, kind string, damage func(loc, tok string) []string) {
	target := w.target()
	loc, ok := w.mint(target)
	if !ok {
		return
	}
	for _, bad := range damage(loc, token(loc)) {
		w.refused(kind, bad, "invalid")
	}
	w.redeem("redeem", loc, target)
}

// opTampered changes one character of a fresh token, then the last one.
func opTampered(w *loadWorker) {
	damageThenRedeem(w, "tampered", func(loc, tok string) []string {
		last := tok[:len(tok)-1] + string("AB"[w.rng.IntN(2)])
		if last == tok {
			last = tok[:len(tok)-1] + "C"
		}
		return []string{withTokenValue(loc, flip(tok)), withTokenValue(loc, last)}
	})
}

// opTruncated cuts a fresh token short by one character, by eight, and
// to half.
func opTruncated(w *loadWorker) {
	damageThenRedeem(w, "truncated", func(loc, tok string) []string {
		return []string{
			withTokenValue(loc, tok[:len(tok)-1]),
			withTokenValue(loc, tok[:len(tok)-8]),
			withTokenValue(loc, tok[:len(tok)/2]),
		}
	})
}

// opDuplicated sends a fresh token twice in one query, literally and
// percent-encoded.
func opDuplicated(w *loadWorker) {
	damageThenRedeem(w, "duplicated", func(loc, tok string) []string {
		return []string{loc + "&" + tokenParam + "=" + tok, loc + "&%5Fhs%5F=" + tok}
	})
}

// opRandom sends random base64url of a token's usual length and random
// bytes, percent-encoded.
func opRandom(w *loadWorker) {
	w.refused("random", "http://"+checkoutHost+"/?"+tokenParam+"="+w.randomToken(150+w.rng.IntN(200)), "invalid")
	raw := make([]byte, 1+w.rng.IntN(300))
	for i := range raw {
		raw[i] = byte(w.rng.UintN(256))
	}
	w.refused("random", "http://"+checkoutHost+"/?"+tokenParam+"="+url.QueryEscape(string(raw)), "invalid")
}

// opBigToken sends a random token of n base64url characters.
func opBigToken(n int) func(w *loadWorker) {
	kind := "token-8KiB"
	if n > 8<<10 {
		kind = "token-100KiB"
	}
	return func(w *loadWorker) {
		w.refused(kind, "http://"+checkoutHost+"/_debug/request?"+tokenParam+"="+w.randomToken(n), "invalid")
	}
}

// opRedirectAllowed follows a signed-in navigation whose backend
// redirects to the checkout (the demo app's /_debug/redirect, or the
// bounce to the echo): the Location gains a token, which is then
// redeemed.
func opRedirectAllowed(w *loadWorker) {
	target, from := "http://"+checkoutHost+"/", "http://"+shopHost+"/_debug/redirect"
	if w.rng.IntN(2) == 0 {
		target = w.target()
		from = "http://" + shopHost + bouncePath + "?" + url.Values{"to": {target}}.Encode()
	}
	rep, ok := w.send("redirect-allowed", loadRequest{url: from, session: w.session})
	if !ok {
		return
	}
	loc := rep.header.Get("Location")
	if rep.status != http.StatusFound || !strings.HasPrefix(loc, target) || token(loc) == "" {
		w.tl.check("redirect-allowed", fmt.Errorf("want a 302 to %s with a token, got %v", target, rep))
		return
	}
	w.redeem("redeem-redirected", loc, target)
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
func opRedirectDisallowed(w *loadWorker) {
	to := disallowedLocations[w.rng.IntN(len(disallowedLocations))]
	rep, ok := w.send("redirect-disallowed", loadRequest{
		url:     "http://" + shopHost + bouncePath + "?" + url.Values{"to": {to}}.Encode(),
		session: w.session,
	})
	if ok && (rep.status != http.StatusFound || rep.header.Get("Location") != to) {
		w.tl.check("redirect-disallowed", fmt.Errorf("want a 302 to %q untouched, got %v", to, rep))
	}
}

// opRedirectUntouched sends redirects to the checkout that must not gain
// a token: without a session, or from a subresource request.
func opRedirectUntouched(w *loadWorker) {
	r := loadRequest{url: "http://" + shopHost + "/_debug/redirect"}
	if w.rng.IntN(2) == 0 {
		r.session, r.fetch = w.session, true
	}
	rep, ok := w.send("redirect-untouched", r)
	want := "http://" + checkoutHost + "/"
	if ok && (rep.status != http.StatusFound || rep.header.Get("Location") != want) {
		w.tl.check("redirect-untouched", fmt.Errorf("want a 302 to %s untouched, got %v", want, rep))
	}
}

// opPlain sends traffic without a token: navigations and subresources,
// with and without the session cookie, and a query that only mentions
// the parameter's name.
func opPlain(w *loadWorker) {
	switch w.rng.IntN(5) {
	case 0:
		rep, ok := w.send("plain-navigation", loadRequest{url: "http://" + shopHost + "/", session: w.session})
		if ok && (rep.status != http.StatusOK || !strings.Contains(rep.body, "Signed in as")) {
			w.tl.check("plain-navigation", fmt.Errorf("the signed-in shop page: %v", rep))
		}
	case 1:
		rep, ok := w.send("plain-navigation", loadRequest{url: "http://" + checkoutHost + "/"})
		if ok && (rep.status != http.StatusOK || !strings.Contains(rep.body, "not signed in")) {
			w.tl.check("plain-navigation", fmt.Errorf("the checkout page: %v", rep))
		}
	case 2:
		u := "http://" + shopHost + "/_debug/request?asset=1"
		if rep, ok := w.send("plain-subresource", loadRequest{url: u, session: w.session, fetch: true}); ok {
			w.tl.check("plain-subresource", checkEcho(rep, u, w.session))
		}
	case 3:
		u := "http://" + checkoutHost + "/_debug/request?asset=2"
		if rep, ok := w.send("plain-subresource", loadRequest{url: u, fetch: true}); ok {
			w.tl.check("plain-subresource", checkEcho(rep, u, ""))
		}
	default:
		u := "http://" + checkoutHost + "/_debug/request?q=my_hs_notes&x=%41"
		if rep, ok := w.send("plain-lookalike", loadRequest{url: u, session: w.session}); ok {
			w.tl.check("plain-lookalike", checkEcho(rep, u, w.session))
		}
	}
}

// loadSchedule returns the ops of mix, each repeated by its weight, in an
// order shuffled by w's random source.
func loadSchedule(w *loadWorker, mix []loadOp) []loadOp {
	var out []loadOp
	for _, op := range mix {
		for range op.weight {
			out = append(out, op)
		}
	}
	w.rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}
