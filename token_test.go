package sessioninjector

import (
	"crypto/rand"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func testClaims() *claims {
	return &claims{
		createdMs: 1_800_000_000_000, lifetimeMs: 5000,
		target: checkout, clientIP: "192.0.2.7", session: "abc1234",
	}
}

func mustCodec(t *testing.T, secrets ...string) *codec {
	t.Helper()
	c, err := newCodec(secrets)
	require.NoError(t, err)
	return c
}

func TestTokenRoundTrip(t *testing.T) {
	c := mustCodec(t, testSecret)
	in := testClaims()
	token := sealed(t, c, in)
	assert.NotContains(t, token, "=")
	assert.NotContains(t, token, in.session, "the session must not appear in clear")

	out, err := openToken(c, token, checkout)
	require.NoError(t, err)
	raw, err := base64.RawURLEncoding.DecodeString(token)
	require.NoError(t, err)
	assert.Equal(t, string(raw[tokenHeaderSize:tokenHeaderSize+nonceSize]), out.id, "the id is the nonce")
	in.id = out.id
	assert.Equal(t, in, out)

	again := sealed(t, c, testClaims())
	assert.NotEqual(t, token, again, "nonce and id are random")
}

func TestTokenSessionWithNewlines(t *testing.T) {
	c := mustCodec(t, testSecret)
	in := testClaims()
	in.session = "a\nb\nc"
	token := sealed(t, c, in)
	out, err := openToken(c, token, checkout)
	require.NoError(t, err)
	assert.Equal(t, "a\nb\nc", out.session, "the session is the last field and may hold anything")
}

func TestTokenRotation(t *testing.T) {
	old := mustCodec(t, testSecret)
	rotated := mustCodec(t, testSecret2, testSecret)
	removed := mustCodec(t, testSecret2)

	token := sealed(t, old, testClaims())
	_, err := openToken(rotated, token, checkout)
	require.NoError(t, err, "a previous secret still opens")
	_, err = openToken(removed, token, checkout)
	require.ErrorIs(t, err, errTokenKey, "a removed secret no longer opens")

	fresh := sealed(t, rotated, testClaims())
	_, err = openToken(old, fresh, checkout)
	require.ErrorIs(t, err, errTokenKey, "new tokens use the new secret")
}

func TestTokenRefusals(t *testing.T) {
	c := mustCodec(t, testSecret)
	token := sealed(t, c, testClaims())
	raw, err := base64.RawURLEncoding.DecodeString(token)
	require.NoError(t, err)

	reencode := func(edit func([]byte) []byte) string {
		b := append([]byte(nil), raw...)
		return base64.RawURLEncoding.EncodeToString(edit(b))
	}
	random := make([]byte, 200)
	_, _ = rand.Read(random)

	tests := []struct {
		desc  string
		token string
		host  string
		err   error
	}{
		{desc: "empty", token: "", err: errTokenMalformed},
		{desc: "over 8192 characters", token: strings.Repeat("A", maxTokenChars+1), err: errTokenMalformed},
		{desc: "line break", token: token[:10] + "\n" + token[10:], err: errTokenMalformed},
		{desc: "carriage return", token: token[:10] + "\r" + token[10:], err: errTokenMalformed},
		{desc: "padding", token: token + "==", err: errTokenMalformed},
		{desc: "standard alphabet", token: strings.NewReplacer("-", "+", "_", "/").Replace(token) + "+/", err: errTokenMalformed},
		{desc: "space for plus", token: token[:10] + " " + token[10:], err: errTokenMalformed},
		{desc: "non-canonical trailing bits", token: nonCanonical(t, token), err: errTokenMalformed},
		{desc: "too short for nonce and tag", token: base64.RawURLEncoding.EncodeToString(raw[:minTokenBytes-1]), err: errTokenMalformed},
		{desc: "header only", token: base64.RawURLEncoding.EncodeToString(raw[:tokenHeaderSize]), err: errTokenMalformed},
		{desc: "truncated tag", token: base64.RawURLEncoding.EncodeToString(raw[:len(raw)-1]), err: errTokenOpen},
		{desc: "other version", token: reencode(func(b []byte) []byte { b[0] = 1; return b }), err: errTokenVersion},
		{desc: "unknown key id", token: reencode(func(b []byte) []byte { b[1] ^= 1; return b }), err: errTokenKey},
		{desc: "flipped nonce bit", token: reencode(func(b []byte) []byte { b[tokenHeaderSize] ^= 1; return b }), err: errTokenOpen},
		{desc: "flipped ciphertext bit", token: reencode(func(b []byte) []byte { b[len(b)-20] ^= 0x80; return b }), err: errTokenOpen},
		{desc: "flipped tag bit", token: reencode(func(b []byte) []byte { b[len(b)-1] ^= 1; return b }), err: errTokenOpen},
		{desc: "random bytes", token: base64.RawURLEncoding.EncodeToString(random), err: errTokenVersion},
		{desc: "another host", token: token, host: "evil.example.org", err: errTokenOpen},
		{desc: "host with trailing dot is another host to the codec", token: token, host: checkout + ".", err: errTokenOpen},
	}
	for _, test := range tests {
		t.Run(test.desc, func(t *testing.T) {
			host := test.host
			if host == "" {
				host = checkout
			}
			cl, err := openToken(c, test.token, host)
			require.Error(t, err)
			if test.desc == "random bytes" && raw[0] == random[0] {
				t.Skip("random first byte happened to be the version")
			}
			assert.ErrorIs(t, err, test.err)
			assert.Nil(t, cl)
		})
	}
}

func TestTokenEveryBitFlipRefused(t *testing.T) {
	c := mustCodec(t, testSecret)
	token := sealed(t, c, testClaims())
	raw, _ := base64.RawURLEncoding.DecodeString(token)
	for i := range raw {
		for bit := 0; bit < 8; bit++ {
			b := append([]byte(nil), raw...)
			b[i] ^= 1 << bit
			_, err := openToken(c, base64.RawURLEncoding.EncodeToString(b), checkout)
			require.Error(t, err, "byte %d bit %d", i, bit)
		}
	}
}

func TestTokenMalformedClaims(t *testing.T) {
	c := mustCodec(t, testSecret)
	tests := []struct {
		desc  string
		plain string
	}{
		{desc: "too few fields", plain: "1800000000000005000\n192.0.2.7"},
		{desc: "bad times", plain: "x\n192.0.2.7\nv"},
		{desc: "times as two fields", plain: "1800000000000\n5000\n192.0.2.7\nv"},
		{desc: "times out of range", plain: "99999999999999999999\n192.0.2.7\nv"},
		{desc: "zero lifetime", plain: "1800000000000000000\n192.0.2.7\nv"},
		{desc: "negative times", plain: "-1800000000000005000\n192.0.2.7\nv"},
	}
	for _, test := range tests {
		t.Run(test.desc, func(t *testing.T) {
			token := sealPlain(t, c, test.plain, checkout)
			_, err := openToken(c, token, checkout)
			assert.ErrorIs(t, err, errTokenClaims)
		})
	}
}

// sealPlain seals arbitrary plaintext with the codec's key, as only a key holder could.
func sealPlain(t *testing.T, c *codec, plain, host string) string {
	t.Helper()
	nonce := make([]byte, nonceSize)
	_, _ = rand.Read(nonce)
	out := append([]byte(c.sealKey.header), nonce...)
	out = c.sealKey.aead.Seal(out, nonce, []byte(plain), []byte(c.sealKey.adPrefix+host))
	return base64.RawURLEncoding.EncodeToString(out)
}

// nonCanonical changes the unused low bits of the last character.
func nonCanonical(t *testing.T, token string) string {
	t.Helper()
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	if len(token)%4 == 0 {
		t.Fatal("token length leaves no spare bits")
	}
	last := strings.IndexByte(alphabet, token[len(token)-1])
	return token[:len(token)-1] + string(alphabet[last^1])
}

func TestNewCodecNeedsASecret(t *testing.T) {
	_, err := newCodec(nil)
	require.Error(t, err)
}
