package main

import (
	"crypto/rand"
	"encoding/base64"
	"sync"
)

// SessionCookie is the session cookie's name, the one the middleware
// carries across domains.
const SessionCookie = "_session_id"

// Store holds the signed-in users by session ID, in memory, for both sites.
type Store struct {
	mu    sync.Mutex
	names map[string]string
}

// NewStore returns an empty store.
func NewStore() *Store {
	return &Store{names: map[string]string{}}
}

// Create starts a session for name and returns its ID: 32 random bytes in
// unpadded URL-safe base64, which is safe as a cookie value.
func (s *Store) Create(name string) (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	id := base64.RawURLEncoding.EncodeToString(b[:])
	s.mu.Lock()
	defer s.mu.Unlock()
	s.names[id] = name
	return id, nil
}

// Name returns the user signed in with session id.
func (s *Store) Name(id string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	name, ok := s.names[id]
	return name, ok
}

// Delete ends session id.
func (s *Store) Delete(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.names, id)
}
