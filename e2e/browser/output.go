package browser

import "sync"

// outputLimit is how much of a browser's output is kept for error messages.
const outputLimit = 64 << 10

// limitedBuffer keeps the first outputLimit bytes written to it; it is safe
// for concurrent use.
type limitedBuffer struct {
	mu sync.Mutex
	b  []byte
}

// Write keeps what fits and reports everything written.
func (l *limitedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if room := outputLimit - len(l.b); room > 0 {
		if len(p) < room {
			room = len(p)
		}
		l.b = append(l.b, p[:room]...)
	}
	return len(p), nil
}

// String returns what was kept.
func (l *limitedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return string(l.b)
}
