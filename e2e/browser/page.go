package browser

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// pollInterval is how often WaitFor looks at the page.
const pollInterval = 50 * time.Millisecond

// evalTimeout bounds one evaluation while WaitFor polls: during a
// navigation the page may have no document to evaluate in.
const evalTimeout = 5 * time.Second

// WaitFor evaluates the JavaScript expression in the tab until done holds
// for its value, across navigations, and returns that value; it gives up
// when ctx ends, naming the last value or error.
func WaitFor[T any](ctx context.Context, expression string, done func(T) bool) (T, error) {
	var (
		last    T
		lastErr error
	)
	for {
		evalCtx, cancel := context.WithTimeout(ctx, evalTimeout)
		v, err := chromedp.Run(evalCtx, chromedp.Evaluate[T](expression))
		cancel()
		if err == nil {
			last, lastErr = v, nil
			if done(v) {
				return v, nil
			}
		} else {
			lastErr = err
		}
		select {
		case <-ctx.Done():
			if lastErr == nil {
				lastErr = errors.New("condition not met")
			}
			return last, fmt.Errorf("waiting for %q: %w (last value %+v)", expression, lastErr, last)
		case <-time.After(pollInterval):
		}
	}
}

// Open starts loading url in the tab and returns without waiting for the
// page, which may go on to submit forms and follow redirects: wait for
// the page wanted with WaitFor.
func Open(ctx context.Context, url string) error {
	res, err := chromedp.Call(ctx, page.Navigate, page.NavigateParams{URL: url})
	if err != nil {
		return fmt.Errorf("open %.80s: %w", url, err)
	}
	if res.ErrorText != "" {
		return fmt.Errorf("open %.80s: %s", url, res.ErrorText)
	}
	return nil
}
