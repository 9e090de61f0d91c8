package e2e

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/session-injector/sessioninjector/e2e/harness"
)

// cdpTimeout bounds one DevTools protocol call.
const cdpTimeout = 15 * time.Second

// cdpBrowser is a headless Chromium driven over the Chrome DevTools
// Protocol on a pipe (--remote-debugging-pipe: the browser reads commands
// on fd 3 and writes replies and events on fd 4, each a JSON message ended
// by a NUL byte), without a driver library.
type cdpBrowser struct {
	t      *testing.T
	cmd    *exec.Cmd
	exited chan struct{}
	stderr *limitedBuffer

	writeMu sync.Mutex
	w       io.WriteCloser

	mu      sync.Mutex
	nextID  int64
	pending map[int64]chan cdpMessage
	readErr error
	done    chan struct{} // closed when the reader stops
}

// cdpMessage is a command, a reply or an event.
type cdpMessage struct {
	ID        int64           `json:"id,omitempty"`
	SessionID string          `json:"sessionId,omitempty"`
	Method    string          `json:"method,omitempty"`
	Params    any             `json:"params,omitempty"`
	Result    json.RawMessage `json:"result,omitempty"`
	Error     *cdpError       `json:"error,omitempty"`
}

// cdpError is a command's error reply.
type cdpError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Data    string `json:"data,omitempty"`
}

func (e *cdpError) Error() string {
	return fmt.Sprintf("CDP error %d: %s %s", e.Code, e.Message, e.Data)
}

// startCDP starts a headless Chromium with extra flags (see chromiumFlags)
// and stops it at cleanup.
func startCDP(t *testing.T, flags []string) *cdpBrowser {
	t.Helper()
	bin := harness.Chromium(t)
	toBrowser, ourWriter, err := os.Pipe()
	require.NoError(t, err)
	ourReader, fromBrowser, err := os.Pipe()
	require.NoError(t, err)

	b := &cdpBrowser{
		t:       t,
		exited:  make(chan struct{}),
		stderr:  &limitedBuffer{},
		w:       ourWriter,
		pending: map[int64]chan cdpMessage{},
		done:    make(chan struct{}),
	}
	b.cmd = exec.Command(bin, append(flags, "--remote-debugging-pipe", "about:blank")...)
	b.cmd.ExtraFiles = []*os.File{toBrowser, fromBrowser} // fd 3 and fd 4
	b.cmd.Stderr = b.stderr
	// Its own process group, so that cleanup can end the renderer and
	// helper processes it starts along with it.
	b.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := b.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	toBrowser.Close()
	fromBrowser.Close()
	go func() {
		_ = b.cmd.Wait()
		close(b.exited)
	}()
	go b.read(ourReader)
	t.Cleanup(b.close)
	return b
}

// read dispatches the browser's replies to their callers; events are
// dropped (the tests poll the page instead).
func (b *cdpBrowser) read(r io.ReadCloser) {
	defer r.Close()
	br := bufio.NewReader(r)
	var err error
	for {
		var frame []byte
		frame, err = br.ReadBytes(0)
		if err != nil {
			break
		}
		var msg cdpMessage
		if err = json.Unmarshal(frame[:len(frame)-1], &msg); err != nil {
			break
		}
		if msg.ID == 0 {
			continue
		}
		b.mu.Lock()
		ch := b.pending[msg.ID]
		delete(b.pending, msg.ID)
		b.mu.Unlock()
		if ch != nil {
			ch <- msg
		}
	}
	b.mu.Lock()
	b.readErr = err
	b.mu.Unlock()
	close(b.done)
}

// call sends method with params in session ("" for the browser itself) and
// decodes the reply's result into result (when not nil).
func (b *cdpBrowser) call(session, method string, params, result any) error {
	b.mu.Lock()
	b.nextID++
	id := b.nextID
	ch := make(chan cdpMessage, 1)
	b.pending[id] = ch
	b.mu.Unlock()
	defer func() {
		b.mu.Lock()
		delete(b.pending, id)
		b.mu.Unlock()
	}()

	if params == nil {
		params = struct{}{}
	}
	data, err := json.Marshal(cdpMessage{ID: id, SessionID: session, Method: method, Params: params})
	if err != nil {
		return err
	}
	b.writeMu.Lock()
	_, err = b.w.Write(append(data, 0))
	b.writeMu.Unlock()
	if err != nil {
		return fmt.Errorf("%s: write to the browser: %w", method, err)
	}

	select {
	case msg := <-ch:
		if msg.Error != nil {
			return fmt.Errorf("%s: %w", method, msg.Error)
		}
		if result == nil {
			return nil
		}
		if err := json.Unmarshal(msg.Result, result); err != nil {
			return fmt.Errorf("%s: decode result: %w", method, err)
		}
		return nil
	case <-b.done:
		b.mu.Lock()
		defer b.mu.Unlock()
		return fmt.Errorf("%s: the browser closed the pipe (%v); stderr:\n%s", method, b.readErr, b.stderr)
	case <-time.After(cdpTimeout):
		return fmt.Errorf("%s: no reply within %s", method, cdpTimeout)
	}
}

// close asks the browser to quit, then ends its process group if it has
// not within a few seconds.
func (b *cdpBrowser) close() {
	select {
	case <-b.exited:
	default:
		_ = b.call("", "Browser.close", nil, nil)
		select {
		case <-b.exited:
		case <-time.After(5 * time.Second):
			_ = syscall.Kill(-b.cmd.Process.Pid, syscall.SIGKILL)
			<-b.exited
		}
	}
	b.w.Close()
}

