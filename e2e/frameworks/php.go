package frameworks

import (
	"testing"

	"github.com/session-injector/sessioninjector/e2e/harness"
)

func init() {
	Register(App{
		Name:        "php",
		CookieNames: []string{"PHPSESSID"},
		MaxAge:      0,
		Persistent:  false,
		CookieStore: false,
		Start:       StartPHP,
	})
}

// StartPHP runs the PHP app of apps/php (native sessions in files of a
// temporary folder, the browser-session cookie PHPSESSID, a CSRF token in
// the session) in PHP's built-in server on a free 127.0.0.1 port and
// returns its base URL. shopURL and checkoutURL are the public base URLs
// of the two hosts the one process serves; sign-in may redirect to
// checkoutURL. It needs Debian's php-cli ($PHP_BIN, else php in PATH);
// without it the test is skipped, or fails under CI.
func StartPHP(t testing.TB, shopURL, checkoutURL string) string {
	t.Helper()
	php := harness.Tool(t, "PHP_BIN", "php") // Debian's php-cli
	addr := harness.FreeAddr(t, "127.0.0.1")
	return startApp(t, appProcess{
		name: "php app",
		dir:  "php",
		prog: php,
		args: []string{"-S", addr, "router.php"},
		env:  []string{"SESSION_SAVE_PATH=" + t.TempDir()},
	}, addr, shopURL, checkoutURL)
}
