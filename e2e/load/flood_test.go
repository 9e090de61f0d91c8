package load

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/session-injector/sessioninjector/e2e/harness"
)

// Shape of the replay-cache flood.
const (
	floodCap       = 20000 // the checkout's replayCacheSize
	floodWarmUp    = 50    // redemptions before the baseline RSS
	floodPastCap   = 2000  // refusals past the cap the flood waits for
	floodMaxTime   = 2 * time.Minute
	floodMinters   = 4    // goroutines minting tokens on the shop
	floodRedeemers = 8    // goroutines redeeming them on the checkout
	floodBacklog   = 4096 // minted tokens waiting for a redeemer
)

// Memory bound of the flood. A replay-cache entry is a map entry (the
// token id, a few dozen bytes at most, its 16-byte string header, an
// 8-byte expiry, about as much again in map overhead) plus an element of
// the insertion-order slice (24 bytes, whose capacity doubles): about 200
// bytes live. Go lets the heap grow to twice the live heap before
// collecting (GOGC=100) and the resident memory follows the heap's peak,
// so an entry may cost 400 bytes of RSS; the interpreter's reflection
// values are allowed as much again and more. The sessions carried are as
// large as a cookie-store session (floodSessionBytes), so an entry that
// kept the token's decrypted plaintext alive, the session with it, would
// cost several times the budget. floodSlack covers what does not scale
// with the entries: the flood's connections and goroutines, and the
// heap's own noise (a few MiB from run to run under the mixed load).
// Refusals past the cap store nothing: from the cap to the end, RSS may
// move by noise only.
const (
	floodBytesPerEntry = 1 << 10
	floodSessionBytes  = 3000
	floodSlack         = 16 << 20
	floodPastCapGrowth = 0.20
)

// floodConfig is a shop and a checkout whose tokens live 10 minutes, so
// that no entry of the checkout's replay cache (capped at cacheSize)
// expires during the flood.
func floodConfig(appURL string, cacheSize int) harness.Dynamic {
	d := loadConfig(appURL, map[string]any{"tokenLifetime": "10m"})
	d.Middlewares["checkout"] = harness.Injector(harness.SecretMain, []string{shopHost}, map[string]any{
		"tokenLifetime":   "10m",
		"replayCacheSize": cacheSize,
		"replayPerClient": 0, // the flood measures the cache's own cap
	})
	return d
}

// minted is a token URL and the clean URL it redeems to.
type minted struct {
	loc, clean string
}

// floodState is what the flood's goroutines share.
type floodState struct {
	attempts, successes, unavailable atomic.Int64
	capRSS                           atomic.Int64 // when the first "unavailable" arrived

	mu       sync.Mutex
	redeemed []string // some redeemed token URLs, for replay probes
}

// done reports whether the flood has run long enough: its duration is
// over and floodPastCap redemptions were refused past the cap.
func (f *floodState) done(ctx context.Context) bool {
	return ctx.Err() != nil && f.unavailable.Load() >= floodPastCap
}

// keep remembers a redeemed token URL for the probes.
func (f *floodState) keep(loc string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.redeemed) < ReplayRing {
		f.redeemed = append(f.redeemed, loc)
	}
}

// replayable returns a redeemed token URL, or "".
func (f *floodState) replayable(i int) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.redeemed) == 0 {
		return ""
	}
	return f.redeemed[i%len(f.redeemed)]
}

