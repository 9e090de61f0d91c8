package frameworks

import (
	"testing"
	"time"

	"github.com/session-injector/sessioninjector/e2e/harness"
)

// FlaskRememberLifetime is Flask-Login's default REMEMBER_COOKIE_DURATION,
// the lifetime of the cookie remember_token; Flask's own cookie session is
// a browser-session cookie.
const FlaskRememberLifetime = 365 * 24 * time.Hour

func init() {
	Register(App{
		Name: "flask",
		// session is Flask's signed cookie session, remember_token
		// Flask-Login's remember-me cookie that signs the user back in
		// when session is gone.
		CookieNames: []string{"session", "remember_token"},
		MaxAge:      0,
		Persistent:  true,
		CookieStore: true,
		Start:       StartFlask,
	})
}

// StartFlask runs the Flask app of apps/flask (Flask's signed cookie
// session, Flask-Login with remember-me, Flask-WTF's CSRFProtect) on a
// free 127.0.0.1 port and returns its base URL. shopURL and checkoutURL
// are the public base URLs of the two hosts the one process serves;
// sign-in may redirect to checkoutURL. It needs Debian's python3-flask,
// python3-flask-login and python3-flaskext.wtf ($PYTHON_BIN, else
// /usr/bin/python3); without them the test is skipped, or fails under CI.
func StartFlask(t testing.TB, shopURL, checkoutURL string) string {
	t.Helper()
	py := python(t, "Flask", "python3-flask, python3-flask-login and python3-flaskext.wtf", "flask", "flask_login", "flask_wtf")
	return startApp(t, appProcess{
		name: "flask app",
		dir:  "flask",
		prog: py,
		args: []string{"app.py"},
	}, harness.FreeAddr(t, "127.0.0.1"), shopURL, checkoutURL)
}
