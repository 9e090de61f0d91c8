package sessioninjector

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log"
	"strconv"
	"strings"
	"sync"
	"time"
)

// paramChars are the URL-unreserved characters allowed in tokenParam.
const paramChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~"

// maxLifetime bounds tokenLifetime: a handoff token is meant to live seconds.
const maxLifetime = 10 * time.Minute

// parseDuration reads the duration key: "5s", "1m30s", or a bare number of
// seconds ("5", "1.5"), as strings and numbers arrive from every provider.
func parseDuration(key, s string, least, most time.Duration) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, fmt.Errorf("%s: must be set, for example \"5s\"", key)
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		seconds, errNum := strconv.ParseFloat(s, 64)
		if errNum != nil {
			return 0, fmt.Errorf("%s: %q is neither a duration like \"5s\" nor a number of seconds", key, s)
		}
		d = time.Duration(seconds * float64(time.Second))
	}
	if d < least || d > most {
		return 0, fmt.Errorf("%s: %q must be between %s and %s", key, s, least, most)
	}
	return d, nil
}

// secretList returns the sealing secret followed by the previous ones, each checked.
func secretList(secret string, previous []string, name string) ([]string, error) {
	secret = strings.TrimSpace(secret)
	if secret == "" {
		log.Printf("sessioninjector %q: no secret configured: using a random key for this process only; several Traefik instances need a shared secret", name)
		var err error
		if secret, err = processSecret(); err != nil {
			return nil, err
		}
	}
	if len(secret) < minSecretBytes {
		return nil, fmt.Errorf("secret: %d bytes is too short, at least %d are required", len(secret), minSecretBytes)
	}
	secrets := []string{secret}
	for i, s := range previous {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if len(s) < minSecretBytes {
			return nil, fmt.Errorf("previousSecrets[%d]: %d bytes is too short, at least %d are required", i, len(s), minSecretBytes)
		}
		secrets = append(secrets, s)
	}
	return secrets, nil
}

var (
	processSecretMu    sync.Mutex
	processSecretValue string
)

// processSecret is a random secret shared by every instance in this process,
// so that routers and configuration reloads agree on it.
func processSecret() (string, error) {
	processSecretMu.Lock()
	defer processSecretMu.Unlock()
	if processSecretValue == "" {
		var b [32]byte
		if _, err := rand.Read(b[:]); err != nil {
			return "", fmt.Errorf("secret: generating a random key: %w", err)
		}
		processSecretValue = hex.EncodeToString(b[:])
	}
	return processSecretValue, nil
}
