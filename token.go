package sessioninjector

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Token layout, before base64url (no padding):
//
//	version (1) | key id (4) | nonce (12) | AES-256-GCM ciphertext | tag (16)
//
// The additional data binds the version, the key id, the purpose and the
// target host, so a token sealed for one host never opens on another. The
// random nonce doubles as the token's id for single use. The plaintext is
// newline-separated fields, the session's cookies last, one line each:
//
//	createdMs*10⁶ + lifetimeMs | client address | issuer | age name=value | …
//
// (the lifetime is below 10⁶ ms, so one decimal number carries both times;
// a cookie's age is the seconds it has left, 0 for a browser-session
// cookie, -1 when unknown). The issuer is the sealing host's origin when
// it signs out everywhere (the target records it to sign the browser out
// there too), empty otherwise. A token is at most maxTokenChars characters:
// what Traefik's query caps accept on arrival, and far below what
// browsers keep in a URL.
// Sealing and opening are a handful of standard-library calls with the
// per-key parts prepared in New.
//
// The pull seals two more kinds of token in the same envelope (version,
// key id, nonce, ciphertext, tag), each under a purpose label of its own
// in the additional data, so that none of the three ever opens as another:
//
//   - a pull state, sealed by the target for itself (its own host follows
//     the label): createdMs | nonce, the nonce (22 base64url characters)
//     being the value of the browser's state cookie;
//   - a pull answer, sealed by the source for the return URL's host:
//     createdMs*10⁶ + lifetimeMs | client address | state | the session's
//     cookies as in a handoff token, or the single line "-" (noSessionMark)
//     when the browser has no session on the source;
//   - a sign-out token, sealed by a host for the next host of a sign-out
//     chain: createdMs*10⁶ + lifetimeMs | client address | the chain's
//     last Location | the origins done | the origins to do (see signout.go).
const (
	tokenVersion    byte = 5
	keyIDSize            = 4
	nonceSize            = 12
	tagSize              = 16
	tokenHeaderSize      = 1 + keyIDSize
	minTokenBytes        = tokenHeaderSize + nonceSize + tagSize
	maxTokenChars        = 8192
	minSecretBytes       = 32
	claimFields          = 4
	// maxPlainBytes is the longest plaintext whose token fits maxTokenChars.
	maxPlainBytes = maxTokenChars*6/8 - minTokenBytes
	lifetimeScale = 1_000_000 // lifetimes stay below it (maxLifetime is 10 minutes)
)

const (
	tokenKeyLabel = "sessioninjector v1 token key"
	keyIDLabel    = "sessioninjector v1 key id"
	purposeLabel  = "sessioninjector v5 handoff\x00"
	answerLabel   = "sessioninjector v5 pull answer\x00"
	stateLabel    = "sessioninjector v5 pull state\x00"
	signOutLabel  = "sessioninjector v5 sign-out\x00"
	recordLabel   = "sessioninjector v5 sign-out record key"
)

var (
	errTokenMalformed = errors.New("malformed token")
	errTokenVersion   = errors.New("unknown token version")
	errTokenKey       = errors.New("token sealed with an unknown key")
	errTokenOpen      = errors.New("token does not authenticate")
	errTokenClaims    = errors.New("malformed token claims")
)

var strictBase64 = base64.RawURLEncoding.Strict()

// claims is what a token carries from the sender to the receiver.
type claims struct {
	createdMs  int64  // Unix milliseconds when the sender sealed it
	lifetimeMs int64  // the sender's lifetime
	target     string // normalized host the token is for: bound as additional data, not in the plaintext
	clientIP   string // the client's address, empty when unbound
	issuer     string // the sealing host's origin when it signs out everywhere, else empty
	session    string // the session's cookies, as encodeCookies writes them
	id         string // the nonce, unique per token: the key of single use
}

// tokenKey is one secret's AEAD and the start of its additional data.
type tokenKey struct {
	aead     cipher.AEAD
	header   string // version and key id
	adPrefix string // header and purpose; the target host follows
	// answerPrefix, statePrefix and signOutPrefix are adPrefix for a
	// pull answer, a pull state and a sign-out token.
	answerPrefix  string
	statePrefix   string
	signOutPrefix string
	// recordKey authenticates the sign-out record cookie.
	recordKey []byte
}

// codec seals tokens under the current key and opens them under any configured key.
type codec struct {
	sealKey *tokenKey
	open    map[string]*tokenKey // by key id
}

// newCodec derives one AEAD per secret; the first secret seals, all of them open.
func newCodec(secrets []string) (*codec, error) {
	if len(secrets) == 0 {
		return nil, errors.New("no secret")
	}
	c := &codec{open: make(map[string]*tokenKey, len(secrets))}
	for i, secret := range secrets {
		id, k, err := deriveKey(secret)
		if err != nil {
			return nil, err
		}
		if i == 0 {
			c.sealKey = k
		}
		if _, dup := c.open[id]; !dup {
			c.open[id] = k
		}
	}
	return c, nil
}

// deriveKey turns a secret into a key id and an AES-256-GCM key, with domain separation.
func deriveKey(secret string) (string, *tokenKey, error) {
	block, err := aes.NewCipher(hmacSHA256(secret, tokenKeyLabel))
	if err != nil {
		return "", nil, fmt.Errorf("deriving the token key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return "", nil, fmt.Errorf("deriving the token key: %w", err)
	}
	id := string(hmacSHA256(secret, keyIDLabel)[:keyIDSize])
	header := string([]byte{tokenVersion}) + id
	return id, &tokenKey{aead: aead, header: header, adPrefix: header + purposeLabel,
		answerPrefix: header + answerLabel, statePrefix: header + stateLabel, signOutPrefix: header + signOutLabel,
		recordKey: hmacSHA256(secret, recordLabel)}, nil
}

func hmacSHA256(secret, label string) []byte {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(label))
	return mac.Sum(nil)
}

