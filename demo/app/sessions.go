package main

import (
	"crypto/rand"
	"encoding/base64"
	"sync"
	"time"
)

// SessionCookie is the session cookie's name, the one the middleware
// carries across domains.
const SessionCookie = "_session_id"

// Session is one signed-in user, and where and when the app set its cookie.
type Session struct {
	Name string
	// Host is the host (without port) the app set the session cookie on.
	Host string
	// Issued is when the user signed in.
	Issued time.Time
}

// Arrival is the first request that brought a session's cookie to a host
// the app never set it on.
type Arrival struct {
	// URL is the address that request asked for: scheme, host, path, query.
	URL string
	At  time.Time
}

// arrivalKey names a session on one host.
type arrivalKey struct{ id, host string }

// Store holds the signed-in users by session ID, in memory, for both sites,
// and the hosts each session's cookie arrived on without the app setting it.
type Store struct {
	mu       sync.Mutex
	sessions map[string]Session
	arrivals map[arrivalKey]Arrival
}

// NewStore returns an empty store.
func NewStore() *Store {
	return &Store{sessions: map[string]Session{}, arrivals: map[arrivalKey]Arrival{}}
}

// Create starts a session for name whose cookie the app sets on host, and
// returns its ID: 32 random bytes in unpadded URL-safe base64, which is
// safe as a cookie value.
func (s *Store) Create(name, host string, now time.Time) (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	id := base64.RawURLEncoding.EncodeToString(b[:])
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sessions[id] = Session{Name: name, Host: host, Issued: now}
	return id, nil
}

// Get returns session id.
func (s *Store) Get(id string) (Session, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, ok := s.sessions[id]
	return sess, ok
}

// Arrive notes that session id's cookie came with a request for url on
// host, and returns the first such request on that host. It reports false,
// noting nothing, for an unknown session or the host the app set it on.
func (s *Store) Arrive(id, host, url string, now time.Time) (Arrival, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, ok := s.sessions[id]
	if !ok || sess.Host == host {
		return Arrival{}, false
	}
	key := arrivalKey{id: id, host: host}
	first, seen := s.arrivals[key]
	if !seen {
		first = Arrival{URL: url, At: now}
		s.arrivals[key] = first
	}
	return first, true
}

// Delete ends session id, on every host.
func (s *Store) Delete(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.sessions, id)
	for key := range s.arrivals {
		if key.id == id {
			delete(s.arrivals, key)
		}
	}
}
