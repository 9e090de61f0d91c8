package harness

import (
	"net/http"
	"regexp"
	"strings"
)

// RefusalText starts the words of a plugin refusal (dieOnHandshakeFailure),
// in its plain-text answer and on its page alike; the category follows.
const RefusalText = "session handoff refused: "

// refusalOnPage finds the category on a navigation's refusal page, where
// the words stand in a line of their own.
var refusalOnPage = regexp.MustCompile(`<small>` + RefusalText + `([a-z ]+)</small>`)

// RefusalReason returns the category of a plugin refusal, or "" when an
// answer is not one. A refusal is a 403, not cached, that is either plain
// text reading exactly RefusalText, the category and a newline (any
// request but a navigation), or a self-contained HTML page naming it once
// (a navigation: Content-Security-Policy default-src 'none').
func RefusalReason(status int, header http.Header, body string) string {
	if status != http.StatusForbidden || !strings.Contains(header.Get("Cache-Control"), "no-store") {
		return ""
	}
	switch ct := header.Get("Content-Type"); {
	case strings.HasPrefix(ct, "text/plain"):
		reason, ok := strings.CutPrefix(body, RefusalText)
		if !ok || !strings.HasSuffix(reason, "\n") || strings.Count(reason, "\n") != 1 {
			return ""
		}
		return strings.TrimSuffix(reason, "\n")
	case strings.HasPrefix(ct, "text/html"):
		m := refusalOnPage.FindAllStringSubmatch(body, -1)
		if len(m) != 1 || !strings.Contains(header.Get("Content-Security-Policy"), "default-src 'none'") {
			return ""
		}
		return m[0][1]
	}
	return ""
}

// HopRefusal is RefusalReason of a hop's answer.
func HopRefusal(h Hop) string {
	return RefusalReason(h.Status, h.Header, h.Body)
}
