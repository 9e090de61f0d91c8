package interp

import (
	"context"
	"net/http"
	"sync"
	"testing"

	"github.com/session-injector/sessioninjector"
	"github.com/stretchr/testify/require"
)

// noopModule is a do-nothing plugin the benchmark writes next to the real
// one, to measure what the interpreter alone costs.
const noopModule = "github.com/session-injector/interpnoop"

var noopFiles = map[string]string{
	"go.mod": "module " + noopModule + "\n\ngo 1.22\n",
	ManifestFile: `displayName: No-op
type: middleware
import: ` + noopModule + `
summary: Calls the next handler and nothing else.
testData: {}
`,
	"noop.go": `// Package interpnoop calls the next handler and nothing else.
package interpnoop

import (
	"context"
	"net/http"
)

// Config is empty.
type Config struct{}

// CreateConfig returns the empty configuration.
func CreateConfig() *Config { return &Config{} }

type noop struct{ next http.Handler }

// New returns the pass-through handler.
func New(ctx context.Context, next http.Handler, config *Config, name string) (http.Handler, error) {
	return &noop{next: next}, nil
}

func (n *noop) ServeHTTP(rw http.ResponseWriter, req *http.Request) { n.next.ServeHTTP(rw, req) }
`,
}

var (
	noopOnce   sync.Once
	noopPlugin *Plugin
	noopErr    error
)

func interpretedNoop(tb testing.TB) *Plugin {
	tb.Helper()
	noopOnce.Do(func() {
		if noopErr = WriteFiles(goPath, noopModule, noopFiles); noopErr == nil {
			noopPlugin, noopErr = Load(goPath, noopModule)
		}
	})
	require.NoError(tb, noopErr)
	return noopPlugin
}

// benchWriter is a minimal ResponseWriter, reset between operations.
type benchWriter struct {
	header http.Header
	code   int
}

func (w *benchWriter) Header() http.Header         { return w.header }
func (w *benchWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *benchWriter) WriteHeader(code int)        { w.code = code }
func (w *benchWriter) reset()                      { w.header, w.code = http.Header{}, 0 }

var (
	okBackend = http.HandlerFunc(func(rw http.ResponseWriter, _ *http.Request) {
		rw.WriteHeader(http.StatusOK)
	})
	redirectBackend = http.HandlerFunc(func(rw http.ResponseWriter, _ *http.Request) {
		rw.Header()["Location"] = []string{"http://checkout.test/cart"}
		rw.WriteHeader(http.StatusFound)
	})
)

// benchSettings hands sessions to checkout.test with tokens that outlive the benchmark.
var benchSettings = settings{
	"secret": testSecret, "targetDomains": checkoutHost, "tokenLifetime": "10m", "replayCacheSize": "100000000",
	"replayPerClient": "0", "allowInsecureTargets": "true",
}

// middleware builds one instance, interpreted or compiled, from
// benchSettings with the given key/value pairs set.
type middleware func(tb testing.TB, next http.Handler, kv ...any) http.Handler

// interpretedBy builds instances of an interpreted plugin: the working
// tree's or, in TestBenchCompare, another revision's.
func interpretedBy(p *Plugin) middleware {
	return func(tb testing.TB, next http.Handler, kv ...any) http.Handler {
		h, err := p.Build(context.Background(), benchSettings.with(kv...), "bench", next)
		require.NoError(tb, err)
		return h
	}
}

func interpretedSI(tb testing.TB, next http.Handler, kv ...any) http.Handler {
	return interpretedBy(sessionInjector(tb))(tb, next, kv...)
}

func compiledSI(tb testing.TB, next http.Handler, kv ...any) http.Handler {
	cfg, err := decodeCompiled(benchSettings.with(kv...))
	require.NoError(tb, err)
	h, err := sessioninjector.New(context.Background(), next, cfg, "bench")
	require.NoError(tb, err)
	return h
}

// loop runs a measured path n times: b.N times in a benchmark, a few times
// in TestBenchmarkPaths.
type loop struct {
	testing.TB
	n int
	b *testing.B // nil outside benchmarks
}

func benchLoop(b *testing.B) loop { return loop{TB: b, n: b.N, b: b} }

// start begins the measurement, after the setup.
func (l loop) start() {
	if l.b != nil {
		l.b.ReportAllocs()
		l.b.ResetTimer()
	}
}

// runSame serves the same request n times, checks the last status and
// returns the last response's headers.
func runSame(l loop, h http.Handler, r *http.Request, want int) http.Header {
	w := &benchWriter{}
	l.start()
	for i := 0; i < l.n; i++ {
		w.reset()
		h.ServeHTTP(w, r)
	}
	if w.code != want {
		l.Fatalf("status %d, want %d", w.code, want)
	}
	return w.header
}

func navRequest(cookie bool) *http.Request {
	r := navigation(shopHost, "/page?x=1", clientAddr, "")
	if cookie {
		r.Header.Set("Cookie", cookieName+"=sess-bench-0b0b; theme=dark")
	}
	return r
}

