package frameworks

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/session-injector/sessioninjector/e2e/harness"
)

// appProcess is how to run one app: the program and its arguments, run in
// apps/<dir>, with extra environment variables. startApp adds PORT,
// SHOP_URL, CHECKOUT_URL and a fresh SESSION_SECRET.
type appProcess struct {
	// name names the app in messages: "django", "express app (cookie-session)".
	name string
	// dir is the app's folder under apps/.
	dir  string
	prog string
	args []string
	env  []string
}

// startApp runs p on the free 127.0.0.1 address addr (the port is in its
// PORT, and in the arguments where the caller put it) and returns its base
// URL, "http://addr", once GET /healthz answers 200. The process is
// stopped at t's cleanup (harness.StartProcess); its output goes to the
// test log when t fails.
func startApp(t testing.TB, p appProcess, addr, shopURL, checkoutURL string) string {
	t.Helper()
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatalf("%s: address %q: %v", p.name, addr, err)
	}
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)

	cmd := exec.Command(p.prog, p.args...)
	cmd.Dir = appDir(t, p.dir)
	cmd.Env = append(os.Environ(),
		"SESSION_SECRET="+hex.EncodeToString(secret),
		"PORT="+port,
		"SHOP_URL="+shopURL,
		"CHECKOUT_URL="+checkoutURL,
	)
	cmd.Env = append(cmd.Env, p.env...)
	url := "http://" + addr
	client := &http.Client{Timeout: 2 * time.Second}
	harness.StartProcess(t, p.name+" on "+addr, cmd).WaitReady(t, func() error {
		resp, err := client.Get(url + "/healthz")
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("status %s", resp.Status)
		}
		return nil
	})
	return url
}

// appDir returns the absolute path of apps/<name>.
func appDir(t testing.TB, name string) string {
	t.Helper()
	root, err := harness.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(root, "e2e", "frameworks", "apps", name)
}

// appChecks holds the outcome of each once-per-process check by key.
var appChecks = struct {
	sync.Mutex
	done map[string]string
}{done: map[string]string{}}

// appCheck runs check once per test process for key (later calls get the
// first outcome) and, when it returns a reason, skips the test with it or
// fails it under CI.
func appCheck(t testing.TB, key string, check func() string) {
	t.Helper()
	appChecks.Lock()
	reason, ok := appChecks.done[key]
	if !ok {
		reason = check()
		appChecks.done[key] = reason
	}
	appChecks.Unlock()
	if reason != "" {
		harness.Missing(t, "%s", reason)
	}
}

// python returns Debian's Python 3 ($PYTHON_BIN, else /usr/bin/python3),
// after checking once that it imports modules, which Debian's packages
// (named in pkgs, for the message) provide.
func python(t testing.TB, app, pkgs string, modules ...string) string {
	t.Helper()
	need := "the " + app + " app needs Debian's Python 3 with " + pkgs
	py := harness.Tool(t, "PYTHON_BIN", "/usr/bin/python3")
	appCheck(t, py+" "+strings.Join(modules, ","), func() string {
		cmd := exec.Command(py, "-c", "import "+strings.Join(modules, ", "))
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Sprintf("%s: %s cannot import %s: %v\n%s", need, py, strings.Join(modules, ", "), err, out)
		}
		return ""
	})
	return py
}
