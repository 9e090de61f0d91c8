package sessioninjector

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// clientIPs finds a request's client address the way Traefik's ipStrategy
// does: the direct peer (RemoteAddr) unless depth or excludedIPs select an
// entry of X-Forwarded-For.
type clientIPs struct {
	depth    int
	excluded []netip.Prefix
	v4Bits   int
	v6Bits   int
	// forwarded is set when the address comes from X-Forwarded-For.
	forwarded bool
}

func newClientIPs(s IPStrategy, v4Bits, v6Bits int) (*clientIPs, error) {
	if s.Depth < 0 {
		return nil, fmt.Errorf("ipStrategy.depth: %d must not be negative", s.Depth)
	}
	if v4Bits < 0 || v4Bits > 32 {
		return nil, fmt.Errorf("ipv4Prefix: %d must be between 0 and 32", v4Bits)
	}
	if v6Bits < 0 || v6Bits > 128 {
		return nil, fmt.Errorf("ipv6Prefix: %d must be between 0 and 128", v6Bits)
	}
	c := &clientIPs{depth: s.Depth, v4Bits: v4Bits, v6Bits: v6Bits}
	for _, raw := range s.ExcludedIPs {
		entry := strings.TrimSpace(raw)
		if entry == "" {
			continue
		}
		prefix, err := parsePrefix(entry)
		if err != nil {
			return nil, fmt.Errorf("ipStrategy.excludedIPs: %q is not an IP address or CIDR range", raw)
		}
		c.excluded = append(c.excluded, prefix)
	}
	c.forwarded = c.depth > 0 || len(c.excluded) > 0
	return c, nil
}

func parsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, err
		}
		if p.Addr().Is4In6() {
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	a = a.Unmap().WithZone("")
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// clientAddr returns the request's client address as text, the form a
// token carries: RemoteAddr's host as it is, or the address chosen from
// X-Forwarded-For, unmapped and without zone. An IPv4 RemoteAddr, the
// common case, is cut at its last colon without parsing.
func clientAddr(c *clientIPs, r *http.Request) (string, bool) {
	if c.forwarded {
		return forwardedAddr(c, r)
	}
	if i := strings.LastIndexByte(r.RemoteAddr, ':'); i > 0 && r.RemoteAddr[0] != '[' {
		return r.RemoteAddr[:i], true
	}
	return remoteHost(r.RemoteAddr)
}

// remoteHost is the host of an IPv6 (bracketed) or unusual RemoteAddr.
func remoteHost(remoteAddr string) (string, bool) {
	host, _, err := net.SplitHostPort(remoteAddr)
	return host, err == nil
}

func forwardedAddr(c *clientIPs, r *http.Request) (string, bool) {
	ip, ok := c.clientIP(r)
	if !ok {
		return "", false
	}
	return ip.String(), true
}

// clientIP returns the request's client address, unmapped and without zone.
func (c *clientIPs) clientIP(r *http.Request) (netip.Addr, bool) {
	if c.depth == 0 && len(c.excluded) == 0 {
		return parseAddr(r.RemoteAddr)
	}
	xff := strings.Split(strings.Join(r.Header["X-Forwarded-For"], ","), ",")
	if c.depth > 0 {
		if len(xff) < c.depth {
			return netip.Addr{}, false
		}
		return parseAddr(strings.TrimSpace(xff[len(xff)-c.depth]))
	}
	for i := len(xff) - 1; i >= 0; i-- {
		entry := strings.TrimSpace(xff[i])
		if entry == "" {
			continue
		}
		addr, ok := parseAddr(entry)
		if !ok {
			return netip.Addr{}, false
		}
		if !c.isExcluded(addr) {
			return addr, true
		}
	}
	return netip.Addr{}, false
}

func (c *clientIPs) isExcluded(addr netip.Addr) bool {
	for _, p := range c.excluded {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// parseAddr reads "ip", "ip:port" or "[ipv6]:port".
func parseAddr(s string) (netip.Addr, bool) {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap().WithZone(""), true
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap().WithZone(""), true
	}
	return netip.Addr{}, false
}

// samePrefix reports whether the address a token was bound to and the
// request's client address (both as clientAddr writes them, and different
// as text) share the configured prefix.
func samePrefix(c *clientIPs, bound, current string) bool {
	a, okA := parseAddr(bound)
	b, okB := parseAddr(current)
	return okA && okB && c.sameClient(a, b)
}

// sameClient reports whether two addresses share the configured prefix.
// Addresses of different families never match.
func (c *clientIPs) sameClient(a, b netip.Addr) bool {
	if a.Is4() != b.Is4() {
		return false
	}
	bits := c.v6Bits
	if a.Is4() {
		bits = c.v4Bits
	}
	pa, errA := a.Prefix(bits)
	pb, errB := b.Prefix(bits)
	return errA == nil && errB == nil && pa == pb
}

// ipv6Network returns the /64 network of an IPv6 address written as text
// (an IPv4-mapped one unmapped), or the text itself when it does not parse.
func ipv6Network(addr string) string {
	a, ok := parseAddr(addr)
	if !ok {
		return addr
	}
	if a.Is4() {
		return a.String()
	}
	p, _ := a.Prefix(64)
	return p.String()
}
