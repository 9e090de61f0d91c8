package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// RequestInfo is what /_debug/request reports: the request as this backend
// received it, after Traefik and its middlewares.
type RequestInfo struct {
	Method     string `json:"method"`
	Host       string `json:"host"`
	RequestURI string `json:"requestURI"`
	RawQuery   string `json:"rawQuery"`
	Cookie     string `json:"cookie"`
}

// serveRequestInfo answers the request's URI, query and Cookie header as JSON.
func serveRequestInfo(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(RequestInfo{
		Method:     r.Method,
		Host:       r.Host,
		RequestURI: r.RequestURI,
		RawQuery:   r.URL.RawQuery,
		Cookie:     r.Header.Get("Cookie"),
	})
}

// serveEvents streams n server-sent events (default 5, at most 100), one
// every interval (default 200ms, at most 5s), flushing each.
func serveEvents(w http.ResponseWriter, r *http.Request) {
	n, err := boundedInt(r.URL.Query().Get("n"), 5, 100)
	if err != nil {
		http.Error(w, "n: "+err.Error(), http.StatusBadRequest)
		return
	}
	interval := 200 * time.Millisecond
	if s := r.URL.Query().Get("interval"); s != "" {
		interval, err = time.ParseDuration(s)
		if err != nil || interval < 0 || interval > 5*time.Second {
			http.Error(w, "interval: want a duration up to 5s", http.StatusBadRequest)
			return
		}
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	rc := http.NewResponseController(w)
	for i := 1; i <= n; i++ {
		if i > 1 {
			select {
			case <-time.After(interval):
			case <-r.Context().Done():
				return
			}
		}
		if _, err := fmt.Fprintf(w, "id: %d\ndata: event %d\n\n", i, i); err != nil {
			return
		}
		if err := rc.Flush(); err != nil {
			return
		}
	}
}

// boundedInt parses s as an integer in [0, limit], or returns def for "".
func boundedInt(s string, def, limit int) (int, error) {
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > limit {
		return 0, fmt.Errorf("%q: want an integer from 0 to %d", s, limit)
	}
	return n, nil
}
