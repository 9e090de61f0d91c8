package interp

import (
	"context"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/session-injector/sessioninjector"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	fullSecret = "full-config-secret-0123456789abcdef0123"
	prevOne    = "previous-secret-one-0123456789abcdef012"
	prevTwo    = "previous-secret-two-0123456789abcdef012"
)

// fullConfig sets every key to something other than its default.
func fullConfig() sessioninjector.Config {
	return sessioninjector.Config{
		CookieName:            "sid",
		CookieNames:           []string{"sid", "sid.sig"},
		OnExistingSession:     "keep",
		Secret:                fullSecret,
		PreviousSecrets:       []string{prevOne, prevTwo},
		TokenParam:            "hs",
		TokenLifetime:         "7s",
		DieOnHandshakeFailure: true,
		TargetDomains:         []string{"a.example", "*.b.example"},
		AllowInsecureTargets:  true,
		PropagateRedirects:    false,
		HandoffPath:           "/handoff",
		PullPath:              "/pull",
		RequireState:          true,
		SignOutEverywhere:     false,
		SignOutPath:           "/signout",
		Pull:                  sessioninjector.PullConfig{From: "http://pull.example:8080", Paths: []string{"/account", "/orders/"}, NoSessionFor: "1h"},
		CleanURL:              false,
		SingleUse:             false,
		BindClientIP:          false,
		IPv4Prefix:            24,
		IPv6Prefix:            48,
		IPStrategy:            sessioninjector.IPStrategy{Depth: 2, ExcludedIPs: []string{"10.0.0.0/8", "192.168.0.1"}},
		Cookie: sessioninjector.CookieConfig{
			Path: "/app", Domain: "b.example", Secure: "true", HTTPOnly: false, SameSite: "strict", MaxAge: 3600,
		},
		ReplayCacheSize: 500,
		ReplayPerClient: 7,
		ReplayStore:     "redis",
		Redis: sessioninjector.RedisConfig{
			Address: "127.0.0.1:6390", Username: "si", Password: "redis-password", DB: 3, TLS: true,
			KeyPrefix: "si:", Timeout: "1s", PoolSize: 2, OnError: "allow",
		},
	}
}

const fullYAML = `
http:
  middlewares:
    si:
      plugin:
        sessioninjector:
          cookieName: sid
          cookieNames:
            - sid
            - sid.sig
          onExistingSession: keep
          secret: ` + fullSecret + `
          previousSecrets:
            - ` + prevOne + `
            - ` + prevTwo + `
          tokenParam: hs
          tokenLifetime: 7s
          dieOnHandshakeFailure: true
          targetDomains:
            - a.example
            - "*.b.example"
          propagateRedirects: false
          handoffPath: /handoff
          pullPath: /pull
          requireState: true
          signOutEverywhere: false
          signOutPath: /signout
          pull:
            from: http://pull.example:8080
            paths:
              - /account
              - /orders/
            noSessionFor: 1h
          cleanURL: false
          singleUse: false
          bindClientIP: false
          ipv4Prefix: 24
          ipv6Prefix: 48
          ipStrategy:
            depth: 2
            excludedIPs:
              - 10.0.0.0/8
              - 192.168.0.1
          cookie:
            path: /app
            domain: b.example
            secure: true
            httpOnly: false
            sameSite: strict
            maxAge: 3600
          replayCacheSize: 500
          replayPerClient: 7
          allowInsecureTargets: true
          replayStore: redis
          redis:
            address: 127.0.0.1:6390
            username: si
            password: redis-password
            db: 3
            tls: true
            keyPrefix: "si:"
            timeout: 1s
            poolSize: 2
            onError: allow
`

