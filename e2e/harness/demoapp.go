package harness

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// BuildDemoApp builds demo/app into dir and returns the binary's path.
func BuildDemoApp(dir string) (string, error) {
	root, err := RepoRoot()
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "demo-app")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Dir = filepath.Join(root, "demo", "app")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build demo/app: %v\n%s", err, out)
	}
	return bin, nil
}

// StartDemoApp runs the demo app binary on a free 127.0.0.1 port with the
// given public base URLs, waits until it answers, and stops it at cleanup.
// It returns the app's URL ("http://127.0.0.1:port") for a Traefik service.
func StartDemoApp(t testing.TB, bin, shopURL, checkoutURL string) string {
	t.Helper()
	addr := FreeAddr(t, "127.0.0.1")
	url := "http://" + addr
	cmd := exec.Command(bin, "-listen", addr, "-shop-url", shopURL, "-checkout-url", checkoutURL)
	StartProcess(t, "demo app on "+addr, cmd).WaitReady(t, func() error {
		req, _ := http.NewRequest(http.MethodGet, url+"/_debug/request", nil)
		req.Host = "shop.probe"
		resp, err := apiClient.Do(req)
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

// DemoRequest is what the demo app's /_debug/request reports: the request
// as the app received it, after Traefik and its middlewares.
type DemoRequest struct {
	Method     string `json:"method"`
	Host       string `json:"host"`
	RequestURI string `json:"requestURI"`
	RawQuery   string `json:"rawQuery"`
	Cookie     string `json:"cookie"`
}

// Sessions returns the value of every session cookie in the Cookie
// header, in order.
func (r DemoRequest) Sessions() []string {
	var out []string
	for _, part := range strings.Split(r.Cookie, ";") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(part), SessionCookie+"="); ok {
			out = append(out, v)
		}
	}
	return out
}

// RunWithDemoApp builds the demo app once into a temporary folder, stores
// its path in *app, runs the package's tests and removes the folder: the
// body of a TestMain. It returns the exit code.
func RunWithDemoApp(m *testing.M, app *string) int {
	dir, err := os.MkdirTemp("", "e2e-demo-app-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	if *app, err = BuildDemoApp(dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}
