// Package bench measures the session injector under load: a closed-loop
// load generator for HTTP over loopback, the statistics it reports
// (percentiles, medians over rounds) and the report files it writes under
// e2e/out/bench/ (ignored by git).
//
// TestThroughTraefik, run with BENCH=1 (as `make bench` does), starts the
// pinned Traefik with the session injector and an empty plugin on routers
// side by side, loads them in interleaved rounds and writes traefik.md and
// traefik.json. It reports against the targets and fails only when a
// route got answers other than the expected ones. Variables:
//
//	BENCH_ROUNDS       rounds, every route once per round (5)
//	BENCH_DURATION     measured time per route per round (3s)
//	BENCH_WARMUP       unmeasured run of every route first (1s)
//	BENCH_CONCURRENCY  closed-loop workers, one keep-alive connection each (8)
//
// TestProfileThroughTraefik, run with BENCH_PROFILE=R,E (as `make
// bench-profile` does), loads the named routes one at a time with
// Traefik's CPU profiler on and writes profile-<route>.pprof and
// profile.md/.json with Traefik's CPU time per request;
// BENCH_PROFILE_DURATION (10s) is each route's load.
//
// The interpreter report in e2e/interp (TestBenchReport) uses the same
// report helpers and BENCH_ROUNDS.
package bench