// benchTokens seals n tokens for checkout.test with issuer, a sealing
// instance of the plugin that will redeem them (so that a revision with
// another token format redeems its own), and returns the requests that
// carry them.
func benchTokens(tb testing.TB, issuer http.Handler, n int) []*http.Request {
	tb.Helper()
	reqs := make([]*http.Request, n)
	r := navRequest(true)
	for i := range reqs {
		w := &benchWriter{header: http.Header{}}
		issuer.ServeHTTP(w, r)
		token := tokenIn(tb, w.header.Get("Location"))
		if token == "" {
			tb.Fatal("no token issued")
		}
		reqs[i] = arrival(token, clientAddr, "")
	}
	return reqs
}

// runRedeem redeems a fresh token n times, with cleanURL on (a 303): h
// redeems what issuer seals.
func runRedeem(l loop, h, issuer http.Handler) {
	reqs := benchTokens(l, issuer, l.n)
	w := &benchWriter{}
	l.start()
	for i := 0; i < l.n; i++ {
		w.reset()
		h.ServeHTTP(w, reqs[i])
		if w.code != http.StatusSeeOther {
			l.Fatalf("status %d", w.code)
		}
	}
}

// benchPaths are the measured paths of the plugin.
var benchPaths = []struct {
	name string
	run  func(l loop, mw middleware)
}{
	{"C1-no-cors-pass-through", func(l loop, mw middleware) {
		r := navRequest(true)
		r.Header.Set("Sec-Fetch-Mode", "no-cors")
		runSame(l, mw(l, okBackend), r, http.StatusOK)
	}},
	{"C2-navigation-200-wrapped", func(l loop, mw middleware) {
		runSame(l, mw(l, okBackend), navRequest(true), http.StatusOK)
	}},
	// A receive-only target's navigation: wrapped only to see a sign-out
	// (signOutEverywhere, on by default), passed through before it.
	{"C3-target-navigation-200", func(l loop, mw middleware) {
		runSame(l, mw(l, okBackend, "targetDomains", []any{}), navRequest(true), http.StatusOK)
	}},
	{"redirect-sealed", func(l loop, mw middleware) {
		header := runSame(l, mw(l, redirectBackend), navRequest(true), http.StatusFound)
		if tokenIn(l, header.Get("Location")) == "" {
			l.Fatalf("redirect not sealed: %q", header.Get("Location"))
		}
	}},
	{"token-redeemed", func(l loop, mw middleware) {
		runRedeem(l, mw(l, okBackend), mw(l, redirectBackend))
	}},
	// The same two with a session of two cookies (navRequest's theme as
	// the second): the cost of an extra cookie. A revision without
	// cookieNames drops the setting and carries one.
	{"redirect-sealed-2-cookies", func(l loop, mw middleware) {
		header := runSame(l, mw(l, redirectBackend, twoCookies...), navRequest(true), http.StatusFound)
		if tokenIn(l, header.Get("Location")) == "" {
			l.Fatalf("redirect not sealed: %q", header.Get("Location"))
		}
	}},
	{"token-redeemed-2-cookies", func(l loop, mw middleware) {
		runRedeem(l, mw(l, okBackend, twoCookies...), mw(l, redirectBackend, twoCookies...))
	}},
}

// twoCookies makes navRequest's two cookies the session.
var twoCookies = []any{"cookieNames", cookieName + ",theme"}

// BenchmarkInterp measures the interpreted plugin against an interpreted
// do-nothing plugin (the interpreter's own cost) and no middleware at all.
func BenchmarkInterp(b *testing.B) {
	b.Run("none", func(b *testing.B) {
		runSame(benchLoop(b), okBackend, navRequest(true), http.StatusOK)
	})
	b.Run("empty-plugin", emptyPlugin)
	for _, p := range benchPaths {
		b.Run(p.name, func(b *testing.B) { p.run(benchLoop(b), interpretedSI) })
	}
}

// BenchmarkCompiled measures the same paths with the plugin compiled, for comparison.
func BenchmarkCompiled(b *testing.B) {
	for _, p := range benchPaths {
		b.Run(p.name, func(b *testing.B) { p.run(benchLoop(b), compiledSI) })
	}
}

// TestBenchmarkPaths keeps the benchmarks honest under go test: the no-op
// plugin loads and passes through, and every measured path answers as the
// benchmark expects, interpreted and compiled.
func TestBenchmarkPaths(t *testing.T) {
	h, err := interpretedNoop(t).Build(context.Background(), nil, "noop", okBackend)
	require.NoError(t, err)
	runSame(loop{TB: t, n: 3}, h, navRequest(false), http.StatusOK)
	for _, p := range benchPaths {
		for name, mw := range map[string]middleware{"interpreted": interpretedSI, "compiled": compiledSI} {
			t.Run(p.name+"/"+name, func(t *testing.T) { p.run(loop{TB: t, n: 3}, mw) })
		}
	}
}
