# Junction's build, test and benchmark entry points.
GO ?= go
TOOLS := $(CURDIR)/.tools/bin
TEST_TIMEOUT ?= 14m

.PHONY: run build deps generate check-generated vet staticcheck test test-short fuzz bench

# Run the broker with embedded defaults: data in ./data, standard ports.
run:
	$(GO) run ./cmd/junction

build:
	$(GO) build -o bin/junction ./cmd/junction

# Install Debian packages, Go modules and pinned tools the tests need.
deps:
	./scripts/deps.sh

generate:
	$(GO) generate ./...

vet:
	$(GO) vet ./...

staticcheck: deps
	$(TOOLS)/staticcheck ./...

# The whole suite, installing what it needs first. CI calls this.
test: deps
	test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo 'gofmt needed'; exit 1; }
	$(GO) vet ./...
	$(TOOLS)/staticcheck ./...
	$(GO) test -timeout $(TEST_TIMEOUT) ./...

test-short:
	$(GO) test -short ./...

# Each fuzz target for FUZZTIME (default 30s).
FUZZTIME ?= 30s
fuzz:
	./scripts/fuzz.sh $(FUZZTIME)

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...
