package sessioninjector

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// Sign out everywhere. Every host that hands the session over, or
// redeems it, records the other host's origin in a host-only, HttpOnly
// cookie of its own (the record), authenticated with a key derived from
// the secret. When a navigation's response on a host ends the session (a
// Set-Cookie deleting the primary cookie, or Clear-Site-Data with
// cookies) and the browser holds a record, the response becomes a 303
// to the first recorded host's sign-out endpoint (signOutPath) with a
// sign-out token: sealed for that host, bound to the client, and holding
// the response's own Location (the chain's end), the origins done and the
// origins still to do. Each hop verifies its token, expires the session's
// cookies and its own record, adds the origins it recorded itself, and
// passes the chain on with a fresh token, or ends it at that Location.

const (
	// recordCookie names the record: __Host- prefixed over HTTPS.
	recordCookie = "si_peers"
	// maxPeers bounds the origins a record lists: the oldest is dropped.
	maxPeers = 8
	// maxChainHosts bounds the hosts one sign-out chain visits.
	maxChainHosts = 16
	// recordMACChars is the record's authenticator: 16 bytes in base64url.
	recordMACChars = 22
	// maxRecordChars bounds a record read from a request.
	maxRecordChars = 2048
	// maxOriginBytes bounds an origin a record lists.
	maxOriginBytes = 262
	// maxChainEndBytes bounds the chain's end, so that it fits a sign-out
	// token beside maxChainHosts origins; a longer one ends at the root.
	maxChainEndBytes = 2048
	// signOutTokenMs is a sign-out token's lifetime: one hop's redirect.
	signOutTokenMs = 30_000
	// recordAge is the record's Max-Age: 400 days, the most browsers keep.
	recordAge = "34560000"
)

// signOutSpec is sign out everywhere, prepared in New; nil when it is off.
type signOutSpec struct {
	// The record's names and whole Set-Cookie values after its value,
	// over HTTP and over HTTPS, and the ones deleting it.
	recordName, recordNameSecure     string
	recordAttrs, recordAttrsSecure   string
	deleteRecord, deleteRecordSecure string
	// origin matches what a record may list: scheme://host[:port], lower
	// case, nothing else; so no Host header or issuer can slip a list
	// separator, a path or a space into it.
	origin *regexp.Regexp
}

// newSignOutSpec prepares sign out everywhere: nil when signOutEverywhere is off.
func newSignOutSpec(on bool) *signOutSpec {
	if !on {
		return nil
	}
	const attrs = "; Path=/; Max-Age=" + recordAge + "; HttpOnly"
	const deleted = "=; Path=/; Max-Age=0; HttpOnly"
	return &signOutSpec{
		recordName:         recordCookie,
		recordNameSecure:   hostCookiePrefix + recordCookie,
		recordAttrs:        attrs + "; SameSite=Lax",
		recordAttrsSecure:  attrs + "; Secure; SameSite=Lax",
		deleteRecord:       recordCookie + deleted + "; SameSite=Lax",
		deleteRecordSecure: hostCookiePrefix + recordCookie + deleted + "; Secure; SameSite=Lax",
		origin:             regexp.MustCompile(`^https?://(?:[a-z0-9_-]+(?:\.[a-z0-9_-]+)*|\[[0-9a-f:.]+\])(?::[0-9]{1,5})?$`),
	}
}

// recordOf returns the record cookie's raw value in the request and the
// Set-Cookie value that deletes it, by the request's scheme.
func recordOf(s *signOutSpec, r *http.Request, https bool) (string, string) {
	name, deleted := s.recordName, s.deleteRecord
	if https {
		name = s.recordNameSecure
		deleted = s.deleteRecordSecure
	}
	c, err := r.Cookie(name)
	if err != nil {
		return "", deleted
	}
	return c.Value, deleted
}

