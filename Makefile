# The README names `make test` (unit and interpreter tests) and `make demo`.
GO ?= go

.PHONY: test unit interp lint e2e demo traefik fuzz bench vendor

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

demo: traefik
	bash scripts/demo.sh

FUZZTIME ?= 60s
fuzz:
	$(GO) test -run XXX -fuzz FuzzOpenToken -fuzztime $(FUZZTIME) .
	$(GO) test -run XXX -fuzz FuzzLocation -fuzztime $(FUZZTIME) .

vendor:
	$(GO) mod tidy && $(GO) mod vendor
