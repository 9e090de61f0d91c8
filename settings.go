package sessioninjector

import (
	"fmt"
	"strings"
)

// effectiveSettings describes, for the debug line New writes, the settings
// an instance runs with after defaults and normalization, secrets
// redacted: Traefik drops misspelled keys silently, and this line shows
// what the middleware really got.
func effectiveSettings(h *handler, c *Config) string {
	handoff := h.handoffPath
	if handoff == noRoute {
		handoff = "off"
	}
	secret := "set"
	if strings.TrimSpace(c.Secret) == "" {
		secret = "random per process"
	}
	pullPath := h.pullPath
	if pullPath == noRoute {
		pullPath = "off"
	}
	signOut := h.signOutPath
	if signOut == noRoute {
		signOut = "off"
	}
	existing := existingReplace
	if h.keepExisting {
		existing = existingKeep
	}
	return fmt.Sprintf("cookieNames=%s onExistingSession=%s tokenParam=%s tokenLifetime=%dms dieOnHandshakeFailure=%t targetDomains=%s "+
		"allowInsecureTargets=%t propagateRedirects=%t handoffPath=%s pullPath=%s %s requireState=%t signOutEverywhere=%t signOutPath=%s cleanURL=%t singleUse=%t bindClientIP=%t "+
		"ipv4Prefix=%d ipv6Prefix=%d ipStrategy.depth=%d ipStrategy.excludedIPs=%d cookie=%q (over HTTPS %q) "+
		"replayCacheSize=%d replayPerClient=%d replayStore=%s secret=%s previousSecrets=%d",
		strings.Join(h.cookie.names, ","), existing, h.tokenParam, h.lifetimeMs, h.dieOnFailure, targetList(c.TargetDomains),
		h.allowInsecure, h.propagate, handoff, pullPath, pullSettings(h.pull), h.requireState, h.signOut != nil, signOut, h.cleanURL, h.singleUse, h.bindClientIP,
		h.clients.v4Bits, h.clients.v6Bits, h.clients.depth, len(h.clients.excluded), h.cookie.plainSuffix, h.cookie.secureSuffix,
		h.replayCap, h.replayPerClient, storeSettings(h), secret, previousCount(c.PreviousSecrets))
}

// previousCount is how many previousSecrets are set.
func previousCount(secrets []string) int {
	n := 0
	for _, s := range secrets {
		if strings.TrimSpace(s) != "" {
			n++
		}
	}
	return n
}

// targetList writes the targetDomains patterns as New reads them.
func targetList(patterns []string) string {
	var out []string
	for _, p := range patterns {
		if p = strings.ToLower(strings.TrimSpace(p)); p != "" {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		return "none (receive only)"
	}
	return strings.Join(out, ",")
}

// storeSettings describes the replay store, its password redacted.
func storeSettings(h *handler) string {
	if h.redis == nil {
		return storeMemory
	}
	o := h.redis.pool.opts
	password := "none"
	if o.password != "" {
		password = "set"
	}
	onError := "reject"
	if h.redis.allowOnError {
		onError = "allow"
	}
	return fmt.Sprintf("redis(address=%s username=%q password=%s db=%d tls=%t keyPrefix=%q timeout=%s poolSize=%d onError=%s)",
		o.address, o.username, password, o.db, o.useTLS, h.redis.prefix, o.timeout, o.poolSize, onError)
}

// pullSettings describes the target side of the pull.
func pullSettings(p *pullSpec) string {
	if p == nil {
		return "pull=off"
	}
	if len(p.pathList) == 0 {
		return fmt.Sprintf("pull.from=%s pull.paths=none (pulls after a marker only) pull.noSessionFor=%ds", p.from, p.noSessionFor)
	}
	return fmt.Sprintf("pull.from=%s pull.paths=%s pull.noSessionFor=%ds", p.from, strings.Join(p.pathList, ","), p.noSessionFor)
}
