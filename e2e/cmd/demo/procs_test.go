package main

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestGroupReportsTheFirstExitAndStopsTheRest(t *testing.T) {
	var g group
	require.NoError(t, g.start("sleeper", t.TempDir(), "sleep", "60"))
	require.NoError(t, g.start("quitter", t.TempDir(), "sh", "-c", "exit 3"))
	select {
	case p := <-g.exited:
		assert.Equal(t, "quitter", p.name)
		assert.Equal(t, 3, p.cmd.ProcessState.ExitCode())
	case <-time.After(10 * time.Second):
		t.Fatal("no exit reported")
	}
	start := time.Now()
	g.stop()
	assert.Less(t, time.Since(start), stopTimeout, "SIGTERM stops sleep")
	for _, p := range g.procs {
		assert.True(t, p.cmd.ProcessState.Exited() || p.cmd.ProcessState.String() == "signal: terminated", "%s: %v", p.name, p.cmd.ProcessState)
	}
	g.stop() // a second stop is harmless
}

func TestGroupStartNamesTheProgram(t *testing.T) {
	var g group
	err := g.start("ghost", t.TempDir(), "/nonexistent/ghost")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "ghost")
	assert.Empty(t, g.procs)
}

func TestPortFree(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	err = portFree(addr)
	require.Error(t, err)
	assert.Contains(t, err.Error(), addr)
	require.NoError(t, ln.Close())
	assert.NoError(t, portFree(addr))
}

func TestWaitServing(t *testing.T) {
	shopOK := func(rw http.ResponseWriter, r *http.Request) {
		if r.Host != "shop.localhost:8080" {
			http.NotFound(rw, r)
			return
		}
		http.Redirect(rw, r, "/login", http.StatusFound)
	}
	cases := []struct {
		name    string
		handler http.HandlerFunc
		quit    bool // a process of the group exits
		cancel  bool
		want    string // "" for success
	}{
		{"shop served (a redirect counts)", shopOK, false, false, ""},
		{"router not there yet", http.NotFound, false, false, "status 404"},
		{"a process exits", http.NotFound, true, false, "quitter exited"},
		{"stopped", http.NotFound, false, true, context.Canceled.Error()},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := httptest.NewServer(c.handler)
			defer srv.Close()
			var g group
			defer g.stop()
			require.NoError(t, g.start("sleeper", t.TempDir(), "sleep", "60"))
			if c.quit {
				require.NoError(t, g.start("quitter", t.TempDir(), "true"))
			}
			ctx, cancel := context.WithCancel(context.Background())
			if c.cancel {
				cancel()
			}
			defer cancel()
			d := demo{webAddr: srv.Listener.Addr().String(), shopURL: "http://shop.localhost:8080"}
			err := waitServing(ctx, d, &g, time.Second)
			if c.want == "" {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
		})
	}
}

func TestRunNeedsTraefik(t *testing.T) {
	err := run(context.Background(), "")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "TRAEFIK_BIN")
}

// TestChildrenHaveTheirOwnProcessGroup: a Ctrl-C in the terminal reaches
// this program only, which stops the children itself.
func TestChildrenHaveTheirOwnProcessGroup(t *testing.T) {
	var g group
	defer g.stop()
	require.NoError(t, g.start("sleeper", t.TempDir(), "sleep", "60"))
	pid := g.procs[0].cmd.Process.Pid
	pgid, err := syscall.Getpgid(pid)
	require.NoError(t, err)
	assert.Equal(t, pid, pgid, "the child leads its own group")
	assert.NotEqual(t, syscall.Getpgrp(), pgid)
}
