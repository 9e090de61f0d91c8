package e2e

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/session-injector/sessioninjector/e2e/harness"
)

// rotationLifetime is tokenLifetime in TestKeyRotationProcedure: step 3
// waits this long after step 2.
const rotationLifetime = 2 * time.Second

// Traffic in TestKeyRotationProcedure: tokens of the shop's secret, and
// tokens of a secret the checkouts never had.
const (
	kindValid   = "valid"
	kindForeign = "foreign"
)

// minPerDirection is how many valid redemptions each direction (A to B,
// B to A) needs in every phase before the procedure moves on.
const minPerDirection = 3

// rotationPhase is one state of the procedure: instance (0 = A, 1 = B)
// reloaded with secret and previous, or none (-1).
type rotationPhase struct {
	name     string
	instance int
	secret   string
	previous []string
	// keep: mint the old-secret token kept for the end, once this phase
	// has settled; ends2: step 2 is complete once this phase has settled.
	keep, ends2 bool
}

// trafficKey groups outcomes: the phase a token was minted in, its
// direction ("A→B") and its kind.
type trafficKey struct {
	phase int
	dir   string
	kind  string
}

// rotationTraffic counts outcomes of continuous mint-and-redeem traffic
// per phase; safe for concurrent use.
type rotationTraffic struct {
	mu     sync.Mutex
	phase  int
	counts map[trafficKey]map[string]int
}

// current returns the phase now in force.
func (rt *rotationTraffic) current() int {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	return rt.phase
}

// enter makes phase the current one.
func (rt *rotationTraffic) enter(phase int) {
	rt.mu.Lock()
	rt.phase = phase
	rt.mu.Unlock()
}

// record counts one outcome.
func (rt *rotationTraffic) record(k trafficKey, outcome string) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if rt.counts[k] == nil {
		rt.counts[k] = map[string]int{}
	}
	rt.counts[k][outcome]++
}

// outcomes returns a copy of the outcomes counted under k.
func (rt *rotationTraffic) outcomes(k trafficKey) map[string]int {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	out := map[string]int{}
	for o, n := range rt.counts[k] {
		out[o] = n
	}
	return out
}

// settled reports whether phase has seen enough traffic: minPerDirection
// valid arrivals and one foreign attempt in each direction.
func (rt *rotationTraffic) settled(phase int) bool {
	for _, dir := range rotationDirections {
		if rt.outcomes(trafficKey{phase, dir, kindValid})[outcomeArrived] < minPerDirection {
			return false
		}
		if len(rt.outcomes(trafficKey{phase, dir, kindForeign})) == 0 {
			return false
		}
	}
	return true
}

// rotationDirections names the two directions, indexed by the minting
// instance.
var rotationDirections = []string{"A→B", "B→A"}

