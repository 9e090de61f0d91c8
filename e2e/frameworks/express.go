package frameworks

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/session-injector/sessioninjector/e2e/harness"
)

// The session stores of the Express app (apps/express), the values of its
// SESSION_STORE.
const (
	// ExpressSession is express-session with its MemoryStore: the session
	// lives in the app process, the browser holds only its signed id in the
	// cookie connect.sid.
	ExpressSession = "express-session"
	// ExpressCookieSession is cookie-session: the whole session is in the
	// cookie session, signed by the cookie session.sig; without the
	// signature the session is ignored.
	ExpressCookieSession = "cookie-session"
)

// ExpressStores are the session stores StartExpress accepts.
var ExpressStores = []string{ExpressSession, ExpressCookieSession}

// ExpressCookies returns the names of the cookies that hold a session of
// store, all of which must travel together for the session to be seen.
func ExpressCookies(store string) []string {
	switch store {
	case ExpressSession:
		return []string{"connect.sid"}
	case ExpressCookieSession:
		return []string{"session", "session.sig"}
	}
	return nil
}

// ExpressSessionLifetime is the maxAge both stores give their cookies,
// which makes them persistent (Expires set) rather than browser-session
// cookies.
const ExpressSessionLifetime = 14 * 24 * time.Hour

func init() {
	for _, store := range ExpressStores {
		Register(App{
			Name:        store,
			CookieNames: ExpressCookies(store),
			MaxAge:      ExpressSessionLifetime,
			Persistent:  true,
			CookieStore: store == ExpressCookieSession,
			Start: func(t testing.TB, shopURL, checkoutURL string) string {
				t.Helper()
				return StartExpress(t, store, shopURL, checkoutURL)
			},
		})
	}
}

// expressMinNode is the oldest Node.js major version the app's
// dependencies support (Express 5 needs 18).
const expressMinNode = 18

// StartExpress runs the Express app of apps/express with the session store
// store (ExpressSession or ExpressCookieSession) on a free 127.0.0.1 port,
// and returns its base URL, "http://127.0.0.1:port". shopURL and
// checkoutURL are the public base URLs of the two hosts the one process
// serves (e.g. "http://shop.test", "http://checkout.test"): sign-in
// redirects may go to checkoutURL, and /to-checkout redirects there.
//
// The first call of a test process installs the app's locked dependencies
// with npm ci when node_modules is missing or older than package-lock.json.
// Each app gets a fresh random signing secret. The app is stopped (SIGTERM,
// then SIGKILL) at cleanup; its output goes to the test log when the test
// fails. Without node or npm (or $NODE_BIN, $NPM_BIN) the test is skipped,
// or fails under CI.
func StartExpress(t testing.TB, store, shopURL, checkoutURL string) string {
	t.Helper()
	if ExpressCookies(store) == nil {
		t.Fatalf("StartExpress: store %q: want one of %v", store, ExpressStores)
	}
	node := harness.Tool(t, "NODE_BIN", "node")
	npm := harness.Tool(t, "NPM_BIN", "npm")
	expressInstall(t, node, npm, appDir(t, "express"))
	return startApp(t, appProcess{
		name: "express app (" + store + ")",
		dir:  "express",
		prog: node,
		args: []string{"server.js"},
		env:  []string{"SESSION_STORE=" + store},
	}, harness.FreeAddr(t, "127.0.0.1"), shopURL, checkoutURL)
}

// expressDeps is the outcome of the one dependency check of the process.
var expressDeps struct {
	sync.Once
	err  error
	skip string
}

// expressInstall makes sure, once per test process, that node is recent
// enough and that apps/express/node_modules matches package-lock.json,
// running npm ci when it is missing or older than the lock file. A lock
// on package-lock.json keeps two test processes from installing at once.
func expressInstall(t testing.TB, node, npm, dir string) {
	t.Helper()
	expressDeps.Do(func() {
		out, err := exec.Command(node, "--version").Output()
		if err != nil {
			expressDeps.err = fmt.Errorf("%s --version: %v", node, err)
			return
		}
		v := strings.TrimSpace(string(out))
		major, _ := strconv.Atoi(strings.SplitN(strings.TrimPrefix(v, "v"), ".", 2)[0])
		if major < expressMinNode {
			expressDeps.skip = fmt.Sprintf("the Express apps need Node.js %d or newer; %s is %s", expressMinNode, node, v)
			return
		}
		expressDeps.err = expressNpmCI(npm, dir)
	})
	if expressDeps.skip != "" {
		harness.Missing(t, "%s", expressDeps.skip)
	}
	if expressDeps.err != nil {
		t.Fatalf("express app dependencies: %v", expressDeps.err)
	}
}

// expressNpmCI runs npm ci in dir unless node_modules is newer than
// package-lock.json. npm ci leaves node_modules/.package-lock.json, whose
// modification time tells when the tree was installed.
func expressNpmCI(npm, dir string) error {
	lockPath := filepath.Join(dir, "package-lock.json")
	lock, err := os.Open(lockPath)
	if err != nil {
		return err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return fmt.Errorf("lock %s: %v", lockPath, err)
	}
	defer func() { _ = syscall.Flock(int(lock.Fd()), syscall.LOCK_UN) }()

	want, err := lock.Stat()
	if err != nil {
		return err
	}
	have, err := os.Stat(filepath.Join(dir, "node_modules", ".package-lock.json"))
	switch {
	case err == nil && !have.ModTime().Before(want.ModTime()):
		return nil
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return err
	}
	cmd := exec.Command(npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("npm ci in %s: %v\n%s", dir, err, out)
	}
	return nil
}
