package sessioninjector

import (
	"net/url"
	"regexp"
	"strings"
)

// Caps on what the middleware takes apart with its own loops, checked
// before any of them runs: under the interpreter an uncapped loop over
// client input is a CPU amplifier.
const (
	// maxTargetURLBytes bounds a URL a token is written into: a handoff's
	// `to` or a redirect's Location.
	maxTargetURLBytes = 8192
	// maxQueryBytes bounds a query that carries a token: a target URL and a token.
	maxQueryBytes = maxTargetURLBytes + maxTokenChars
	// maxQueryParts bounds the parameters of a query taken apart.
	maxQueryParts = 256
)

// tooLarge reports whether a URL or query is over limit bytes or holds
// maxQueryParts parameters or more (which a shorter string cannot).
func tooLarge(s string, limit int) bool {
	return len(s) > limit || len(s) >= maxQueryParts && strings.Count(s, "&") >= maxQueryParts
}

// paramKey returns a regular expression that finds name as the key of a
// query pair (after the start, '&' or ';'), literally or with any of its
// bytes percent-encoded in either case, which is how url.ParseQuery and
// backends decode it.
func paramKey(name string) *regexp.Regexp {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.WriteString("(?:^|[&;])")
	for i := 0; i < len(name); i++ {
		c := name[i]
		b.WriteString("(?:" + regexp.QuoteMeta(name[i:i+1]) + "|%" + hexDigit(hex[c>>4]) + hexDigit(hex[c&15]) + ")")
	}
	b.WriteString("(?:[=&;]|$)")
	return regexp.MustCompile(b.String())
}

// hexDigit matches an upper-case hexadecimal digit in either case.
func hexDigit(d byte) string {
	if d >= 'A' {
		return "[" + string(d) + string(d+'a'-'A') + "]"
	}
	return string(d)
}

// withParam sets name=value in a URL's query, replacing any existing
// occurrence, keeping the other parameters in order and the fragment last.
// value must need no escaping (tokens are base64url). The URL must not be
// tooLarge: mergeParam loops over its parameters.
func withParam(rawURL, name, value string) string {
	if strings.ContainsAny(rawURL, "#%") || strings.Contains(rawURL, name) {
		return mergeParam(rawURL, name, value)
	}
	sep := "&"
	if i := strings.IndexByte(rawURL, '?'); i < 0 {
		sep = "?"
	} else if i == len(rawURL)-1 {
		sep = ""
	}
	return rawURL + sep + name + "=" + value
}

// withoutURLParam drops every occurrence of name from a URL's query, so
// that no token the middleware did not mint is passed on. The URL must
// not be tooLarge.
func withoutURLParam(rawURL, name string) string {
	if !strings.Contains(rawURL, name) && strings.IndexByte(rawURL, '%') < 0 {
		return rawURL
	}
	return mergeParam(rawURL, name, "")
}

// mergeParam is withParam for a URL with a query, a fragment or a
// percent-encoding; with an empty value it only removes name.
func mergeParam(rawURL, name, value string) string {
	base, fragment := rawURL, ""
	if i := strings.IndexByte(rawURL, '#'); i >= 0 {
		base, fragment = rawURL[:i], rawURL[i:]
	}
	path, query, _ := strings.Cut(base, "?")
	query = withoutParam(query, name)
	if value != "" {
		if query != "" {
			query += "&"
		}
		query += name + "=" + value
	}
	if query == "" {
		return path + fragment
	}
	return path + "?" + query + fragment
}

// withoutParam drops every occurrence of name, literal or percent-encoded,
// from a raw query and keeps the rest byte for byte. The query must not be
// tooLarge: dropParam loops over its parameters.
func withoutParam(query, name string) string {
	if strings.Contains(query, name) || strings.IndexByte(query, '%') >= 0 {
		return dropParam(query, name)
	}
	return query
}

// dropParam is withoutParam's loop. A pair holding ';' is one that
// url.ParseQuery refuses but some backends split: it is dropped whole when
// it may hold name.
func dropParam(query, name string) string {
	parts := strings.Split(query, "&")
	kept := parts[:0]
	for _, p := range parts {
		if strings.IndexByte(p, ';') >= 0 && (strings.Contains(p, name) || strings.IndexByte(p, '%') >= 0) {
			continue
		}
		key, _, _ := strings.Cut(p, "=")
		if key == name {
			continue
		}
		if strings.ContainsAny(key, "%+") {
			if k, err := url.QueryUnescape(key); err == nil && k == name {
				continue
			}
		}
		kept = append(kept, p)
	}
	return strings.Join(kept, "&")
}