// recordPeer records origin in the browser's record on this host, when
// it signs out everywhere, unless origin is listed already: a Set-Cookie on header with the list, the oldest
// origin dropped past maxPeers.
func recordPeer(h *handler, header http.Header, r *http.Request, origin string, https bool) {
	if h.signOut == nil {
		return
	}
	if len(origin) > maxOriginBytes || !h.signOut.origin.MatchString(origin) {
		h.logf("sign-out: %.80q is no origin: not recorded", origin)
		return
	}
	current, _ := recordOf(h.signOut, r, https)
	host := normalizeHost(r.Host)
	verified := peerList(h.codec, host, current)
	if listed(verified, origin) {
		return
	}
	peers := append(splitPeers(verified), origin)
	if len(peers) > maxPeers {
		peers = peers[len(peers)-maxPeers:]
	}
	list := strings.Join(peers, "|")
	value := recordMAC(h.codec.sealKey, host, list) + "~" + list
	if https {
		header["Set-Cookie"] = append(header["Set-Cookie"], h.signOut.recordNameSecure+"="+value+h.signOut.recordAttrsSecure)
	} else {
		header["Set-Cookie"] = append(header["Set-Cookie"], h.signOut.recordName+"="+value+h.signOut.recordAttrs)
	}
}

// recordMAC authenticates a record's list for host under k.
func recordMAC(k *tokenKey, host, list string) string {
	m := hmac.New(sha256.New, k.recordKey)
	m.Write([]byte(host + "\n" + list))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}

// peerList returns the origins a record lists, joined by '|', or "" when
// it is absent, too long or does not authenticate for host under any key.
func peerList(c *codec, host, value string) string {
	mac, list, ok := strings.Cut(value, "~")
	if !ok || len(mac) != recordMACChars || list == "" || len(value) > maxRecordChars {
		return ""
	}
	for _, k := range c.open {
		if hmac.Equal([]byte(mac), []byte(recordMAC(k, host, list))) {
			return list
		}
	}
	return ""
}

// splitPeers splits a record's list; none for "".
func splitPeers(list string) []string {
	if list == "" {
		return nil
	}
	return strings.Split(list, "|")
}

// listed reports whether a '|'-joined list holds origin.
func listed(list, origin string) bool {
	return list == origin || strings.HasPrefix(list, origin+"|") || strings.HasSuffix(list, "|"+origin) ||
		strings.Contains(list, "|"+origin+"|")
}

// urlOrigin is the lower-case origin, scheme://host[:port], of an
// absolute or protocol-relative URL that targetHost accepted (a
// protocol-relative one takes the request's scheme).
func urlOrigin(rawURL string, https bool) string {
	start := strings.Index(rawURL, "//") + 2
	end := len(rawURL)
	if i := strings.IndexAny(rawURL[start:], "/?#"); i >= 0 {
		end = start + i
	}
	origin := strings.ToLower(rawURL[:end])
	if strings.HasPrefix(origin, "//") {
		return requestScheme(https) + origin[2:]
	}
	return origin
}

// requestScheme is "https://" or "http://".
func requestScheme(https bool) string {
	if https {
		return "https://"
	}
	return "http://"
}

// issuerOf is what a token or pull answer names as its issuer: this
// host's origin when it signs out everywhere (the target records it), else "".
func issuerOf(h *handler, r *http.Request) string {
	if h.signOut == nil {
		return ""
	}
	return ownOrigin(r, isHTTPS(r))
}

// ownOrigin is the origin the request reached.
func ownOrigin(r *http.Request, https bool) string {
	return requestScheme(https) + strings.ToLower(r.Host)
}

// endsSession reports whether a response ends the session: Clear-Site-Data
// with cookies, or a Set-Cookie deleting the primary cookie.
func endsSession(h *handler, header http.Header) bool {
	if clearsCookies(header) {
		return true
	}
	found := responseCookies(header["Set-Cookie"], h.cookie.names[:1])
	if found == nil || found[0] == nil {
		return false
	}
	_, alive := cookieAge(found[0], nowMs(h))
	return !alive
}

