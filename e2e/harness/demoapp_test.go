package harness

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestDemoRequestSessions(t *testing.T) {
	tests := []struct {
		cookie string
		want   []string
	}{
		{"", nil},
		{"other=1", nil},
		{"_session_id=a", []string{"a"}},
		{"x=1; _session_id=a;_session_id=b ; my_session_id=c", []string{"a", "b"}},
		{"_session_id=", []string{""}},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, DemoRequest{Cookie: tt.cookie}.Sessions(), "Cookie: %s", tt.cookie)
	}
}