// TestKeyRotationProcedure runs the documented rotation on two Traefik
// instances sharing Redis, one instance at a time, under continuous
// traffic (tokens minted on one instance's shop and redeemed on the other's
// checkout): (1) add the new secret to previousSecrets everywhere; (2)
// make it the secret, the old one in previousSecrets, everywhere; wait a
// token lifetime; (3) remove the old secret everywhere. No valid token is
// refused in any phase, a token of a secret never configured is refused in
// every phase, and after step 3 a token sealed with the old secret is
// refused as invalid.
func TestKeyRotationProcedure(t *testing.T) {
	const oldSecret, newSecret = secretMain, secretRotated
	redis := harness.StartRedis(t)
	app := harness.StartDemoApp(t, demoApp, "http://"+shopHost, "http://"+checkoutHost)
	config := func(secret string, previous ...string) harness.Dynamic {
		return rotationConfig(app, merged(redisStore(redis.Addr, nil), map[string]any{"tokenLifetime": rotationLifetime.String()}), secret, previous...)
	}
	trs := harness.StartN(t, 2, harness.Options{Dynamic: config(oldSecret)})
	clients := signedInClients(t, trs, "Rosa")
	harness.NewNavigator(t, clients[0]).SignIn(shopOther, "Rosa")
	redeemers := make([]*http.Client, len(trs))
	for i, tr := range trs {
		redeemers[i] = tr.Client("")
		redeemers[i].Jar = nil
	}

	phases := []rotationPhase{
		{name: "start: old secret everywhere", instance: -1},
		{name: "step 1 on A: new secret accepted", instance: 0, secret: oldSecret, previous: []string{newSecret}},
		{name: "step 1 on B", instance: 1, secret: oldSecret, previous: []string{newSecret}, keep: true},
		{name: "step 2 on A: new secret seals, old accepted", instance: 0, secret: newSecret, previous: []string{oldSecret}},
		{name: "step 2 on B", instance: 1, secret: newSecret, previous: []string{oldSecret}, ends2: true},
		{name: "a token lifetime after step 2", instance: -1},
		{name: "step 3 on A: old secret removed", instance: 0, secret: newSecret},
		{name: "step 3 on B", instance: 1, secret: newSecret},
	}
	traffic := &rotationTraffic{counts: map[trafficKey]map[string]int{}}

	// Continuous traffic: three workers with tokens of the shop, one with
	// tokens of shop-other, each minting on a random instance and
	// redeeming on the other.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	worker := func(kind, shop string) {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			from := rand.IntN(2)
			k := trafficKey{phase: traffic.current(), dir: rotationDirections[from], kind: kind}
			loc, err := mintToken(clients[from], shop, "http://"+checkoutHost+"/")
			if err != nil {
				traffic.record(k, "mint failed: "+err.Error())
				continue
			}
			h, err := harness.Navigate(redeemers[1-from], http.MethodGet, loc, nil, nil)
			if err != nil {
				traffic.record(k, "transport error: "+err.Error())
				continue
			}
			traffic.record(k, classifyRedemption(h))
		}
	}
	for range 3 {
		wg.Add(1)
		go worker(kindValid, shopHost)
	}
	wg.Add(1)
	go worker(kindForeign, shopOther)
	var stopOnce sync.Once
	stopTraffic := func() {
		stopOnce.Do(func() {
			close(stop)
			wg.Wait()
		})
	}
	t.Cleanup(stopTraffic)

	var kept string // sealed with the old secret before step 2
	var step2Done time.Time
	for i, p := range phases {
		traffic.enter(i)
		switch {
		case p.instance >= 0:
			trs[p.instance].Update(t, config(p.secret, p.previous...))
		case i > 0:
			// The procedure's wait: once it has passed, no token sealed
			// with the old secret can still be valid.
			time.Sleep(time.Until(step2Done.Add(rotationLifetime)))
		}
		deadline := time.Now().Add(10 * time.Second)
		for !traffic.settled(i) {
			require.True(t, time.Now().Before(deadline), "phase %q: too little traffic: %s", p.name, traffic.summary(i))
			time.Sleep(10 * time.Millisecond)
		}
		if p.keep {
			var err error
			kept, err = mintToken(clients[0], shopHost, "http://"+checkoutHost+"/")
			require.NoError(t, err)
		}
		if p.ends2 {
			step2Done = time.Now()
		}
	}
	stopTraffic()

	for i, p := range phases {
		t.Logf("%-45s %s", p.name, traffic.summary(i))
		for _, dir := range rotationDirections {
			valid := traffic.outcomes(trafficKey{i, dir, kindValid})
			assert.GreaterOrEqual(t, valid[outcomeArrived], minPerDirection, "%s, %s", p.name, dir)
			delete(valid, outcomeArrived)
			assert.Empty(t, valid, "%s, %s: valid tokens not arriving", p.name, dir)

			foreign := traffic.outcomes(trafficKey{i, dir, kindForeign})
			assert.NotZero(t, foreign[refusedPrefix+"invalid"], "%s, %s: foreign tokens tried", p.name, dir)
			delete(foreign, refusedPrefix+"invalid")
			assert.Empty(t, foreign, "%s, %s: foreign tokens not refused as invalid", p.name, dir)
		}
	}
	for i, tr := range trs {
		b := harness.NewNavigator(t, tr.Client(""))
		t.Run(fmt.Sprintf("old-secret token on instance %d", i), func(t *testing.T) {
			harness.AssertRefused(t, b.WithT(t), b.WithT(t).Get(kept), "invalid")
		})
	}
}

// summary renders a phase's outcomes, for logs and failure messages.
func (rt *rotationTraffic) summary(phase int) string {
	var parts []string
	for _, dir := range rotationDirections {
		for _, kind := range []string{kindValid, kindForeign} {
			outcomes := rt.outcomes(trafficKey{phase, dir, kind})
			keys := make([]string, 0, len(outcomes))
			for o := range outcomes {
				keys = append(keys, o)
			}
			sort.Strings(keys)
			var each []string
			for _, o := range keys {
				each = append(each, fmt.Sprintf("%s %d", o, outcomes[o]))
			}
			parts = append(parts, fmt.Sprintf("%s %s: {%s}", dir, kind, strings.Join(each, ", ")))
		}
	}
	return strings.Join(parts, "; ")
}