// signOutStarts turns a navigation's redirect that ends the session of a
// browser with a record into the chain's first 303, and reports whether
// it did. location is the redirect's Location lines: the chain ends where
// the browser would have gone.
func signOutStarts(h *handler, header http.Header, r *http.Request, location []string) bool {
	if len(location) != 1 {
		return false
	}
	https := isHTTPS(r)
	current, deleted := recordOf(h.signOut, r, https)
	if current == "" || !endsSession(h, header) {
		return false
	}
	list := peerList(h.codec, normalizeHost(r.Host), current)
	header["Set-Cookie"] = append(header["Set-Cookie"], deleted)
	if list == "" {
		h.logf("sign-out: the record of where the session went does not verify: signed out here only")
		return false
	}
	own := ownOrigin(r, https)
	final := chainEnd(r, location[0], own, h.tokenParam, https)
	next := nextHop(h, r, final, []string{own}, withoutOrigin(splitPeers(list), own), https)
	if next == "" {
		return false
	}
	delete(header, "Content-Length")
	header["Location"] = []string{next}
	noStore(header)
	h.logf("sign-out: the session ended here; signing out on %d more host(s)", len(splitPeers(list)))
	return true
}

// chainEnd is the absolute URL a sign-out chain ends at: the response's
// Location resolved against the request's URL and stripped of the token
// parameter, or this origin's root when it is not safe or short enough.
func chainEnd(r *http.Request, location, own, param string, https bool) string {
	root := own + "/"
	if len(location) > maxTargetURLBytes || strings.ContainsAny(location, unsafeURLChars) {
		return root
	}
	u, err := url.Parse(location)
	if err != nil {
		return root
	}
	base := &url.URL{Scheme: strings.TrimSuffix(requestScheme(https), "://"), Host: r.Host, Path: r.URL.Path}
	end := base.ResolveReference(u)
	if end.Scheme != "https" && end.Scheme != "http" || end.Host == "" {
		return root
	}
	// Resolving escapes what the Location held raw (a non-ASCII byte
	// becomes three): a long end would not fit the sign-out token.
	if s := end.String(); len(s) <= maxChainEndBytes {
		return withoutURLParam(s, param)
	}
	return root
}

// withoutOrigin is origins without own.
func withoutOrigin(origins []string, own string) []string {
	out := make([]string, 0, len(origins))
	for _, o := range origins {
		if o != own {
			out = append(out, o)
		}
	}
	return out
}

// nextHop is the URL of the chain's next hop, the first of todo that a
// token may go to, with a sign-out token sealed for it (ending at final);
// "" when there is none.
func nextHop(h *handler, r *http.Request, final string, done, todo []string, https bool) string {
	if len(todo) == 0 {
		return ""
	}
	if room := maxChainHosts - len(done); len(todo) > room {
		todo = todo[:room]
	}
	client := ""
	if h.bindClientIP {
		var ok bool
		if client, ok = clientAddr(h.clients, r); !ok {
			h.logf("sign-out: client address not found: the chain ends here")
			return ""
		}
	}
	for len(todo) > 0 {
		next := todo[0]
		todo = todo[1:]
		host := normalizeHost(strings.TrimPrefix(strings.TrimPrefix(next, "https://"), "http://"))
		if strings.HasPrefix(next, "http://") {
			if why := cleartextRefusal(h, host, schemeHTTP, https); why != "" {
				h.logf("sign-out: %s skipped: %s", next, why)
				continue
			}
		}
		plain := strconv.FormatInt(nowMs(h)*lifetimeScale+signOutTokenMs, 10) + "\n" + client + "\n" + final + "\n" +
			strings.Join(done, " ") + "\n" + strings.Join(todo, " ")
		token := sealAs(h.codec, signOutHop, host, plain)
		if token == "" {
			h.logf("sign-out: the chain does not fit a token: it ends here")
			return ""
		}
		return next + h.signOutPath + "?" + h.tokenParam + "=" + token
	}
	return ""
}