// TestLoadReplayCacheFlood redeems fresh tokens as fast as the machine
// allows for E2E_FLOOD_DURATION (30 s by default, and in any case until
// floodPastCap redemptions were refused past the cap) against a checkout
// whose replay cache holds floodCap entries, none of which expires
// meanwhile: exactly floodCap redemptions succeed, every later one is
// refused cleanly as "unavailable" (never a 5xx), replays are still
// refused as "already used" and damaged tokens as "invalid", and
// Traefik's resident memory grows no more than floodCap entries explain.
func TestLoadReplayCacheFlood(t *testing.T) {
	duration := Duration(t, "E2E_FLOOD_DURATION", 30*time.Second)
	tr := harness.Start(t, harness.Options{Dynamic: floodConfig(startApp(t), floodCap)})
	c := NewClient(tr, "", floodMinters+floodRedeemers+1)
	defer c.Close()
	tl := NewTally()
	w := NewWorker(0, c, tl)
	require.NoError(t, w.SignIn())
	w.Session = w.RandomToken(floodSessionBytes) // valid cookie octets; the shop hands over any
	for range floodWarmUp {
		opValid(w)
	}
	_, _, _, warmedUp := tl.Totals()
	require.Equal(t, floodWarmUp, warmedUp, "warm-up redemptions")
	baseRSS, err := tr.RSS()
	require.NoError(t, err)

	ctx, cancel := context.WithTimeout(context.Background(), duration)
	defer cancel()
	hardStop := time.Now().Add(floodMaxTime)
	f := &floodState{}
	stop := func() bool { return f.done(ctx) || time.Now().After(hardStop) }
	tokens := make(chan minted, floodBacklog)
	var wg sync.WaitGroup
	var seq atomic.Int64
	for range floodMinters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop() {
				clean := fmt.Sprintf("http://%s/_debug/request?flood=%d", checkoutHost, seq.Add(1))
				rep, ok := w.Send("mint", Request{URL: HandoffURL(shopHost, clean), Session: w.Session})
				if !ok {
					continue
				}
				loc, err := CheckMinted(rep, clean)
				tl.Check("mint", err)
				if err == nil {
					select {
					case tokens <- minted{loc: loc, clean: clean}:
					case <-time.After(100 * time.Millisecond):
					}
				}
			}
		}()
	}
	for range floodRedeemers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop() {
				var m minted
				select {
				case m = <-tokens:
				case <-time.After(100 * time.Millisecond):
					continue
				}
				f.attempts.Add(1)
				rep, ok := w.Send("redeem", Request{URL: m.loc})
				switch {
				case !ok:
				case CheckRedeemed(rep, w.Session, m.clean) == nil:
					f.successes.Add(1)
					tl.Redemption("redeem")
					f.keep(m.loc)
				case rep.Refusal() == "unavailable" && rep.SessionSet() == "":
					if f.unavailable.Add(1) == 1 {
						rss, err := tr.RSS()
						tl.Check("rss", err)
						f.capRSS.Store(rss)
					}
				default:
					tl.Check("redeem", fmt.Errorf("neither redeemed nor refused as unavailable: %v", rep))
				}
			}
		}()
	}
	wg.Add(1)
	go func() { // once the cache is full: replays and damaged tokens keep their own refusals
		defer wg.Done()
		for i := 0; !stop(); i++ {
			time.Sleep(50 * time.Millisecond)
			loc := f.replayable(i)
			if f.unavailable.Load() == 0 || loc == "" {
				continue
			}
			w.Refuse("probe-replay", loc, "already used")
			w.Refuse("probe-damaged", WithTokenValue(loc, flip(Token(loc))), "invalid")
		}
	}()
	wg.Wait()
	elapsed := time.Since(hardStop.Add(-floodMaxTime))
	endRSS, err := tr.RSS()
	require.NoError(t, err)

	tl.Log(t)
	t.Logf("%d redemptions attempted in %s: %d succeeded, %d refused as unavailable",
		f.attempts.Load(), elapsed.Round(time.Second), f.successes.Load(), f.unavailable.Load())
	capRSS := f.capRSS.Load()
	t.Logf("Traefik RSS: %.1f MiB before, %.1f MiB at the cap (%+.1f MiB, %.0f bytes per entry), %.1f MiB at the end",
		MiB(baseRSS), MiB(capRSS), MiB(capRSS-baseRSS), float64(capRSS-baseRSS)/floodCap, MiB(endRSS))

	requests, serverErrors, transportErrors, redeemed := tl.Totals()
	assert.Positive(t, requests)
	assert.Zero(t, serverErrors, "5xx answers")
	assert.Zero(t, transportErrors, "transport errors")
	violations, messages := tl.Violations()
	assert.Zero(t, violations, "violations; the first ones: %v", messages)
	require.GreaterOrEqual(t, f.unavailable.Load(), int64(floodPastCap),
		"the flood did not get %d redemptions past the cap within %s", floodPastCap, floodMaxTime)
	assert.Equal(t, floodCap, redeemed, "successful redemptions (the warm-up included): exactly the cap")
	assert.Positive(t, tl.Requests("probe-replay"), "no replay probe past the cap")
	assert.Positive(t, tl.Requests("probe-damaged"), "no damaged-token probe past the cap")
	AssertRefusalsLogged(t, tr, tl.Refused())
	assert.Empty(t, harness.ScanLog(tr.Log(), nil), "plugin errors or panics in Traefik's log")

	require.Positive(t, capRSS)
	assert.LessOrEqual(t, endRSS-baseRSS, int64(floodCap*floodBytesPerEntry+floodSlack),
		"Traefik's RSS grew by %.1f MiB for %d replay-cache entries", MiB(endRSS-baseRSS), floodCap)
	assert.LessOrEqual(t, float64(endRSS), float64(capRSS)*(1+floodPastCapGrowth),
		"Traefik's RSS grew past the cap, where nothing more is stored")
}
