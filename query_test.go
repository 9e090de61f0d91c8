package sessioninjector

import (
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestParamKey(t *testing.T) {
	key := paramKey("_hs_")
	tests := []struct {
		query string
		want  bool
	}{
		{query: "_hs_=x", want: true},
		{query: "a=1&_hs_=x", want: true},
		{query: "a=1;_hs_=x", want: true},
		{query: "_hs_", want: true},
		{query: "_hs_&a", want: true},
		{query: "%5Fhs%5F=x", want: true},
		{query: "%5fhs%5f=x", want: true},
		{query: "_%68%73_=x", want: true},
		{query: "q=my_hs_notes"},
		{query: "x_hs_=1"},
		{query: "_hs_x=1"},
		{query: "q=_hs_"},
		{query: "%255Fhs_=x"},
		{query: "_hs%5=x"},
	}
	for _, test := range tests {
		t.Run(test.query, func(t *testing.T) {
			assert.Equal(t, test.want, key.MatchString(test.query))
			// The rule url.ParseQuery applies, where it parses.
			if q, err := url.ParseQuery(test.query); err == nil && !strings.Contains(test.query, ";") {
				_, has := q["_hs_"]
				assert.Equal(t, test.want, has)
			}
		})
	}
}

func TestURLParams(t *testing.T) {
	tests := []struct {
		desc, in, with, without string
	}{
		{desc: "no query", in: "https://b.example/x", with: "https://b.example/x?_hs_=T", without: "https://b.example/x"},
		{desc: "empty query", in: "https://b.example/x?", with: "https://b.example/x?_hs_=T", without: "https://b.example/x?"},
		{desc: "query", in: "https://b.example/x?a=1", with: "https://b.example/x?a=1&_hs_=T", without: "https://b.example/x?a=1"},
		{desc: "fragment", in: "https://b.example/x?a=1#f?g", with: "https://b.example/x?a=1&_hs_=T#f?g", without: "https://b.example/x?a=1#f?g"},
		{desc: "token alone", in: "https://b.example/x?_hs_=OLD#f", with: "https://b.example/x?_hs_=T#f", without: "https://b.example/x#f"},
		{desc: "tokens among others", in: "https://b.example/?_hs_=1&a=1&%5Fhs_=2&b", with: "https://b.example/?a=1&b&_hs_=T", without: "https://b.example/?a=1&b"},
		{desc: "token after a semicolon", in: "https://b.example/?a=1;_hs_=1&b=2", with: "https://b.example/?b=2&_hs_=T", without: "https://b.example/?b=2"},
		{desc: "name in a value", in: "https://b.example/?q=_hs_", with: "https://b.example/?q=_hs_&_hs_=T", without: "https://b.example/?q=_hs_"},
	}
	for _, test := range tests {
		t.Run(test.desc, func(t *testing.T) {
			assert.Equal(t, test.with, withParam(test.in, "_hs_", "T"))
			assert.Equal(t, test.without, withoutURLParam(test.in, "_hs_"))
		})
	}
}

func TestTooLarge(t *testing.T) {
	assert.False(t, tooLarge(strings.Repeat("a", 100), 100))
	assert.True(t, tooLarge(strings.Repeat("a", 101), 100))
	assert.False(t, tooLarge(strings.Repeat("a&", maxQueryParts-1), 1<<20))
	assert.True(t, tooLarge(strings.Repeat("a&", maxQueryParts), 1<<20))
}
