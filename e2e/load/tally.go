package load

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
)

// maxViolationMessages bounds how many violations a tally keeps verbatim.
const maxViolationMessages = 20

// Tally counts what a load test sent and saw, from any number of
// goroutines: every status per kind of request, transport errors,
// redemptions expected and observed, plugin refusals by reason, and
// violations of the test's expectations.
type Tally struct {
	mu         sync.Mutex
	statuses   map[string]map[int]int // kind -> status -> count
	errors     map[string]int         // kind -> transport errors
	redeemed   map[string]int         // kind -> successful redemptions observed
	refusals   map[string]int         // reason -> plugin refusals observed
	expected   int                    // successful redemptions expected
	violations int
	messages   []string
}

// NewTally returns an empty tally.
func NewTally() *Tally {
	return &Tally{
		statuses: map[string]map[int]int{},
		errors:   map[string]int{},
		redeemed: map[string]int{},
		refusals: map[string]int{},
	}
}

// Sent records one request of kind: its status and refusal reason, or a
// transport error (a violation). It reports whether an answer arrived.
func (tl *Tally) Sent(kind string, rep Reply, err error) bool {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	if err != nil {
		tl.errors[kind]++
		tl.violateLocked(fmt.Sprintf("%s: %v", kind, err))
		return false
	}
	m := tl.statuses[kind]
	if m == nil {
		m = map[int]int{}
		tl.statuses[kind] = m
	}
	m[rep.Status]++
	if reason := rep.Refusal(); reason != "" {
		tl.refusals[reason]++
	}
	return true
}

// Expect records that one more successful redemption is due.
func (tl *Tally) Expect() {
	tl.mu.Lock()
	tl.expected++
	tl.mu.Unlock()
}

// Redemption records a successful redemption observed in a request of kind.
func (tl *Tally) Redemption(kind string) {
	tl.mu.Lock()
	tl.redeemed[kind]++
	tl.mu.Unlock()
}

// Check records err, when not nil, as a violation in a request of kind.
func (tl *Tally) Check(kind string, err error) {
	if err == nil {
		return
	}
	tl.mu.Lock()
	defer tl.mu.Unlock()
	tl.violateLocked(kind + ": " + err.Error())
}

// violateLocked counts a violation and keeps its message if there is room.
func (tl *Tally) violateLocked(msg string) {
	tl.violations++
	if len(tl.messages) < maxViolationMessages {
		tl.messages = append(tl.messages, msg)
	}
}

// Violations returns how many violations were recorded and the first
// messages (up to maxViolationMessages).
func (tl *Tally) Violations() (int, []string) {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	return tl.violations, append([]string(nil), tl.messages...)
}

// Requests returns how many requests of kind were answered.
func (tl *Tally) Requests(kind string) int {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	n := 0
	for _, c := range tl.statuses[kind] {
		n += c
	}
	return n
}

// Status returns how many requests of kind were answered with code.
func (tl *Tally) Status(kind string, code int) int {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	return tl.statuses[kind][code]
}

// Refused returns the plugin refusals observed, by reason.
func (tl *Tally) Refused() map[string]int {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	out := make(map[string]int, len(tl.refusals))
	for k, v := range tl.refusals {
		out[k] = v
	}
	return out
}

// Totals returns every answered request, the 5xx among them, transport
// errors, and the redemptions observed.
func (tl *Tally) Totals() (requests, serverErrors, transportErrors, redeemed int) {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	for _, m := range tl.statuses {
		for code, c := range m {
			requests += c
			if code >= 500 {
				serverErrors += c
			}
		}
	}
	for _, c := range tl.errors {
		transportErrors += c
	}
	for _, c := range tl.redeemed {
		redeemed += c
	}
	return requests, serverErrors, transportErrors, redeemed
}

// Log writes the counts per kind and status to t.
func (tl *Tally) Log(t testing.TB) {
	t.Helper()
	t.Logf("requests per kind:\n%s", tl.String())
}

// String renders the counts per kind and status, one kind a line.
func (tl *Tally) String() string {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	kinds := make([]string, 0, len(tl.statuses))
	for k := range tl.statuses {
		kinds = append(kinds, k)
	}
	for k := range tl.errors {
		if tl.statuses[k] == nil {
			kinds = append(kinds, k)
		}
	}
	sort.Strings(kinds)
	var b strings.Builder
	for _, k := range kinds {
		codes := make([]int, 0, len(tl.statuses[k]))
		total := 0
		for code, c := range tl.statuses[k] {
			codes = append(codes, code)
			total += c
		}
		sort.Ints(codes)
		fmt.Fprintf(&b, "  %-22s %7d:", k, total)
		for _, code := range codes {
			fmt.Fprintf(&b, " %d×%d", tl.statuses[k][code], code)
		}
		if n := tl.errors[k]; n > 0 {
			fmt.Fprintf(&b, " transport errors×%d", n)
		}
		if n := tl.redeemed[k]; n > 0 {
			fmt.Fprintf(&b, " (redeemed %d)", n)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// AssertClean asserts at least one answered request, no transport error,
// no 5xx and no violation, and exactly the expected number of redemptions.
func (tl *Tally) AssertClean(t testing.TB) {
	t.Helper()
	requests, serverErrors, transportErrors, redeemed := tl.Totals()
	violations, messages := tl.Violations()
	tl.mu.Lock()
	expected := tl.expected
	tl.mu.Unlock()
	assert.Positive(t, requests, "no request was answered")
	assert.Zero(t, serverErrors, "5xx answers")
	assert.Zero(t, transportErrors, "transport errors")
	assert.Equal(t, expected, redeemed, "successful redemptions: one per valid token, none for any other")
	assert.Zero(t, violations, "violations; the first ones:\n%s", strings.Join(messages, "\n"))
}