// fullYAMLStrings gives every value as a string and every list as a comma list.
const fullYAMLStrings = `
http:
  middlewares:
    si:
      plugin:
        sessioninjector:
          CookieName: "sid"
          cookieNames: "sid,sid.sig"
          onExistingSession: "keep"
          secret: "` + fullSecret + `"
          previousSecrets: "` + prevOne + `,` + prevTwo + `"
          tokenparam: "hs"
          tokenLifetime: "7s"
          dieOnHandshakeFailure: "true"
          targetDomains: "a.example,*.b.example"
          propagateRedirects: "false"
          handoffPath: "/handoff"
          pullPath: "/pull"
          requireState: "true"
          signOutEverywhere: "false"
          signOutPath: "/signout"
          pull:
            from: "http://pull.example:8080"
            paths: "/account,/orders/"
            noSessionFor: "1h"
          cleanURL: "false"
          singleUse: "false"
          bindClientIP: "false"
          ipv4Prefix: "24"
          ipv6Prefix: "48"
          ipStrategy:
            depth: "2"
            excludedIPs: "10.0.0.0/8,192.168.0.1"
          cookie:
            path: "/app"
            domain: "b.example"
            secure: "true"
            httpOnly: "false"
            sameSite: "strict"
            maxAge: "3600"
          replayCacheSize: "500"
          replayPerClient: "7"
          allowInsecureTargets: "true"
          replayStore: "redis"
          redis:
            address: "127.0.0.1:6390"
            username: "si"
            password: "redis-password"
            db: "3"
            tls: "true"
            keyPrefix: "si:"
            timeout: "1s"
            poolSize: "2"
            onError: "allow"
`

const fullTOML = `
[http.middlewares.si.plugin.sessioninjector]
cookieName = "sid"
cookieNames = ["sid", "sid.sig"]
onExistingSession = "keep"
secret = "` + fullSecret + `"
previousSecrets = ["` + prevOne + `", "` + prevTwo + `"]
tokenParam = "hs"
tokenLifetime = "7s"
dieOnHandshakeFailure = true
targetDomains = ["a.example", "*.b.example"]
propagateRedirects = false
handoffPath = "/handoff"
pullPath = "/pull"
requireState = true
signOutEverywhere = false
signOutPath = "/signout"
cleanURL = false
singleUse = false
bindClientIP = false
ipv4Prefix = 24
ipv6Prefix = 48
replayCacheSize = 500
replayPerClient = 7
allowInsecureTargets = true
replayStore = "redis"

[http.middlewares.si.plugin.sessioninjector.redis]
address = "127.0.0.1:6390"
username = "si"
password = "redis-password"
db = 3
tls = true
keyPrefix = "si:"
timeout = "1s"
poolSize = 2
onError = "allow"

[http.middlewares.si.plugin.sessioninjector.pull]
from = "http://pull.example:8080"
paths = ["/account", "/orders/"]
noSessionFor = "1h"

[http.middlewares.si.plugin.sessioninjector.ipStrategy]
depth = 2
excludedIPs = ["10.0.0.0/8", "192.168.0.1"]

[http.middlewares.si.plugin.sessioninjector.cookie]
path = "/app"
domain = "b.example"
secure = true
httpOnly = false
sameSite = "strict"
maxAge = 3600
`

// labels prefixes each key with the Docker label path of middleware si.
func labels(kv ...string) map[string]string {
	out := map[string]string{"traefik.enable": "true"}
	for i := 0; i+1 < len(kv); i += 2 {
		out["traefik.http.middlewares.si.plugin.sessioninjector."+kv[i]] = kv[i+1]
	}
	return out
}

