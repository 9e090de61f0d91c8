package harness

import (
	"net"
	"testing"
)

// FreeAddr returns "ip:port" with a port that was free on the loopback
// address ip a moment ago.
func FreeAddr(t testing.TB, ip string) string {
	t.Helper()
	l, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
	if err != nil {
		t.Fatalf("listen on %s: %v", ip, err)
	}
	defer l.Close()
	return l.Addr().String()
}