// seal returns a token for cl under a fresh random nonce, or the length
// of its plaintext when the token would be over maxTokenChars.
// (crypto/rand.Read never fails: it would crash the process instead.)
func seal(c *codec, cl *claims) (string, int) {
	plain := strconv.FormatInt(cl.createdMs*lifetimeScale+cl.lifetimeMs, 10) + "\n" + cl.clientIP + "\n" + cl.issuer + "\n" + cl.session
	if n := len(plain); n > maxPlainBytes {
		return "", n
	}
	out := make([]byte, tokenHeaderSize+nonceSize, tokenHeaderSize+nonceSize+len(plain)+tagSize)
	copy(out, c.sealKey.header)
	nonce := out[tokenHeaderSize:]
	_, _ = rand.Read(nonce)
	return base64.RawURLEncoding.EncodeToString(c.sealKey.aead.Seal(out, nonce, []byte(plain), []byte(c.sealKey.adPrefix+cl.target))), 0
}

// openToken authenticates and decrypts a token addressed to host.
// Every length is checked before any decryption.
func openToken(c *codec, token, host string) (*claims, error) {
	if len(token) > maxTokenChars {
		return nil, errTokenMalformed
	}
	raw, err := strictBase64.DecodeString(token)
	// The decoder skips CR and LF: a token holding them decodes to fewer
	// bytes than its length encodes.
	if err != nil || len(raw) < minTokenBytes || (len(raw)*8+5)/6 != len(token) {
		return nil, errTokenMalformed
	}
	if raw[0] != tokenVersion {
		return nil, errTokenVersion
	}
	k := c.open[string(raw[1:tokenHeaderSize])]
	if k == nil {
		return nil, errTokenKey
	}
	sealed := raw[tokenHeaderSize+nonceSize:]
	plain, err := k.aead.Open(sealed[:0], raw[tokenHeaderSize:tokenHeaderSize+nonceSize], sealed, []byte(k.adPrefix+host))
	if err != nil {
		return nil, errTokenOpen
	}
	f := strings.SplitN(string(plain), "\n", claimFields)
	if len(f) != claimFields {
		return nil, errTokenClaims
	}
	times, err := strconv.ParseInt(f[0], 10, 64)
	if err != nil || times%lifetimeScale <= 0 {
		return nil, errTokenClaims
	}
	return &claims{
		createdMs: times / lifetimeScale, lifetimeMs: times % lifetimeScale, target: host,
		clientIP: f[1], issuer: f[2], session: f[3], id: string(raw[tokenHeaderSize : tokenHeaderSize+nonceSize]),
	}, nil
}

// Which additional data a pull or sign-out token is sealed under.
const (
	pullAnswer = iota
	pullState
	signOutHop
)

// purposePrefix is the start of a pull or sign-out token's additional data under k.
func purposePrefix(k *tokenKey, purpose int) string {
	switch purpose {
	case pullState:
		return k.statePrefix
	case signOutHop:
		return k.signOutPrefix
	}
	return k.answerPrefix
}

// sealAs seals plain, the plaintext of a token of purpose (a pull answer,
// a pull state or a sign-out token), for host under the current key; ""
// when the token would be over maxTokenChars.
func sealAs(c *codec, purpose int, host, plain string) string {
	if len(plain) > maxPlainBytes {
		return ""
	}
	out := make([]byte, tokenHeaderSize+nonceSize, tokenHeaderSize+nonceSize+len(plain)+tagSize)
	copy(out, c.sealKey.header)
	nonce := out[tokenHeaderSize:]
	_, _ = rand.Read(nonce)
	return base64.RawURLEncoding.EncodeToString(c.sealKey.aead.Seal(out, nonce, []byte(plain), []byte(purposePrefix(c.sealKey, purpose)+host)))
}

// openAs authenticates and decrypts a token of purpose addressed
// to host, as openToken does a handoff token, and returns its plaintext
// and its nonce (the token's id for single use). seal and openToken keep
// their own copy of the envelope on purpose: calling this shared one from
// them cost the hand-off's sealing 9 and its redemption 19 interpreted
// allocations (make bench-compare: redemption 1.18 against its base).
func openAs(c *codec, purpose int, token, host string) (string, string, error) {
	if len(token) > maxTokenChars {
		return "", "", errTokenMalformed
	}
	raw, err := strictBase64.DecodeString(token)
	if err != nil || len(raw) < minTokenBytes || (len(raw)*8+5)/6 != len(token) {
		return "", "", errTokenMalformed
	}
	if raw[0] != tokenVersion {
		return "", "", errTokenVersion
	}
	k := c.open[string(raw[1:tokenHeaderSize])]
	if k == nil {
		return "", "", errTokenKey
	}
	sealed := raw[tokenHeaderSize+nonceSize:]
	id := string(raw[tokenHeaderSize : tokenHeaderSize+nonceSize])
	plain, err := k.aead.Open(sealed[:0], raw[tokenHeaderSize:tokenHeaderSize+nonceSize], sealed, []byte(purposePrefix(k, purpose)+host))
	if err != nil {
		return "", "", errTokenOpen
	}
	return string(plain), id, nil
}