var fullLabelsCommon = []string{
	"cookieName", "sid",
	"onExistingSession", "keep",
	"secret", fullSecret,
	"tokenParam", "hs",
	"tokenLifetime", "7s",
	"dieOnHandshakeFailure", "true",
	"propagateRedirects", "false",
	"handoffPath", "/handoff",
	"pullPath", "/pull",
	"requireState", "true",
	"signOutEverywhere", "false",
	"signOutPath", "/signout",
	"pull.from", "http://pull.example:8080",
	"pull.noSessionFor", "1h",
	"cleanURL", "false",
	"singleUse", "false",
	"bindClientIP", "false",
	"ipv4Prefix", "24",
	"ipv6Prefix", "48",
	"ipStrategy.depth", "2",
	"cookie.path", "/app",
	"cookie.domain", "b.example",
	"cookie.secure", "true",
	"cookie.httpOnly", "false",
	"cookie.sameSite", "strict",
	"cookie.maxAge", "3600",
	"replayCacheSize", "500",
	"replayPerClient", "7",
	"allowInsecureTargets", "true",
	"replayStore", "redis",
	"redis.address", "127.0.0.1:6390",
	"redis.username", "si",
	"redis.password", "redis-password",
	"redis.db", "3",
	"redis.tls", "true",
	"redis.keyPrefix", "si:",
	"redis.timeout", "1s",
	"redis.poolSize", "2",
	"redis.onError", "allow",
}

func fullLabelsCommaLists() map[string]string {
	return labels(append([]string{
		"cookieNames", "sid,sid.sig",
		"previousSecrets", prevOne + "," + prevTwo,
		"targetDomains", "a.example,*.b.example",
		"ipStrategy.excludedIPs", "10.0.0.0/8,192.168.0.1",
		"pull.paths", "/account,/orders/",
	}, fullLabelsCommon...)...)
}

func fullLabelsIndexedLists() map[string]string {
	return labels(append([]string{
		"cookieNames[0]", "sid",
		"cookieNames[1]", "sid.sig",
		"previousSecrets[0]", prevOne,
		"previousSecrets[1]", prevTwo,
		"targetDomains[0]", "a.example",
		"targetDomains[1]", "*.b.example",
		"ipStrategy.excludedIPs[0]", "10.0.0.0/8",
		"ipStrategy.excludedIPs[1]", "192.168.0.1",
		"pull.paths[0]", "/account",
		"pull.paths[1]", "/orders/",
	}, fullLabelsCommon...)...)
}

// fullCRD is a Kubernetes Middleware with JSON numbers and booleans, and
// the secret read from a Secret.
const fullCRD = `{
  "apiVersion": "traefik.io/v1alpha1",
  "kind": "Middleware",
  "metadata": {"name": "si", "namespace": "shop"},
  "spec": {"plugin": {"sessioninjector": {
    "cookieName": "sid",
    "cookieNames": ["sid", "sid.sig"],
    "onExistingSession": "keep",
    "secret": "urn:k8s:secret:session-injector:secret",
    "previousSecrets": ["` + prevOne + `", "` + prevTwo + `"],
    "tokenParam": "hs",
    "tokenLifetime": 7,
    "dieOnHandshakeFailure": true,
    "targetDomains": ["a.example", "*.b.example"],
    "propagateRedirects": false,
    "handoffPath": "/handoff",
    "pullPath": "/pull",
    "requireState": true,
    "signOutEverywhere": false,
    "signOutPath": "/signout",
    "pull": {"from": "http://pull.example:8080", "paths": ["/account", "/orders/"], "noSessionFor": 3600},
    "cleanURL": false,
    "singleUse": false,
    "bindClientIP": false,
    "ipv4Prefix": 24,
    "ipv6Prefix": 48,
    "ipStrategy": {"depth": 2, "excludedIPs": ["10.0.0.0/8", "192.168.0.1"]},
    "cookie": {"path": "/app", "domain": "b.example", "secure": true, "httpOnly": false, "sameSite": "strict", "maxAge": 3600},
    "replayCacheSize": 500,
    "replayPerClient": 7,
    "allowInsecureTargets": true,
    "replayStore": "redis",
    "redis": {"address": "127.0.0.1:6390", "username": "si", "password": "urn:k8s:secret:session-injector:redis-password",
      "db": 3, "tls": true, "keyPrefix": "si:", "timeout": "1s", "poolSize": 2, "onError": "allow"}
  }}}
}`

