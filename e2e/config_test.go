package e2e

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/session-injector/sessioninjector/e2e/harness"
)

// TestInvalidConfigurationDisablesOnlyItsRouter checks that Traefik refuses
// a bad middleware configuration when it loads it, with an error naming the
// setting, and that other routers keep serving.
func TestInvalidConfigurationDisablesOnlyItsRouter(t *testing.T) {
	app := harness.StartDemoApp(t, demoApp, "http://"+shopHost, "http://"+checkoutHost)
	bad := []struct {
		name    string
		setting map[string]any
		want    string
	}{
		{"short-secret", map[string]any{"secret": "too-short"}, "secret"},
		{"bad-lifetime", map[string]any{"tokenLifetime": "soon"}, "tokenLifetime"},
		{"bad-target", map[string]any{"targetDomains": []string{"http://checkout.test/path"}}, "targetDomains"},
		{"bad-samesite", map[string]any{"cookie": map[string]any{"sameSite": "sometimes"}}, "sameSite"},
	}
	d := harness.Dynamic{Services: map[string]harness.Service{harness.AppService: {URL: app}}}
	d.Site("good", injector(secretMain, nil, nil), checkoutHost)
	var allow []string
	for _, b := range bad {
		d.Site(b.name, injector(secretMain, []string{shopHost}, b.setting), "checkout-"+b.name+".test")
		allow = append(allow, b.name+"@file")
	}
	tr := harness.Start(t, harness.Options{Dynamic: d, AllowBrokenRouters: true, AllowLog: allow})
	rd, err := tr.RawData()
	require.NoError(t, err)

	e := &env{t: t, tr: tr}
	assert.Equal(t, "enabled", rd.Routers["good@file"].Status)
	assert.Equal(t, http.StatusOK, e.newBrowser("").Get("http://"+checkoutHost+"/").Status)
	for _, b := range bad {
		t.Run(b.name, func(t *testing.T) {
			mw := rd.Middlewares[b.name+"@file"]
			assert.NotEqual(t, "enabled", rd.Routers[b.name+"@file"].Status)
			assert.True(t, strings.Contains(strings.Join(mw.Error, " "), b.want), "middleware errors %q should name %s", mw.Error, b.want)
			h := e.newBrowser("").WithT(t).Get("http://checkout-" + b.name + ".test/")
			assert.NotEqual(t, http.StatusOK, h.Status, "a broken router must not serve the app")
		})
	}
}
