package sessioninjector

import (
	"net/http"
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestClientIP(t *testing.T) {
	tests := []struct {
		desc     string
		strategy IPStrategy
		remote   string
		xff      []string
		want     string
	}{
		{desc: "remote v4", remote: "192.0.2.1:1234", want: "192.0.2.1"},
		{desc: "remote v6", remote: "[2001:db8::1]:1234", want: "2001:db8::1"},
		{desc: "remote v6 zone", remote: "[fe80::1%eth0]:1234", want: "fe80::1"},
		{desc: "remote v4-mapped", remote: "[::ffff:192.0.2.1]:1234", want: "192.0.2.1"},
		{desc: "remote without port", remote: "192.0.2.1", want: "192.0.2.1"},
		{desc: "remote garbage", remote: "nope"},
		{desc: "xff ignored by default", remote: "192.0.2.1:1", xff: []string{"203.0.113.9"}, want: "192.0.2.1"},
		{desc: "depth 1", strategy: IPStrategy{Depth: 1}, remote: "10.0.0.1:1", xff: []string{"203.0.113.9, 198.51.100.2"}, want: "198.51.100.2"},
		{desc: "depth 2", strategy: IPStrategy{Depth: 2}, xff: []string{"203.0.113.9, 198.51.100.2"}, want: "203.0.113.9"},
		{desc: "depth over several headers", strategy: IPStrategy{Depth: 2}, xff: []string{"203.0.113.9", "198.51.100.2"}, want: "203.0.113.9"},
		{desc: "depth too deep", strategy: IPStrategy{Depth: 3}, xff: []string{"203.0.113.9, 198.51.100.2"}},
		{desc: "depth without header", strategy: IPStrategy{Depth: 1}, remote: "192.0.2.1:1"},
		{desc: "depth garbage entry", strategy: IPStrategy{Depth: 1}, xff: []string{"203.0.113.9, unknown"}},
		{desc: "depth wins over excluded", strategy: IPStrategy{Depth: 1, ExcludedIPs: []string{"198.51.100.0/24"}}, xff: []string{"203.0.113.9, 198.51.100.2"}, want: "198.51.100.2"},
		{desc: "excluded proxies", strategy: IPStrategy{ExcludedIPs: []string{"198.51.100.0/24", "10.0.0.1"}}, xff: []string{"203.0.113.9, 198.51.100.2,10.0.0.1"}, want: "203.0.113.9"},
		{desc: "excluded skips empty", strategy: IPStrategy{ExcludedIPs: []string{"10.0.0.1"}}, xff: []string{"203.0.113.9, ,10.0.0.1"}, want: "203.0.113.9"},
		{desc: "all excluded", strategy: IPStrategy{ExcludedIPs: []string{"0.0.0.0/0"}}, xff: []string{"203.0.113.9"}},
		{desc: "excluded with port entry", strategy: IPStrategy{ExcludedIPs: []string{"10.0.0.1"}}, xff: []string{"203.0.113.9:555"}, want: "203.0.113.9"},
	}
	for _, test := range tests {
		t.Run(test.desc, func(t *testing.T) {
			c, err := newClientIPs(test.strategy, 32, 64)
			require.NoError(t, err)
			r := &http.Request{RemoteAddr: test.remote, Header: http.Header{}}
			if test.xff != nil {
				r.Header["X-Forwarded-For"] = test.xff
			}
			ip, ok := c.clientIP(r)
			assert.Equal(t, test.want != "", ok)
			if test.want != "" {
				assert.Equal(t, test.want, ip.String())
			}
		})
	}
}

func TestSameClient(t *testing.T) {
	tests := []struct {
		a, b   string
		v4, v6 int
		want   bool
	}{
		{a: "192.0.2.1", b: "192.0.2.1", v4: 32, v6: 64, want: true},
		{a: "192.0.2.1", b: "192.0.2.2", v4: 32, v6: 64, want: false},
		{a: "192.0.2.1", b: "192.0.2.200", v4: 24, v6: 64, want: true},
		{a: "192.0.2.1", b: "192.0.3.1", v4: 24, v6: 64, want: false},
		{a: "192.0.2.1", b: "203.0.113.1", v4: 0, v6: 64, want: true},
		{a: "2001:db8:1:2::1", b: "2001:db8:1:2:ffff::9", v4: 32, v6: 64, want: true},
		{a: "2001:db8:1:2::1", b: "2001:db8:1:3::1", v4: 32, v6: 64, want: false},
		{a: "2001:db8:1:2::1", b: "2001:db8:1:3::1", v4: 32, v6: 48, want: true},
		{a: "2001:db8::1", b: "2001:db8::2", v4: 32, v6: 128, want: false},
		{a: "192.0.2.1", b: "2001:db8::1", v4: 0, v6: 0, want: false},
	}
	for _, test := range tests {
		c, err := newClientIPs(IPStrategy{}, test.v4, test.v6)
		require.NoError(t, err)
		got := c.sameClient(netip.MustParseAddr(test.a), netip.MustParseAddr(test.b))
		assert.Equal(t, test.want, got, "%s vs %s /%d /%d", test.a, test.b, test.v4, test.v6)
	}
}

func TestNewClientIPsErrors(t *testing.T) {
	tests := []struct {
		desc     string
		strategy IPStrategy
		v4, v6   int
		err      string
	}{
		{desc: "negative depth", strategy: IPStrategy{Depth: -1}, v4: 32, v6: 64, err: "ipStrategy.depth"},
		{desc: "bad excluded", strategy: IPStrategy{ExcludedIPs: []string{"10.0.0.0/33"}}, v4: 32, v6: 64, err: `ipStrategy.excludedIPs: "10.0.0.0/33"`},
		{desc: "name excluded", strategy: IPStrategy{ExcludedIPs: []string{"proxy.local"}}, v4: 32, v6: 64, err: "ipStrategy.excludedIPs"},
		{desc: "v4 too long", v4: 33, v6: 64, err: "ipv4Prefix: 33"},
		{desc: "v4 negative", v4: -1, v6: 64, err: "ipv4Prefix"},
		{desc: "v6 too long", v4: 32, v6: 129, err: "ipv6Prefix: 129"},
	}
	for _, test := range tests {
		t.Run(test.desc, func(t *testing.T) {
			_, err := newClientIPs(test.strategy, test.v4, test.v6)
			require.Error(t, err)
			assert.Contains(t, err.Error(), test.err)
		})
	}
}

func TestExcludedMappedPrefix(t *testing.T) {
	c, err := newClientIPs(IPStrategy{ExcludedIPs: []string{"::ffff:10.0.0.0/104", " 10.1.0.0/16 "}}, 32, 64)
	require.NoError(t, err)
	assert.True(t, c.isExcluded(netip.MustParseAddr("10.9.9.9")))
	assert.True(t, c.isExcluded(netip.MustParseAddr("10.1.2.3")))
	assert.False(t, c.isExcluded(netip.MustParseAddr("11.0.0.1")))
}