var k8sSecrets = map[string]map[string][]byte{
	"session-injector": {"secret": []byte(fullSecret), "redis-password": []byte("redis-password")},
}

// source of raw settings, decoded by Traefik's own decoder for that provider.
type configSource struct {
	name   string
	decode func() (string, map[string]any, error)
	// want is fullConfig with the differences this source's types make.
	want func(c *sessioninjector.Config)
}

func fullSources() []configSource {
	same := func(*sessioninjector.Config) {}
	return []configSource{
		{"file YAML", func() (string, map[string]any, error) { return FromFile(fullYAML, ".yml", "si") }, same},
		{"file YAML, strings and comma lists", func() (string, map[string]any, error) { return FromFile(fullYAMLStrings, ".yaml", "si") }, same},
		{"file TOML", func() (string, map[string]any, error) { return FromFile(fullTOML, ".toml", "si") }, same},
		{"Docker labels, comma lists", func() (string, map[string]any, error) { return FromLabels(fullLabelsCommaLists(), "si") }, same},
		{"Docker labels, indexed lists", func() (string, map[string]any, error) { return FromLabels(fullLabelsIndexedLists(), "si") }, same},
		{
			"Kubernetes Middleware", func() (string, map[string]any, error) { return FromMiddlewareResource([]byte(fullCRD), k8sSecrets) },
			// JSON 7 becomes "7" (seconds) and JSON true becomes "1" for string fields.
			func(c *sessioninjector.Config) {
				c.TokenLifetime = "7"
				c.Cookie.Secure = "1"
				c.Pull.NoSessionFor = "3600"
			},
		},
	}
}

// TestEveryKeyIsCovered: the full configuration changes every key from its
// default, and the YAML and label sources name every key, so a key added to
// Config without a decoding test fails here.
func TestEveryKeyIsCovered(t *testing.T) {
	keys := leafPaths(reflect.TypeOf(sessioninjector.Config{}), "")
	full := fullConfig()
	assert.Equal(t, keys, changedPaths(reflect.ValueOf(full), reflect.ValueOf(*sessioninjector.CreateConfig()), ""),
		"fullConfig must change every key from its default")
	for _, src := range fullSources() {
		t.Run(src.name, func(t *testing.T) {
			_, raw, err := src.decode()
			require.NoError(t, err)
			assert.Equal(t, keys, settingPaths(raw, ""))
		})
	}
}

// TestFullConfigurationDecoding: every source yields the same Config,
// compiled and interpreted, and New accepts it.
func TestFullConfigurationDecoding(t *testing.T) {
	for _, src := range fullSources() {
		t.Run(src.name, func(t *testing.T) {
			plugin, raw, err := src.decode()
			require.NoError(t, err)
			assert.Equal(t, "sessioninjector", plugin)
			want := fullConfig()
			src.want(&want)

			compiled, err := decodeCompiled(raw)
			require.NoError(t, err)
			assert.Equal(t, want, *compiled, "compiled")
			_, err = sessioninjector.New(context.Background(), http.NotFoundHandler(), compiled, "si")
			require.NoError(t, err)

			interpreted, err := decodeInterpreted(t, raw)
			require.NoError(t, err)
			assert.Equal(t, want, *interpreted, "interpreted")
			_, err = sessionInjector(t).Build(context.Background(), raw, "si", http.NotFoundHandler())
			require.NoError(t, err)
		})
	}
}

