package e2e

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/session-injector/sessioninjector/e2e/harness"
)

// Shape of the rotation under load.
const (
	rotationWorkers = 4  // goroutines minting on the shop and redeeming on the checkout
	rotationBatch   = 50 // tokens held back in each batch
	// rotationSpread is the pause between two redemptions of the batch
	// redeemed while the reload is applied, so that it straddles the reload.
	rotationSpread = 10 * time.Millisecond
)

// mintBatch mints n tokens on the shop with w.
func mintBatch(t *testing.T, w *loadWorker, n int) []minted {
	t.Helper()
	out := make([]minted, 0, n)
	for range n {
		clean := w.target()
		loc, ok := w.mint(clean)
		require.True(t, ok, "minting a held-back token failed")
		out = append(out, minted{loc: loc, clean: clean})
	}
	return out
}

// opUnknownKey mints a token on the shop whose secret the checkout never
// knew and redeems it: refused as invalid.
func opUnknownKey(w *loadWorker) {
	target := w.target()
	rep, ok := w.send("mint-unknown-key", loadRequest{url: handoffURL(shopOther, target), session: w.session})
	if !ok {
		return
	}
	loc, err := checkMinted(rep, target)
	w.tl.check("mint-unknown-key", err)
	if err == nil {
		w.refused("unknown-key", loc, "invalid")
	}
}

// TestLoadSecretRotation reloads the secret while tokens are minted on
// the shop and redeemed on the checkout (E2E_ROTATION_DURATION, 10 s by
// default, half before the reload and half after): the new secret comes
// in with the old one in previousSecrets. No token is wrongly refused,
// whether issued before the reload and redeemed during or after it, or
// issued and redeemed across it; tokens of an unknown key are refused
// throughout; nothing answers 5xx. A second reload, without the old
// secret and without load, shows the first one took effect: tokens
// issued after it still open, those issued before no longer do.
func TestLoadSecretRotation(t *testing.T) {
	duration := loadDuration(t, "E2E_ROTATION_DURATION", 10*time.Second)
	app := harness.StartDemoApp(t, demoApp, "http://"+shopHost, "http://"+checkoutHost)
	tr := harness.Start(t, harness.Options{Dynamic: rotationConfig(app, oneMinute, secretMain)})
	c := newLoadClient(tr, "", rotationWorkers+2)
	defer c.close()
	tl := newTally()

	holder := newLoadWorker(rotationWorkers+1, c, tl)
	require.NoError(t, holder.signIn())
	duringReload := mintBatch(t, holder, rotationBatch)
	afterReload := mintBatch(t, holder, rotationBatch)
	afterRemoval := mintBatch(t, holder, rotationBatch)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	for id := range rotationWorkers + 1 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := newLoadWorker(id, c, tl)
			if w.signIn() != nil {
				return
			}
			op := opValid
			if id == rotationWorkers {
				op = opUnknownKey
			}
			for ctx.Err() == nil {
				op(w)
			}
		}()
	}

	time.Sleep(duration / 2)
	before := tl.requests("redeem")
	redeeming := make(chan struct{})
	go func() { // issued before the reload, redeemed while it is applied
		defer close(redeeming)
		for _, m := range duringReload {
			holder.redeem("held-during-reload", m.loc, m.clean)
			time.Sleep(rotationSpread)
		}
	}()
	reloadStart := time.Now()
	tr.Update(t, rotationConfig(app, oneMinute, secretRotated, secretMain))
	reloadTook := time.Since(reloadStart)
	<-redeeming
	for _, m := range afterReload {
		holder.redeem("held-after-reload", m.loc, m.clean)
	}
	issuedAfter := mintBatch(t, holder, rotationBatch)
	time.Sleep(duration / 2)
	cancel()
	wg.Wait()

	tl.log(t)
	t.Logf("reload applied in %s; %d redemptions by the workers before it, %d in all",
		reloadTook.Round(time.Millisecond), before, tl.requests("redeem"))
	tl.assertClean(t)
	assert.Positive(t, before, "no redemption before the reload")
	assert.Greater(t, tl.requests("redeem"), before, "no redemption after the reload")
	assert.Positive(t, tl.requests("unknown-key"), "no token of an unknown key was tried")

	check := newTally()
	t.Run("the old secret removed", func(t *testing.T) {
		tr.Update(t, rotationConfig(app, oneMinute, secretRotated))
		w := newLoadWorker(rotationWorkers+2, c, check)
		w.session = holder.session
		for _, m := range afterRemoval {
			w.refused("held-since-before", m.loc, "invalid")
		}
		for _, m := range issuedAfter {
			w.redeem("issued-after-reload", m.loc, m.clean)
		}
		check.log(t)
		check.assertClean(t)
		assert.Equal(t, rotationBatch, check.requests("held-since-before"))
		assert.Equal(t, rotationBatch, check.requests("issued-after-reload"))
	})
	total := tl.refused()
	for reason, n := range check.refused() {
		total[reason] += n
	}
	assertRefusalsLogged(t, tr, total)
	assert.Empty(t, harness.ScanLog(tr.Log(), nil), "plugin errors or panics in Traefik's log")
}
