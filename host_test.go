package sessioninjector

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNormalizeHost(t *testing.T) {
	tests := []struct{ in, want string }{
		{in: "Checkout.Example.ORG", want: "checkout.example.org"},
		{in: "checkout.example.org.", want: "checkout.example.org"},
		{in: "checkout.example.org:443", want: "checkout.example.org"},
		{in: "checkout.example.org.:8443", want: "checkout.example.org"},
		{in: "checkout.example.org:", want: "checkout.example.org"},
		{in: "[::1]:8080", want: "[::1]"},
		{in: "[FE80::1%25eth0]", want: "[fe80::1%25eth0]"},
		{in: "127.0.0.1:80", want: "127.0.0.1"},
		{in: "", want: ""},
	}
	for _, test := range tests {
		assert.Equal(t, test.want, normalizeHost(test.in), test.in)
	}
}

func TestNewHostMatcherErrors(t *testing.T) {
	tests := []struct {
		desc     string
		patterns []string
		err      string
	}{
		{desc: "port", patterns: []string{"checkout.example.org:443"}, err: `targetDomains: "checkout.example.org:443"`},
		{desc: "non-ASCII", patterns: []string{"bücher.example"}, err: "punycode"},
		{desc: "inner wildcard", patterns: []string{"a.*.example.com"}, err: "targetDomains"},
		{desc: "bare wildcard", patterns: []string{"*"}, err: "targetDomains"},
		{desc: "empty label", patterns: []string{"a..example.com"}, err: "label"},
		{desc: "leading hyphen", patterns: []string{"-a.example.com"}, err: "hyphen"},
		{desc: "URL", patterns: []string{"https://checkout.example.org"}, err: "targetDomains"},
		{desc: "userinfo", patterns: []string{"user@checkout.example.org"}, err: "targetDomains"},
		{desc: "long label", patterns: []string{"a234567890123456789012345678901234567890123456789012345678901234.example"}, err: "label"},
	}
	for _, test := range tests {
		t.Run(test.desc, func(t *testing.T) {
			_, err := newHostMatcher(test.patterns)
			require.Error(t, err)
			assert.Contains(t, err.Error(), test.err)
		})
	}
}

func TestNewHostMatcherEmpty(t *testing.T) {
	m, err := newHostMatcher([]string{"", " "})
	require.NoError(t, err)
	assert.Nil(t, m, "no targets: receive only")

	host, _, ok := targetHost(m, "https://checkout.example.org/", true)
	assert.False(t, ok)
	assert.Empty(t, host)
}

func TestTargetHost(t *testing.T) {
	m, err := newHostMatcher([]string{" Checkout.Example.org. ", "*.example.net", "xn--bcher-kva.example"})
	require.NoError(t, err)

	tests := []struct {
		loc      string
		relative bool
		want     string
	}{
		{loc: "https://checkout.example.org/pay?x=1#top", want: checkout},
		{loc: "http://checkout.example.org", want: checkout},
		{loc: "HTTPS://CHECKOUT.EXAMPLE.ORG/", want: checkout},
		{loc: "https://checkout.example.org.:443/", want: checkout},
		{loc: "https://checkout.example.org:0443/", want: checkout},
		{loc: "https://checkout.example.org:/", want: checkout},
		{loc: "https://checkout.example.org?q", want: checkout},
		{loc: "https://checkout.example.org#f", want: checkout},
		{loc: "//checkout.example.org/x", relative: true, want: checkout},
		{loc: "https://a.example.net/", want: "a.example.net"},
		{loc: "https://a.b.example.net/", want: "a.b.example.net"},
		{loc: "https://xn--bcher-kva.example/", want: "xn--bcher-kva.example"},
		{loc: "https://checkout.example.org/caf\u00e9", want: checkout},

		{loc: "//checkout.example.org/x"},
		{loc: "https://example.net/"},
		{loc: "https://.example.net/"},
		{loc: "https://a..example.net/"},
		{loc: "https://evilexample.net/"},
		{loc: "https://checkout.example.org.evil.com/"},
		{loc: "https://evilcheckout.example.org/"},
		{loc: "https://checkout.example.org@evil.com/"},
		{loc: "https://evil.com@checkout.example.org/"},
		{loc: "https://user:pass@checkout.example.org/"},
		{loc: "https://evil.com\\@checkout.example.org/"},
		{loc: "https://checkout.example.org\\@evil.com/"},
		{loc: "/\\evil.com", relative: true},
		{loc: "/\t/evil.com", relative: true},
		{loc: "///evil.com", relative: true},
		{loc: "/checkout.example.org", relative: true},
		{loc: "https:/checkout.example.org/"},
		{loc: "https:checkout.example.org/"},
		{loc: "javascript:alert(1)//checkout.example.org"},
		{loc: "ftp://checkout.example.org/"},
		{loc: " https://checkout.example.org/"},
		{loc: "https://checkout.example.org/\r\nSet-Cookie: x=1"},
		{loc: "https://check\tout.example.org/"},
		{loc: "https://checkout%2Eexample.org/"},
		{loc: "https://a%2eexample.net/"},
		{loc: "https://checkout.example.org%E3%80%82evil.com/"},
		{loc: "https://checkout\u3002example.org/"},
		{loc: "https://b\u00fccher.example/"},
		{loc: "https://[::1]/"},
		{loc: "https://[::1]:443/"},
		{loc: "https://127.0.0.1/"},
		{loc: "https://checkout.example.org:443x/"},
		{loc: "https://checkout.example.org:-1/"},
		{loc: "https://"},
		{loc: ""},
	}
	for _, test := range tests {
		t.Run(test.loc, func(t *testing.T) {
			host, _, ok := targetHost(m, test.loc, test.relative)
			assert.Equal(t, test.want != "", ok)
			assert.Equal(t, test.want, host)
		})
	}
}
