package interp

import (
	"bytes"
	"sync"
)

// LogBuffer collects what an interpreted plugin writes to its standard
// output or error. It is safe for concurrent use, since ServeHTTP runs on
// many goroutines at once.
type LogBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends p to the buffer.
func (b *LogBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns everything written so far.
func (b *LogBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
