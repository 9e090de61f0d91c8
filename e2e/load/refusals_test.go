package load

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestLoggedRefusals(t *testing.T) {
	log := `2025-01-01T00:00:00Z DBG sessioninjector "checkout@file": handoff refused (already used): token id 1
2025-01-01T00:00:00Z DBG sessioninjector "checkout@file": handoff refused (invalid): open: authentication failed
2025-01-01T00:00:00Z DBG sessioninjector "checkout@file": handoff refused (already used): token id 2
2025-01-01T00:00:00Z DBG sessioninjector "checkout@file": handoff refused (broken
2025-01-01T00:00:00Z INF something else
`
	assert.Equal(t, map[string]int{"already used": 2, "invalid": 1}, LoggedRefusals(log))
	assert.Empty(t, LoggedRefusals(""))
}
