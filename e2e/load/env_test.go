package load

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestDuration(t *testing.T) {
	const name = "E2E_LOAD_TEST_DURATION"
	t.Setenv(name, "")
	assert.Equal(t, time.Minute, Duration(t, name, time.Minute), "empty: the default")
	t.Setenv(name, "90s")
	assert.Equal(t, 90*time.Second, Duration(t, name, time.Minute))
	for _, bad := range []string{"soon", "-1s", "0s"} {
		t.Setenv(name, bad)
		rt := &recordingT{TB: t}
		Duration(rt, name, time.Minute)
		if assert.Len(t, rt.errors, 1, "%s=%s", name, bad) {
			assert.Contains(t, rt.errors[0], name+"=\""+bad+"\"", "the message names the variable and its value")
		}
	}
}
