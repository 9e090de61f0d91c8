package interp

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/session-injector/sessioninjector"
	"github.com/session-injector/sessioninjector/e2e/gopath"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestManifestTestData does what the plugin catalog's analyzer does with
// .traefik.yml: testData decoded with paerser like the file provider (every
// scalar a string), then, in a fresh interpreter with the standard library
// only and no network, CreateConfig, the mapstructure decoding and New,
// within its 10 s budget.
func TestManifestTestData(t *testing.T) {
	manifest, err := os.ReadFile(filepath.Join(repoRoot(t), ManifestFile))
	require.NoError(t, err)
	testData, err := ManifestTestData(string(manifest))
	require.NoError(t, err)
	require.NotEmpty(t, testData)
	assertStringScalars(t, testData, "testData")

	compiled, err := decodeCompiled(testData)
	require.NoError(t, err)
	_, err = sessioninjector.New(context.Background(), http.NotFoundHandler(), compiled, "catalog")
	require.NoError(t, err, "compiled")

	start := time.Now()
	fresh := t.TempDir()
	require.NoError(t, gopath.Install(repoRoot(t), fresh, pluginModule))
	p, err := Load(fresh, pluginModule)
	require.NoError(t, err)
	h, err := p.Build(context.Background(), testData, "catalog", http.NotFoundHandler())
	elapsed := time.Since(start)
	require.NoError(t, err, "interpreted")
	require.NotNil(t, h)
	t.Logf("fresh interpreter, testData decoded and New called in %s", elapsed)
	assert.Less(t, elapsed, 10*time.Second, "the catalog gives a plugin 10 s")

	interpreted, err := decodeInterpreted(t, testData)
	require.NoError(t, err)
	assert.Equal(t, compiled, interpreted)
}

// assertStringScalars checks that every leaf of raw settings is a string,
// as paerser's file decoder leaves them.
func assertStringScalars(t *testing.T, v any, path string) {
	t.Helper()
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			assertStringScalars(t, e, path+"."+k)
		}
	case []any:
		for i, e := range v {
			assertStringScalars(t, e, fmt.Sprintf("%s[%d]", path, i))
		}
	default:
		assert.IsType(t, "", v, path)
	}
}

