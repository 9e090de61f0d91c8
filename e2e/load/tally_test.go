package load

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/session-injector/sessioninjector/e2e/harness"
)

// recordingT passes everything to the test but collects what assertions
// report, so a test can check that an assertion helper fails.
type recordingT struct {
	testing.TB
	mu     sync.Mutex
	errors []string
}

func (r *recordingT) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

// Fatalf records like Errorf; the caller goes on, which the helpers
// tested here survive.
func (r *recordingT) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
}

func (r *recordingT) Helper() {}

// refusal is the plugin's plain-text 403 for reason.
func refusal(reason string) Reply {
	return Reply{Status: http.StatusForbidden, Body: harness.RefusalText + reason + "\n",
		Header: http.Header{"Content-Type": {"text/plain; charset=utf-8"}, "Cache-Control": {"no-store"}}}
}

func TestTallyCountsFromManyGoroutines(t *testing.T) {
	tl := NewTally()
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				tl.Expect()
				tl.Sent("redeem", Reply{Status: http.StatusSeeOther}, nil)
				tl.Redemption("redeem")
				tl.Sent("replay", refusal("already used"), nil)
			}
		}()
	}
	wg.Wait()
	tl.Sent("replay", Reply{Status: http.StatusBadGateway}, nil)
	assert.False(t, tl.Sent("replay", Reply{}, errors.New("connection reset")), "a transport error is no answer")

	assert.Equal(t, 800, tl.Requests("redeem"))
	assert.Equal(t, 801, tl.Requests("replay"), "transport errors are not answers")
	assert.Equal(t, 800, tl.Status("replay", http.StatusForbidden))
	assert.Equal(t, map[string]int{"already used": 800}, tl.Refused())
	requests, serverErrors, transportErrors, redeemed := tl.Totals()
	assert.Equal(t, []int{1601, 1, 1, 800}, []int{requests, serverErrors, transportErrors, redeemed})
	violations, messages := tl.Violations()
	assert.Equal(t, 1, violations)
	assert.Equal(t, []string{"replay: connection reset"}, messages)
	assert.Contains(t, tl.String(), "replay")
	assert.Contains(t, tl.String(), "800×403 1×502 transport errors×1")
	assert.Contains(t, tl.String(), "800×303 (redeemed 800)")
}

func TestTallyKeepsTheFirstViolations(t *testing.T) {
	tl := NewTally()
	tl.Check("ok", nil)
	for i := range maxViolationMessages + 5 {
		tl.Check("op", fmt.Errorf("bad %d", i))
	}
	violations, messages := tl.Violations()
	assert.Equal(t, maxViolationMessages+5, violations)
	assert.Len(t, messages, maxViolationMessages)
	assert.Equal(t, "op: bad 0", messages[0])
}

func TestAssertClean(t *testing.T) {
	tests := []struct {
		name string
		fill func(tl *Tally)
		want []string // substrings of the failures, none for a clean tally
	}{
		{"clean", func(tl *Tally) {
			tl.Expect()
			tl.Sent("redeem", Reply{Status: http.StatusSeeOther}, nil)
			tl.Redemption("redeem")
		}, nil},
		{"nothing answered", func(*Tally) {}, []string{"no request was answered"}},
		{"5xx", func(tl *Tally) { tl.Sent("x", Reply{Status: http.StatusInternalServerError}, nil) }, []string{"5xx answers"}},
		{"transport error", func(tl *Tally) {
			tl.Sent("x", Reply{Status: http.StatusOK}, nil)
			tl.Sent("x", Reply{}, errors.New("EOF"))
		}, []string{"transport errors", "violations"}},
		{"a redemption too many", func(tl *Tally) {
			tl.Sent("replay", Reply{Status: http.StatusSeeOther}, nil)
			tl.Redemption("replay")
		}, []string{"successful redemptions"}},
		{"a redemption missing", func(tl *Tally) {
			tl.Expect()
			tl.Sent("redeem", refusal("invalid"), nil)
		}, []string{"successful redemptions"}},
		{"violation", func(tl *Tally) {
			tl.Sent("x", Reply{Status: http.StatusOK}, nil)
			tl.Check("x", errors.New("wrong page"))
		}, []string{"x: wrong page"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tl := NewTally()
			tt.fill(tl)
			rt := &recordingT{TB: t}
			tl.AssertClean(rt)
			failures := strings.Join(rt.errors, "\n")
			if len(tt.want) == 0 {
				assert.Empty(t, rt.errors)
			}
			for _, w := range tt.want {
				assert.Contains(t, failures, w)
			}
		})
	}
}
