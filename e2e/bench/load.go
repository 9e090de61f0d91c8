package bench

import (
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Target is one kind of request the load generator sends.
type Target struct {
	// Next returns the request to send next, or false when the target has
	// nothing more to send (a pool of single-use tokens ran out): the run
	// then ends early for every worker.
	Next func() (*http.Request, bool)
	// Check returns an error when a response is not the expected one; its
	// body has been read and is passed along.
	Check func(resp *http.Response, body []byte) error
}

// Sample is what one run of a target measured.
type Sample struct {
	// Requests is how many responses came back (expected or not).
	Requests int
	// Elapsed runs from the start until the last worker stopped.
	Elapsed time.Duration
	// Latencies holds one entry per response, from sending the request to
	// reading the whole body.
	Latencies []time.Duration
	// Unexpected counts responses Check refused; Errors counts requests that
	// got no response.
	Unexpected, Errors int
	// Problem describes the first unexpected response or error.
	Problem string
	// EndedEarly is true when Next ran out before the duration was over.
	EndedEarly bool
}

// RPS is the throughput: responses per second of elapsed time.
func (s Sample) RPS() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.Requests) / s.Elapsed.Seconds()
}

// Generator is a closed loop on loopback: each worker has its own
// keep-alive connection and sends its next request as soon as the previous
// answer is read. Connections live as long as the Generator, across runs.
type Generator struct {
	workers []*http.Transport
}

// NewGenerator returns a generator with the given number of workers.
func NewGenerator(concurrency int) *Generator {
	g := &Generator{workers: make([]*http.Transport, concurrency)}
	for i := range g.workers {
		g.workers[i] = &http.Transport{
			MaxIdleConns:        1,
			MaxIdleConnsPerHost: 1,
			DisableCompression:  true,
			IdleConnTimeout:     5 * time.Minute,
		}
	}
	return g
}

// Close closes the workers' connections.
func (g *Generator) Close() {
	for _, tr := range g.workers {
		tr.CloseIdleConnections()
	}
}

// Run sends target's requests from every worker for d, or until Next runs
// out, and returns what was measured.
func (g *Generator) Run(target Target, d time.Duration) Sample {
	var (
		stop      atomic.Bool
		exhausted atomic.Bool
		wg        sync.WaitGroup
		mu        sync.Mutex
		total     Sample
	)
	start := time.Now()
	deadline := start.Add(d)
	for _, tr := range g.workers {
		wg.Add(1)
		go func(tr *http.Transport) {
			defer wg.Done()
			s := work(tr, target, deadline, &stop, &exhausted)
			mu.Lock()
			defer mu.Unlock()
			total.Requests += s.Requests
			total.Latencies = append(total.Latencies, s.Latencies...)
			total.Unexpected += s.Unexpected
			total.Errors += s.Errors
			if total.Problem == "" {
				total.Problem = s.Problem
			}
		}(tr)
	}
	wg.Wait()
	total.Elapsed = time.Since(start)
	total.EndedEarly = exhausted.Load()
	return total
}

// work is one worker's loop.
func work(tr *http.Transport, target Target, deadline time.Time, stop, exhausted *atomic.Bool) Sample {
	s := Sample{Latencies: make([]time.Duration, 0, 4096)}
	for !stop.Load() && time.Now().Before(deadline) {
		req, ok := target.Next()
		if !ok {
			exhausted.Store(true)
			stop.Store(true)
			break
		}
		t0 := time.Now()
		resp, err := tr.RoundTrip(req)
		if err != nil {
			s.Errors++
			s.note(fmt.Sprintf("%s %s (Host %s): %v", req.Method, req.URL.Path, req.Host, err))
			continue
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		s.Latencies = append(s.Latencies, time.Since(t0))
		s.Requests++
		if err == nil {
			err = target.Check(resp, body)
		}
		if err != nil {
			s.Unexpected++
			s.note(fmt.Sprintf("%s %s (Host %s): %s: %v", req.Method, req.URL.Path, req.Host, resp.Status, err))
		}
	}
	return s
}

// note keeps the first problem.
func (s *Sample) note(problem string) {
	if s.Problem == "" {
		s.Problem = problem
	}
}
