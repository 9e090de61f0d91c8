# The README names `make test` (unit and interpreter tests) and `make demo`.
GO ?= go

.PHONY: test unit interp lint e2e demo demo-screenshot traefik fuzz bench bench-profile bench-smoke vendor

test: lint unit interp

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' | grep -v '^vendor/')); \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	cd e2e && $(GO) vet ./...
	cd demo/app && $(GO) vet ./...

unit:
	$(GO) test -race -count=1 ./...
	cd demo/app && $(GO) test -count=1 ./...

# The plugin loaded by Traefik's interpreter (yaegi v0.16.1), in process.
interp:
	cd e2e && $(GO) test -count=1 ./interp/...

# Real Traefik (built once from source), real Chromium, real redis-server.
e2e: traefik
	cd e2e && TRAEFIK_BIN=$$(bash ../scripts/traefik.sh) $(GO) test -count=1 -timeout 40m ./...

traefik:
	@bash scripts/traefik.sh >/dev/null

# The browser journey through the real Traefik with the plugin: sign in on
# the shop, click the hand-off link, and save the signed-in checkout as
# docs/demo.png (1200x800). Only this target writes that file.
demo-screenshot: traefik
	cd e2e && CI=true DEMO_SCREENSHOT=docs/demo.png TRAEFIK_BIN=$$(bash ../scripts/traefik.sh) $(GO) test -count=1 -run '^TestChromium$$/click_the_hand-off_link' -v ./browser/

demo: traefik
	bash scripts/demo.sh

# Reports, never fails on a machine's speed (only on wrong answers): the
# compiled benchmarks, the plugin in the interpreter, and a load run through
# the pinned Traefik, all under e2e/out/bench/. About 5 minutes; see
# e2e/bench for BENCH_ROUNDS, BENCH_DURATION, BENCH_WARMUP, BENCH_CONCURRENCY.
bench: traefik
	mkdir -p e2e/out/bench
	$(GO) test -run XXX -bench . -benchmem . > e2e/out/bench/compiled.txt; s=$$?; cat e2e/out/bench/compiled.txt; exit $$s
	cd e2e && BENCH=1 $(GO) test -count=1 -run TestBenchReport -v ./interp/
	cd e2e && BENCH=1 TRAEFIK_BIN=$$(bash ../scripts/traefik.sh) $(GO) test -count=1 -timeout 30m -run TestThroughTraefik -v ./bench/
	@echo "reports: e2e/out/bench/compiled.txt, interp.md/.json, traefik.md/.json"

# CPU profiles of the pinned Traefik under load, one route at a time
# (BENCH_PROFILE, BENCH_PROFILE_DURATION): e2e/out/bench/profile-*.pprof and
# profile.md with Traefik's CPU time per request.
bench-profile: traefik
	cd e2e && BENCH_PROFILE=$${BENCH_PROFILE:-B,C2,R,E,D-clean,D-redis} TRAEFIK_BIN=$$(bash ../scripts/traefik.sh) $(GO) test -count=1 -timeout 30m -run TestProfileThroughTraefik -v ./bench/

# Both load benchmarks for a moment each, so that CI keeps them working:
# every route must answer as expected. Their figures mean nothing at this
# length, and they replace the reports in e2e/out/bench/.
bench-smoke: traefik
	cd e2e && BENCH=1 BENCH_ROUNDS=1 BENCH_DURATION=300ms BENCH_WARMUP=200ms BENCH_PROFILE=R,E BENCH_PROFILE_DURATION=1s TRAEFIK_BIN=$$(bash ../scripts/traefik.sh) $(GO) test -count=1 -timeout 5m -run 'TestThroughTraefik|TestProfileThroughTraefik' ./bench/

FUZZTIME ?= 60s
fuzz:
	$(GO) test -run XXX -fuzz FuzzOpenToken -fuzztime $(FUZZTIME) .
	$(GO) test -run XXX -fuzz FuzzLocation -fuzztime $(FUZZTIME) .

vendor:
	$(GO) mod tidy && $(GO) mod vendor