// TestFullConfigurationBehaviour: instances built from any two sources
// interoperate and behave the same: handoff on /handoff with parameter hs
// to a wildcard target carrying both cookies, the same Set-Cookie lines,
// redirects not sealed, tokens reusable, a host's own session kept
// (onExistingSession keep), bad tokens answered with the refusal page.
func TestFullConfigurationBehaviour(t *testing.T) {
	sources := fullSources()
	const session, sig, own = "sess-full-8d8d", "sig-full-9e9e", "sess-own-0f0f"
	markSensitive(session, sig, own)
	attrs := "; Max-Age=3600; Path=/app; Domain=b.example; Secure; SameSite=Strict"
	wantCookies := []string{"sid=" + session + attrs, "sid.sig=" + sig + attrs}
	for i, src := range sources {
		next := sources[(i+1)%len(sources)]
		t.Run(src.name+" to "+next.name, func(t *testing.T) {
			_, rawA, err := src.decode()
			require.NoError(t, err)
			_, rawB, err := next.decode()
			require.NoError(t, err)
			both := "sid=" + session + "; sid.sig=" + sig
			// requireState: the hand-off carries the marker, not a token,
			// and the target answers it with a pull from pull.from.
			a := build(t, settings(rawA), http.NotFoundHandler())
			b := build(t, settings(rawB), http.NotFoundHandler())
			rec := serve(t, a, navigation("a.example", "/handoff?to="+url.QueryEscape("http://x.b.example/p"), clientAddr, both))
			require.Equal(t, http.StatusSeeOther, rec.Code, rec.Body.String())
			assert.Equal(t, "http://x.b.example/p?hs=pull", rec.Header().Get("Location"), "requireState: a marker")
			rec = serve(t, b, navigation("x.b.example", "/p?hs=pull", clientAddr, ""))
			require.Equal(t, http.StatusSeeOther, rec.Code, rec.Body.String())
			assert.True(t, strings.HasPrefix(rec.Header().Get("Location"), "http://pull.example:8080/pull?"), rec.Header().Get("Location"))

			// The rest with requireState off, so that tokens travel.
			redirecting := &backend{respond: redirectTo("http://x.b.example/p")}
			a = build(t, settings(rawA).with("requireState", "false"), redirecting)
			recv := &backend{}
			b = build(t, settings(rawB).with("requireState", "false"), recv)

			rec = serve(t, a, navigation("a.example", "/", clientAddr, both))
			assert.Equal(t, "http://x.b.example/p", rec.Header().Get("Location"), "propagateRedirects off")

			rec = serve(t, a, navigation("a.example", "/handoff?to="+url.QueryEscape("http://x.b.example/p?q=1"), clientAddr, both))
			require.Equal(t, http.StatusSeeOther, rec.Code, rec.Body.String())
			loc := rec.Header().Get("Location")
			require.True(t, strings.HasPrefix(loc, "http://x.b.example/p?q=1&hs="), loc)
			token := strings.TrimPrefix(loc, "http://x.b.example/p?q=1&hs=")
			markSensitive(token)

			for n := 0; n < 2; n++ { // singleUse off; bindClientIP off
				rec = serve(t, b, navigation("x.b.example", "/p?q=1&hs="+token, otherAddr, ""))
				require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
				assert.Equal(t, wantCookies, rec.Header().Values("Set-Cookie"), "secure true, whatever the source's type")
				assert.Equal(t, map[string]string{"sid": session, "sid.sig": sig}, cookieValues(recv.last(t).cookies))
				assert.Equal(t, "q=1", recv.last(t).rawQuery, "cleanURL off: passed on without the token")
			}

			rec = serve(t, b, navigation("x.b.example", "/p?q=1&hs="+token, otherAddr, "sid="+own))
			require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
			assert.Empty(t, rec.Header().Values("Set-Cookie"), "onExistingSession keep")
			assert.Equal(t, []string{"sid=" + own}, recv.last(t).cookies)
			assert.Equal(t, "q=1", recv.last(t).rawQuery)

			calls := recv.calls()
			rec = serve(t, b, navigation("x.b.example", "/p?hs=garbage", clientAddr, ""))
			assertRefusalPage(t, rec, "invalid", "http://x.b.example/p")
			assert.Equal(t, calls, recv.calls(), "dieOnHandshakeFailure on")
		})
	}
}
