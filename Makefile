# The README names `make test` (unit and interpreter tests) and `make demo`.
GO ?= go

# The pinned Traefik for e2e, demo and the benchmarks through Traefik:
# $(TRAEFIK_BIN) when given, else built from source once by
# scripts/traefik.sh (cached outside the repository). Only the recipes that
# use it evaluate it, once per make run: `make test` never builds Traefik.
ifeq ($(origin TRAEFIK_BIN),undefined)
TRAEFIK_BIN = $(eval TRAEFIK_BIN := $$(or $$(shell bash $(CURDIR)/scripts/traefik.sh | tail -n 1),$$(error scripts/traefik.sh gave no Traefik binary)))$(TRAEFIK_BIN)
endif

# golangci-lint, pinned: .ci/run installs this version (make -s golangci-lint-version).
GOLANGCI_LINT ?= golangci-lint
GOLANGCI_LINT_VERSION := v2.15.0

.PHONY: test unit interp lint golangci-lint-version e2e demo demo-screenshot traefik fuzz bench bench-profile bench-smoke bench-compare vendor

test: lint unit interp

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' | grep -v '^vendor/')); \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	cd e2e && $(GO) vet ./...
	cd demo/app && $(GO) vet ./...
	@v=$$($(GOLANGCI_LINT) version --short 2>/dev/null); \
	  if [ "$${v#v}" != "$(GOLANGCI_LINT_VERSION:v%=%)" ]; then \
	    echo "golangci-lint $(GOLANGCI_LINT_VERSION) is needed (found: $${v:-none}):"; \
	    echo "  go install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION)"; exit 1; fi
	$(GOLANGCI_LINT) run -c $(CURDIR)/.golangci.yml ./...
	cd e2e && $(GOLANGCI_LINT) run -c $(CURDIR)/.golangci.yml ./...
	cd demo/app && $(GOLANGCI_LINT) run -c $(CURDIR)/.golangci.yml ./...

golangci-lint-version:
	@echo $(GOLANGCI_LINT_VERSION)

unit:
	$(GO) test -race -count=1 ./...
	cd demo/app && $(GO) test -count=1 ./...

# The plugin loaded by Traefik's interpreter (yaegi v0.16.1), in process.
interp:
	cd e2e && $(GO) test -count=1 ./interp/...

# Real Traefik (built once from source), real Chromium, real redis-server.
e2e:
	cd e2e && TRAEFIK_BIN=$(TRAEFIK_BIN) $(GO) test -count=1 -timeout 40m ./...

# Builds the pinned Traefik if needed and prints its path.
traefik:
	@echo $(TRAEFIK_BIN)

# The browser journey through the real Traefik with the plugin: sign in on
# the shop, click the hand-off link, and save the signed-in checkout as
# docs/demo.png (1200x800). Only this target writes that file.
demo-screenshot:
	cd e2e && CI=true DEMO_SCREENSHOT=docs/demo.png TRAEFIK_BIN=$(TRAEFIK_BIN) $(GO) test -count=1 -run '^TestChromium$$/click_the_hand-off_link' -v ./browser/

# The demo app behind Traefik with the plugin of this checkout (e2e/cmd/demo).
demo:
	cd e2e && $(GO) build -o out/demo ./cmd/demo && out/demo -traefik $(TRAEFIK_BIN)

# Reports, never fails on a machine's speed (only on wrong answers): the
# compiled benchmarks, the plugin in the interpreter, and a load run through
# the pinned Traefik, all under e2e/out/bench/. About 5 minutes; see
# e2e/bench for BENCH_ROUNDS, BENCH_DURATION, BENCH_WARMUP, BENCH_CONCURRENCY.
bench:
	mkdir -p e2e/out/bench
	$(GO) test -run XXX -bench . -benchmem . > e2e/out/bench/compiled.txt; s=$$?; cat e2e/out/bench/compiled.txt; exit $$s
	cd e2e && BENCH=1 $(GO) test -count=1 -run TestBenchReport -v ./interp/
	cd e2e && BENCH=1 TRAEFIK_BIN=$(TRAEFIK_BIN) $(GO) test -count=1 -timeout 30m -run TestThroughTraefik -v ./bench/
	@echo "reports: e2e/out/bench/compiled.txt, interp.md/.json, traefik.md/.json"

# The interpreter benchmark (e2e/out/bench/interp.md's paths, µs over the
# empty plugin, allocations) of the working tree against BASE, any git
# revision (default HEAD~1), both loaded side by side in one process, rounds
# interleaved: per path base µs, new µs, new/base and allocations, also
# written to e2e/out/bench/compare.md. Reports, never fails on speed; a few
# minutes with BENCH_ROUNDS=5 (the default).
BASE ?= HEAD~1
bench-compare:
	cd e2e && BENCH_BASE=$(BASE) $(GO) test -count=1 -timeout 30m -run 'TestBenchCompare$$' -v ./interp/

# CPU profiles of the pinned Traefik under load, one route at a time
# (BENCH_PROFILE, BENCH_PROFILE_DURATION): e2e/out/bench/profile-*.pprof and
# profile.md with Traefik's CPU time per request.
bench-profile:
	cd e2e && BENCH_PROFILE=$${BENCH_PROFILE:-B,C2,R,E,D-clean,D-redis} TRAEFIK_BIN=$(TRAEFIK_BIN) $(GO) test -count=1 -timeout 30m -run TestProfileThroughTraefik -v ./bench/

# Both load benchmarks for a moment each, so that CI keeps them working:
# every route must answer as expected. Their figures mean nothing at this
# length, and they replace the reports in e2e/out/bench/.
bench-smoke:
	cd e2e && BENCH=1 BENCH_ROUNDS=1 BENCH_DURATION=300ms BENCH_WARMUP=200ms BENCH_PROFILE=R,E BENCH_PROFILE_DURATION=1s TRAEFIK_BIN=$(TRAEFIK_BIN) $(GO) test -count=1 -timeout 5m -run 'TestThroughTraefik|TestProfileThroughTraefik' ./bench/

FUZZTIME ?= 60s
fuzz:
	$(GO) test -run XXX -fuzz FuzzOpenToken -fuzztime $(FUZZTIME) .
	$(GO) test -run XXX -fuzz FuzzLocation -fuzztime $(FUZZTIME) .
	$(GO) test -run XXX -fuzz FuzzPullEndpoint -fuzztime $(FUZZTIME) .
	$(GO) test -run XXX -fuzz FuzzSignOutEndpoint -fuzztime $(FUZZTIME) .
	$(GO) test -run XXX -fuzz FuzzSignOutChain -fuzztime $(FUZZTIME) .

vendor:
	$(GO) mod tidy && $(GO) mod vendor