// TestTypicalSettingsFromEverySource gives the same common settings
// through each provider and checks they decode to the same Config.
func TestTypicalSettingsFromEverySource(t *testing.T) {
	secret := "typical-secret-0123456789abcdef0123456789"
	want := *sessioninjector.CreateConfig()
	want.Secret = secret
	want.TargetDomains = []string{"a.example", "b.example"}
	want.Cookie.SameSite = "strict"
	want.Cookie.Secure = "true"
	want.TokenLifetime = "5s"
	want.DieOnHandshakeFailure = true
	want.IPStrategy.Depth = 1
	want.IPv4Prefix = 24

	yaml := `
http:
  middlewares:
    si:
      plugin:
        sessioninjector:
          secret: ` + secret + `
          targetDomains:
            - a.example
            - b.example
          cookie:
            sameSite: strict
            secure: true
          tokenLifetime: 5s
          dieOnHandshakeFailure: true
          ipStrategy:
            depth: 1
          ipv4Prefix: 24
`
	toml := `
[http.middlewares.si.plugin.sessioninjector]
secret = "` + secret + `"
targetDomains = ["a.example", "b.example"]
tokenLifetime = "5s"
dieOnHandshakeFailure = true
ipv4Prefix = 24
[http.middlewares.si.plugin.sessioninjector.cookie]
sameSite = "strict"
secure = true
[http.middlewares.si.plugin.sessioninjector.ipStrategy]
depth = 1
`
	crd := `{"apiVersion": "traefik.io/v1alpha1", "kind": "Middleware", "metadata": {"name": "si"},
  "spec": {"plugin": {"sessioninjector": {
    "secret": "` + secret + `", "targetDomains": ["a.example", "b.example"],
    "cookie": {"sameSite": "strict", "secure": true}, "tokenLifetime": 5,
    "dieOnHandshakeFailure": true, "ipStrategy": {"depth": 1}, "ipv4Prefix": 24}}}}`

	tests := []struct {
		name   string
		decode func() (string, map[string]any, error)
		adjust func(c *sessioninjector.Config)
	}{
		{"file YAML", func() (string, map[string]any, error) { return FromFile(yaml, ".yml", "si") }, nil},
		{"file TOML", func() (string, map[string]any, error) { return FromFile(toml, ".toml", "si") }, nil},
		{"Docker labels", func() (string, map[string]any, error) {
			return FromLabels(labels(
				"secret", secret, "targetDomains", "a.example,b.example", "cookie.sameSite", "strict", "cookie.secure", "true",
				"tokenLifetime", "5s", "dieOnHandshakeFailure", "true", "ipStrategy.depth", "1", "ipv4Prefix", "24",
			), "si")
		}, nil},
		{"Docker labels, indexed list", func() (string, map[string]any, error) {
			return FromLabels(labels(
				"secret", secret, "targetDomains[0]", "a.example", "targetDomains[1]", "b.example", "cookie.sameSite", "strict",
				"cookie.secure", "true", "tokenLifetime", "5s", "dieOnHandshakeFailure", "true", "ipStrategy.depth", "1", "ipv4Prefix", "24",
			), "si")
		}, nil},
		{"Kubernetes Middleware", func() (string, map[string]any, error) { return FromMiddlewareResource([]byte(crd), nil) },
			func(c *sessioninjector.Config) { c.TokenLifetime = "5"; c.Cookie.Secure = "1" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, raw, err := tt.decode()
			require.NoError(t, err)
			w := want
			if tt.adjust != nil {
				tt.adjust(&w)
			}
			compiled, err := decodeCompiled(raw)
			require.NoError(t, err)
			assert.Equal(t, w, *compiled)
			interpreted, err := decodeInterpreted(t, raw)
			require.NoError(t, err)
			assert.Equal(t, w, *interpreted)

			// Effective settings: Secure on plain HTTP and SameSite=Strict, whatever the type.
			token := issue(t, source.with("secret", secret), "203.0.113.7:1", "sess-typical-6e6e")
			r := arrival(token, "127.0.0.1:2", "")
			r.Header.Set("X-Forwarded-For", "203.0.113.9")
			rec := serve(t, build(t, settings(raw), &backend{}), r)
			require.Equal(t, http.StatusSeeOther, rec.Code, "depth 1 and a /24 match: %s", rec.Body.String())
			assert.Equal(t, []string{cookieName + "=sess-typical-6e6e; Path=/; HttpOnly; Secure; SameSite=Strict"}, rec.Header().Values("Set-Cookie"))
		})
	}
}

