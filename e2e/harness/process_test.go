package harness

import (
	"errors"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestProcessStopsByPID(t *testing.T) {
	p := StartProcess(t, "sleeper", exec.Command("sh", "-c", "echo started; exec sleep 60"))
	p.WaitReady(t, func() error {
		if !strings.Contains(p.Output(), "started") {
			return errors.New("no output yet")
		}
		return nil
	})
	require.NoError(t, syscall.Kill(p.PID(), 0), "running")
	require.False(t, p.Exited())

	require.NoError(t, p.Signal(syscall.SIGSTOP))
	p.Stop() // a stopped process is continued so that it can end
	assert.True(t, p.Exited())
	assert.ErrorIs(t, syscall.Kill(p.PID(), 0), syscall.ESRCH, "the PID is gone")
	assert.Error(t, p.Signal(syscall.SIGTERM), "no signal to an ended process")
	p.Stop() // safe again
}

func TestRunProcessNamesWhatFailedToStart(t *testing.T) {
	_, err := RunProcess("the app", exec.Command("/nonexistent/program"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "the app")
}