// cdpPage is one tab, attached with a flat session.
type cdpPage struct {
	b       *cdpBrowser
	session string
}

// newPage opens a blank tab and attaches to it.
func (b *cdpBrowser) newPage() (*cdpPage, error) {
	var created struct {
		TargetID string `json:"targetId"`
	}
	if err := b.call("", "Target.createTarget", map[string]any{"url": "about:blank"}, &created); err != nil {
		return nil, err
	}
	var attached struct {
		SessionID string `json:"sessionId"`
	}
	if err := b.call("", "Target.attachToTarget", map[string]any{"targetId": created.TargetID, "flatten": true}, &attached); err != nil {
		return nil, err
	}
	return &cdpPage{b: b, session: attached.SessionID}, nil
}

// call sends a command to the page's session.
func (p *cdpPage) call(method string, params, result any) error {
	return p.b.call(p.session, method, params, result)
}

// navigate loads url in the page.
func (p *cdpPage) navigate(url string) error {
	var nav struct {
		ErrorText string `json:"errorText"`
	}
	if err := p.call("Page.navigate", map[string]any{"url": url}, &nav); err != nil {
		return err
	}
	if nav.ErrorText != "" {
		return fmt.Errorf("navigate to %s: %s", url, nav.ErrorText)
	}
	return nil
}

// eval evaluates a JavaScript expression in the page and decodes its
// value (returned by value, promises awaited) into result.
func (p *cdpPage) eval(expression string, result any) error {
	var reply struct {
		Result struct {
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		ExceptionDetails *struct {
			Text      string `json:"text"`
			Exception struct {
				Description string `json:"description"`
			} `json:"exception"`
		} `json:"exceptionDetails"`
	}
	err := p.call("Runtime.evaluate", map[string]any{
		"expression": expression, "returnByValue": true, "awaitPromise": true,
	}, &reply)
	if err != nil {
		return err
	}
	if e := reply.ExceptionDetails; e != nil {
		return fmt.Errorf("evaluate %q: %s %s", expression, e.Text, e.Exception.Description)
	}
	if result == nil {
		return nil
	}
	if len(reply.Result.Value) == 0 {
		return fmt.Errorf("evaluate %q: no value", expression)
	}
	return json.Unmarshal(reply.Result.Value, result)
}

// waitFor evaluates expression (which yields a JSON value decoded into
// state) until done(state) holds, across navigations, for at most timeout.
func (p *cdpPage) waitFor(ctx context.Context, expression string, state any, done func() bool) error {
	var last error
	for {
		last = p.eval(expression, state)
		if last == nil && done() {
			return nil
		}
		select {
		case <-ctx.Done():
			if last == nil {
				last = errors.New("condition not met")
			}
			return fmt.Errorf("waiting for the page: %w (last state %+v)", last, state)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// screenshot captures the page's viewport as a PNG.
func (p *cdpPage) screenshot() ([]byte, error) {
	var shot struct {
		Data string `json:"data"`
	}
	if err := p.call("Page.captureScreenshot", map[string]any{"format": "png"}, &shot); err != nil {
		return nil, err
	}
	return base64.StdEncoding.DecodeString(shot.Data)
}

// cdpCookie is a cookie as the browser stores it.
type cdpCookie struct {
	Name     string `json:"name"`
	Value    string `json:"value"`
	Domain   string `json:"domain"`
	Path     string `json:"path"`
	HTTPOnly bool   `json:"httpOnly"`
	Secure   bool   `json:"secure"`
	Session  bool   `json:"session"`
	SameSite string `json:"sameSite"`
}

// cookies returns the cookies the browser would send to url.
func (p *cdpPage) cookies(url string) ([]cdpCookie, error) {
	var reply struct {
		Cookies []cdpCookie `json:"cookies"`
	}
	if err := p.call("Network.getCookies", map[string]any{"urls": []string{url}}, &reply); err != nil {
		return nil, err
	}
	return reply.Cookies, nil
}

// click clicks the middle of the element that the JavaScript expression
// element yields, with the mouse, as a user would (a trusted event).
func (p *cdpPage) click(element string) error {
	var at struct{ X, Y float64 }
	expr := `(() => { const el = ` + element + `; el.scrollIntoView({block: "center"}); const r = el.getBoundingClientRect(); return {x: r.left + r.width / 2, y: r.top + r.height / 2}; })()`
	if err := p.eval(expr, &at); err != nil {
		return err
	}
	for _, typ := range []string{"mouseMoved", "mousePressed", "mouseReleased"} {
		ev := map[string]any{"type": typ, "x": at.X, "y": at.Y}
		if typ != "mouseMoved" {
			ev["button"], ev["clickCount"] = "left", 1
		}
		if err := p.call("Input.dispatchMouseEvent", ev, nil); err != nil {
			return err
		}
	}
	return nil
}

// typeInto focuses the element that the JavaScript expression element
// yields and types text into it.
func (p *cdpPage) typeInto(element, text string) error {
	if err := p.eval(`(() => { const el = `+element+`; el.focus(); return document.activeElement === el; })()`, nil); err != nil {
		return err
	}
	return p.call("Input.insertText", map[string]any{"text": text}, nil)
}