// TestTraefikDecodingQuirks pins down what Traefik's decoders do to values
// on their way to the plugin, and that the plugin copes (or fails loudly).
func TestTraefikDecodingQuirks(t *testing.T) {
	file := func(body string) func() (string, map[string]any, error) {
		return func() (string, map[string]any, error) {
			return FromFile("http:\n  middlewares:\n    si:\n      plugin:\n        sessioninjector:\n"+body, ".yml", "si")
		}
	}
	crd := func(spec string) func() (string, map[string]any, error) {
		return func() (string, map[string]any, error) {
			return FromMiddlewareResource([]byte(`{"apiVersion": "traefik.io/v1alpha1", "kind": "Middleware", "metadata": {"name": "si"},
				"spec": {"plugin": {"sessioninjector": `+spec+`}}}`), nil)
		}
	}
	base := "          secret: " + testSecret + "\n"
	baseJSON := `"secret": "` + testSecret + `"`
	tests := []struct {
		name      string
		decode    func() (string, map[string]any, error)
		check     func(t *testing.T, c *sessioninjector.Config)
		decodeErr string // mapstructure refuses
		newErr    string // New refuses
		line      string // in the effective settings New logs
	}{
		{
			name: "YAML float lifetime arrives as %f", decode: file(base + "          tokenLifetime: 1.5\n"),
			check: func(t *testing.T, c *sessioninjector.Config) { assert.Equal(t, "1.500000", c.TokenLifetime) },
		},
		{
			name: "YAML integer lifetime is seconds", decode: file(base + "          tokenLifetime: 5\n"),
			check: func(t *testing.T, c *sessioninjector.Config) { assert.Equal(t, "5", c.TokenLifetime) },
		},
		{
			name: "JSON float lifetime", decode: crd(`{` + baseJSON + `, "tokenLifetime": 1.5}`),
			check: func(t *testing.T, c *sessioninjector.Config) { assert.Equal(t, "1.5", c.TokenLifetime) },
		},
		{
			name: "JSON false for a string field becomes 0", decode: crd(`{` + baseJSON + `, "cookie": {"secure": false}}`),
			check: func(t *testing.T, c *sessioninjector.Config) { assert.Equal(t, "0", c.Cookie.Secure) },
		},
		{
			name: "JSON string for a bool field", decode: crd(`{` + baseJSON + `, "cleanURL": "false", "ipv4Prefix": "16"}`),
			check: func(t *testing.T, c *sessioninjector.Config) {
				assert.False(t, c.CleanURL)
				assert.Equal(t, 16, c.IPv4Prefix)
			},
		},
		{
			name: "JSON comma string for a list", decode: crd(`{` + baseJSON + `, "targetDomains": "a.example,b.example"}`),
			check: func(t *testing.T, c *sessioninjector.Config) {
				assert.Equal(t, []string{"a.example", "b.example"}, c.TargetDomains)
			},
		},
		{
			name: "comma list with spaces is not trimmed by Traefik", decode: file(base + "          targetDomains: \"a.example, b.example\"\n"),
			check: func(t *testing.T, c *sessioninjector.Config) {
				assert.Equal(t, []string{"a.example", " b.example"}, c.TargetDomains)
			},
		},
		{
			name: "empty YAML list", decode: file(base + "          previousSecrets: []\n"),
			check: func(t *testing.T, c *sessioninjector.Config) { assert.Empty(t, c.PreviousSecrets) },
		},
		{
			name: "keys match case-insensitively", decode: file(base + "          TOKENLIFETIME: 3s\n          CookieNAME: sid\n"),
			check: func(t *testing.T, c *sessioninjector.Config) {
				assert.Equal(t, "3s", c.TokenLifetime)
				assert.Equal(t, "sid", c.CookieName)
			},
		},
		{
			name: "unknown keys are dropped silently", decode: file(base + "          lifetime: 9s\n          cookies:\n            path: /x\n"),
			check: func(t *testing.T, c *sessioninjector.Config) {
				want := sessioninjector.CreateConfig()
				want.Secret = testSecret
				assert.Equal(t, want, c)
			},
		},
		{
			name: "an all-digit YAML secret is turned into a different number", decode: file("          secret: 123456789012345678901234567890123456789\n"),
			check: func(t *testing.T, c *sessioninjector.Config) {
				assert.NotEqual(t, "123456789012345678901234567890123456789", c.Secret, "quote secrets in YAML")
				t.Logf("secret decoded as %q", c.Secret)
			},
		},
		{name: "empty YAML map", decode: file(base + "          cookie: {}\n"), decodeErr: "'Cookie' expected a map, got 'string'"},
		// CreateConfig leaves cookieName and cookieNames empty and New
		// applies the default when both are: an empty value is the same as
		// the key left out.
		{
			name: "empty cookie name keeps the default", decode: file(base + "          cookieName: \"\"\n"),
			check: func(t *testing.T, c *sessioninjector.Config) { assert.Empty(t, c.CookieName) },
			line:  "cookieNames=_session_id onExistingSession=replace ",
		},
		{
			name: "empty cookieNames string is an empty list", decode: file(base + "          cookieNames: \"\"\n"),
			check: func(t *testing.T, c *sessioninjector.Config) { assert.Empty(t, c.CookieNames) },
			line:  "cookieNames=_session_id ",
		},
		{
			name: "empty cookieNames YAML list", decode: file(base + "          cookieName: sid\n          cookieNames: []\n"),
			check: func(t *testing.T, c *sessioninjector.Config) {
				assert.Equal(t, "sid", c.CookieName)
				assert.Empty(t, c.CookieNames)
			},
			line: "cookieNames=sid ",
		},
		{
			name: "cookieNames comma list with spaces, trimmed by the plugin", decode: file(base + "          cookieNames: \"session, session.sig\"\n"),
			check: func(t *testing.T, c *sessioninjector.Config) {
				assert.Equal(t, []string{"session", " session.sig"}, c.CookieNames)
			},
			line: "cookieNames=session,session.sig ",
		},
		{
			name: "JSON comma string for cookieNames", decode: crd(`{` + baseJSON + `, "cookieNames": "session,session.sig", "onExistingSession": "KEEP"}`),
			check: func(t *testing.T, c *sessioninjector.Config) {
				assert.Equal(t, []string{"session", "session.sig"}, c.CookieNames)
				assert.Equal(t, "KEEP", c.OnExistingSession)
			},
			line: "cookieNames=session,session.sig onExistingSession=keep ",
		},
		{
			name: "a YAML string for cookieNames is a one-name list", decode: file(base + "          cookieNames: session\n"),
			check: func(t *testing.T, c *sessioninjector.Config) { assert.Equal(t, []string{"session"}, c.CookieNames) },
			line:  "cookieNames=session ",
		},
		{name: "cookieName differing from cookieNames", decode: file(base + "          cookieName: sid\n          cookieNames: session,session.sig\n"), newErr: `cookieName: "sid" differs from cookieNames[0] "session"`},
		{name: "a trailing comma in cookieNames", decode: file(base + "          cookieNames: \"session,\"\n"), newErr: "cookieNames[1]"},
		{name: "empty onExistingSession is replace", decode: file(base + "          onExistingSession: \"\"\n"),
			check: func(t *testing.T, c *sessioninjector.Config) { assert.Empty(t, c.OnExistingSession) },
			line:  "onExistingSession=replace "},
		{name: "unknown onExistingSession", decode: file(base + "          onExistingSession: merge\n"), newErr: `onExistingSession: "merge" must be replace or keep`},
		{name: "duration for an int field", decode: file(base + "          redis:\n            poolSize: 2s\n"), decodeErr: "PoolSize"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, raw, err := tt.decode()
			require.NoError(t, err)
			compiled, cErr := decodeCompiled(raw)
			interpreted, iErr := decodeInterpreted(t, raw)
			if tt.decodeErr != "" {
				require.Error(t, cErr)
				assert.Contains(t, cErr.Error(), tt.decodeErr)
				require.Error(t, iErr)
				assert.Contains(t, iErr.Error(), tt.decodeErr)
				return
			}
			require.NoError(t, cErr)
			require.NoError(t, iErr)
			assert.Equal(t, compiled, interpreted, "compiled and interpreted decode alike")
			p := sessionInjector(t)
			before := len(p.Stdout.String())
			_, err = p.Build(context.Background(), raw, "si-quirk", http.NotFoundHandler())
			if tt.newErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.newErr)
				return
			}
			require.NoError(t, err)
			tt.check(t, compiled)
			if tt.line != "" {
				assert.Contains(t, p.Stdout.String()[before:], `"si-quirk": effective settings: `)
				assert.Contains(t, p.Stdout.String()[before:], tt.line)
			}
		})
	}
}

// TestIndexedLabelsSortAsStrings: Traefik sorts label keys as strings, so
// list[10] comes before list[1] ("]" sorts after "0"); harmless for the plugin's lists, which are
// sets (targets, secrets that all open, excluded ranges).
func TestIndexedLabelsSortAsStrings(t *testing.T) {
	kv := []string{"secret", testSecret}
	var want []string
	for i := 0; i < 12; i++ {
		host := fmt.Sprintf("h%d.example", i)
		kv = append(kv, fmt.Sprintf("targetDomains[%d]", i), host)
		want = append(want, host)
	}
	_, raw, err := FromLabels(labels(kv...), "si")
	require.NoError(t, err)
	c, err := decodeCompiled(raw)
	require.NoError(t, err)
	assert.Equal(t, []string{"h0.example", "h10.example", "h11.example", "h1.example"}, c.TargetDomains[:4])
	got := append([]string(nil), c.TargetDomains...)
	sort.Strings(got)
	sort.Strings(want)
	assert.Equal(t, want, got, "every entry arrives")
}
