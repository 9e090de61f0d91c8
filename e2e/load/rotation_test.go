package load

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

// rotationConfig is a shop and a checkout sealing and opening with secret,
// the checkout also opening with previous, and a shop-other sealing with a
// key no checkout ever knows; tokens live a minute, longer than any reload.
func rotationConfig(appURL, secret string, previous ...string) harness.Dynamic {
	return harness.ShopCheckout(harness.ShopCheckoutOptions{
		App: appURL, Secret: secret, PreviousSecrets: previous,
		Settings: map[string]any{"tokenLifetime": "1m", "replayPerClient": 0}, ShopOther: true,
	})
}

// mintBatch mints n tokens on the shop with w.
func mintBatch(t *testing.T, w *Worker, n int) []minted {
	t.Helper()
	out := make([]minted, 0, n)
	for range n {
		clean := w.Target()
		loc, ok := w.Mint(clean)
		require.True(t, ok, "minting a held-back token failed")
		out = append(out, minted{loc: loc, clean: clean})
	}
	return out
}

// opUnknownKey mints a token on the shop whose secret the checkout never
// knew and redeems it: refused as invalid.
func opUnknownKey(w *Worker) {
	target := w.Target()
	rep, ok := w.Send("mint-unknown-key", Request{URL: HandoffURL(shopOther, target), Session: w.Session})
	if !ok {
		return
	}
	loc, err := CheckMinted(rep, target)
	w.tl.Check("mint-unknown-key", err)
	if err == nil {
		w.Refuse("unknown-key", loc, "invalid")
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
	duration := Duration(t, "E2E_ROTATION_DURATION", 10*time.Second)
	app := startApp(t)
	tr := harness.Start(t, harness.Options{Dynamic: rotationConfig(app, harness.SecretMain)})
	c := NewClient(tr, "", rotationWorkers+2)
	defer c.Close()
	tl := NewTally()

	holder := NewWorker(rotationWorkers+1, c, tl)
	require.NoError(t, holder.SignIn())
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
			w := NewWorker(id, c, tl)
			if w.SignIn() != nil {
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
	before := tl.Requests("redeem")
	redeeming := make(chan struct{})
	go func() { // issued before the reload, redeemed while it is applied
		defer close(redeeming)
		for _, m := range duringReload {
			holder.Redeem("held-during-reload", m.loc, m.clean)
			time.Sleep(rotationSpread)
		}
	}()
	reloadStart := time.Now()
	tr.Update(t, rotationConfig(app, harness.SecretRotated, harness.SecretMain))
	reloadTook := time.Since(reloadStart)
	<-redeeming
	for _, m := range afterReload {
		holder.Redeem("held-after-reload", m.loc, m.clean)
	}
	issuedAfter := mintBatch(t, holder, rotationBatch)
	time.Sleep(duration / 2)
	cancel()
	wg.Wait()

	tl.Log(t)
	t.Logf("reload applied in %s; %d redemptions by the workers before it, %d in all",
		reloadTook.Round(time.Millisecond), before, tl.Requests("redeem"))
	tl.AssertClean(t)
	assert.Positive(t, before, "no redemption before the reload")
	assert.Greater(t, tl.Requests("redeem"), before, "no redemption after the reload")
	assert.Positive(t, tl.Requests("unknown-key"), "no token of an unknown key was tried")

	check := NewTally()
	t.Run("the old secret removed", func(t *testing.T) {
		tr.Update(t, rotationConfig(app, harness.SecretRotated))
		w := NewWorker(rotationWorkers+2, c, check)
		w.Session = holder.Session
		for _, m := range afterRemoval {
			w.Refuse("held-since-before", m.loc, "invalid")
		}
		for _, m := range issuedAfter {
			w.Redeem("issued-after-reload", m.loc, m.clean)
		}
		check.Log(t)
		check.AssertClean(t)
		assert.Equal(t, rotationBatch, check.Requests("held-since-before"))
		assert.Equal(t, rotationBatch, check.Requests("issued-after-reload"))
	})
	total := tl.Refused()
	for reason, n := range check.Refused() {
		total[reason] += n
	}
	AssertRefusalsLogged(t, tr, total)
	assert.Empty(t, harness.ScanLog(tr.Log(), nil), "plugin errors or panics in Traefik's log")
}
