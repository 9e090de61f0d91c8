package sessioninjector

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
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
// target host, so a token sealed for one host never opens on another.
const (
	tokenVersion    byte = 1
	keyIDSize            = 4
	nonceSize            = 12
	tagSize              = 16
	tokenIDSize          = 16
	tokenHeaderSize      = 1 + keyIDSize
	minTokenBytes        = tokenHeaderSize + nonceSize + tagSize
	maxTokenChars        = 8192
	maxSessionBytes      = 4096
	minSecretBytes       = 32
	claimFields          = 7
)

const (
	tokenKeyLabel = "sessioninjector v1 token key"
	keyIDLabel    = "sessioninjector v1 key id"
	purposeLabel  = "sessioninjector v1 handoff\x00"
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
	target     string // normalized host the token is for
	source     string // normalized host that sealed it
	clientIP   string // the client's address, empty when unbound
	id         string // unique id for single use
	session    string // the session cookie's value
}

// codec seals tokens under the current key and opens them under any configured key.
type codec struct {
	sealID   string
	sealAEAD cipher.AEAD
	open     map[string]cipher.AEAD
}

// newCodec derives one AEAD per secret; the first secret seals, all of them open.
func newCodec(secrets []string) (*codec, error) {
	if len(secrets) == 0 {
		return nil, errors.New("no secret")
	}
	c := &codec{open: make(map[string]cipher.AEAD, len(secrets))}
	for i, secret := range secrets {
		id, aead, err := deriveKey(secret)
		if err != nil {
			return nil, err
		}
		if i == 0 {
			c.sealID, c.sealAEAD = id, aead
		}
		if _, dup := c.open[id]; !dup {
			c.open[id] = aead
		}
	}
	return c, nil
}

// deriveKey turns a secret into a key id and an AES-256-GCM AEAD, with domain separation.
func deriveKey(secret string) (string, cipher.AEAD, error) {
	key := hmacSHA256(secret, tokenKeyLabel)
	block, err := aes.NewCipher(key)
	if err != nil {
		return "", nil, fmt.Errorf("deriving the token key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return "", nil, fmt.Errorf("deriving the token key: %w", err)
	}
	return string(hmacSHA256(secret, keyIDLabel)[:keyIDSize]), aead, nil
}

func hmacSHA256(secret, label string) []byte {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(label))
	return mac.Sum(nil)
}

// seal fills in a fresh id and returns the token for cl.
func (c *codec) seal(cl *claims) (string, error) {
	var random [nonceSize + tokenIDSize]byte
	if _, err := rand.Read(random[:]); err != nil {
		return "", fmt.Errorf("reading randomness: %w", err)
	}
	cl.id = hex.EncodeToString(random[nonceSize:])
	plain := cl.marshal()
	out := make([]byte, tokenHeaderSize, tokenHeaderSize+nonceSize+len(plain)+tagSize)
	out[0] = tokenVersion
	copy(out[1:], c.sealID)
	out = append(out, random[:nonceSize]...)
	out = c.sealAEAD.Seal(out, random[:nonceSize], plain, additionalData(out[:tokenHeaderSize], cl.target))
	return base64.RawURLEncoding.EncodeToString(out), nil
}

// openToken authenticates and decrypts a token addressed to host.
// Every length is checked before any decryption.
func (c *codec) openToken(token, host string) (*claims, error) {
	if len(token) > maxTokenChars || strings.ContainsAny(token, "\r\n") {
		return nil, errTokenMalformed
	}
	raw, err := strictBase64.DecodeString(token)
	if err != nil || len(raw) < minTokenBytes {
		return nil, errTokenMalformed
	}
	if raw[0] != tokenVersion {
		return nil, errTokenVersion
	}
	aead, ok := c.open[string(raw[1:tokenHeaderSize])]
	if !ok {
		return nil, errTokenKey
	}
	nonce := raw[tokenHeaderSize : tokenHeaderSize+nonceSize]
	plain, err := aead.Open(nil, nonce, raw[tokenHeaderSize+nonceSize:], additionalData(raw[:tokenHeaderSize], host))
	if err != nil {
		return nil, errTokenOpen
	}
	return unmarshalClaims(string(plain))
}

func additionalData(header []byte, host string) []byte {
	ad := make([]byte, 0, len(header)+len(purposeLabel)+len(host))
	ad = append(ad, header...)
	ad = append(ad, purposeLabel...)
	return append(ad, host...)
}

// marshal writes the claims as newline-separated fields, the session last:
// hosts, addresses, ids and cookie values never hold a newline.
func (cl *claims) marshal() []byte {
	return []byte(strings.Join([]string{
		strconv.FormatInt(cl.createdMs, 10),
		strconv.FormatInt(cl.lifetimeMs, 10),
		cl.target, cl.source, cl.clientIP, cl.id, cl.session,
	}, "\n"))
}

func unmarshalClaims(plain string) (*claims, error) {
	f := strings.SplitN(plain, "\n", claimFields)
	if len(f) != claimFields {
		return nil, errTokenClaims
	}
	created, err1 := strconv.ParseInt(f[0], 10, 64)
	lifetime, err2 := strconv.ParseInt(f[1], 10, 64)
	if err1 != nil || err2 != nil || lifetime <= 0 || f[2] == "" || len(f[5]) != 2*tokenIDSize {
		return nil, errTokenClaims
	}
	return &claims{
		createdMs: created, lifetimeMs: lifetime,
		target: f[2], source: f[3], clientIP: f[4], id: f[5], session: f[6],
	}, nil
}
