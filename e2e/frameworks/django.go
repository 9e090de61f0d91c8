package frameworks

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/session-injector/sessioninjector/e2e/harness"
)

// DjangoSessionLifetime is Django's default SESSION_COOKIE_AGE (1209600 s),
// the Max-Age of its cookie sessionid.
const DjangoSessionLifetime = 14 * 24 * time.Hour

func init() {
	Register(App{
		Name:        "django",
		CookieNames: []string{"sessionid"},
		MaxAge:      DjangoSessionLifetime,
		Persistent:  true,
		CookieStore: false,
		Start:       StartDjango,
	})
}

// StartDjango runs the Django app of apps/django (database sessions on a
// SQLite file in a temporary folder, the stock User model, LoginView,
// login_required and CsrfViewMiddleware) on a free 127.0.0.1 port and
// returns its base URL. shopURL and checkoutURL are the public base URLs
// of the two hosts the one process serves; sign-in may redirect to
// checkoutURL. The app migrates its database and creates alice and mallory
// at start, which takes a few seconds. It needs Debian's python3-django
// ($PYTHON_BIN, else /usr/bin/python3); without it the test is skipped, or
// fails under CI.
func StartDjango(t testing.TB, shopURL, checkoutURL string) string {
	t.Helper()
	py := python(t, "Django", "python3-django", "django")
	return startApp(t, appProcess{
		name: "django app",
		dir:  "django",
		prog: py,
		args: []string{"app.py"},
		env:  []string{"SESSION_DB=" + filepath.Join(t.TempDir(), "db.sqlite3")},
	}, harness.FreeAddr(t, "127.0.0.1"), shopURL, checkoutURL)
}
