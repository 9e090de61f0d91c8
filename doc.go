// Package sessioninjector is a Traefik middleware plugin that carries a
// signed-in user's session cookies from one domain to another with a
// short-lived, encrypted, client-bound token in the URL, without
// third-party cookies and without widening cookie domains.
//
// Traefik runs it in its Yaegi interpreter, where every function call,
// expression and standard-library call costs far more than the bytes it
// moves. The request path therefore follows the cost rules written once in
// docs/performance.md: everything fixed is prepared in New, byte work is
// left to standard-library calls, helpers are plain functions (not
// methods) with their rare branches in functions of their own, and every
// loop over what a client sends is capped before it runs.
//
// Files by concern: plugin.go (New and ServeHTTP), handler.go (an
// instance and what its paths share), config.go and settings.go (the
// configuration and what New logs of it), receive.go and refusal.go (a
// token arriving), redirect.go and writer.go (redirects watched, tokened
// responses protected), handoff.go (the handoff endpoint), pull.go,
// pull_source.go and pull_finish.go (the pull: a target starting it, the
// source's endpoint and answer, the target checking that answer),
// session.go and session_claim.go (the session's cookies read, set and
// injected; written into a token and read back), query.go, host.go,
// cookie.go, clientip.go and token.go (the pieces), replay.go,
// replay_redis.go, redis.go and resp.go (single use, in memory or Redis).
package sessioninjector
