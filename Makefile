# Junction's build, test and benchmark entry points.
GO ?= go
TOOLS := $(CURDIR)/.tools/bin
TEST_TIMEOUT ?= 14m

.PHONY: run build deps generate check-generated vet staticcheck test test-short fuzz bench test-jms-activemq test-amqp-rabbitmq test-crash-long bench-persist bench-compare bench-compare-quick

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

# The JMS suite against a real embedded ActiveMQ 5.17 (proves the suite
# tests real behaviour). Needs Debian's activemq package.
test-jms-activemq:
	JUNCTION_DEPS_EXTRA=activemq ./scripts/deps.sh
	JMS_TEST_ACTIVEMQ=1 $(GO) test -count=1 ./test/jms/

# The AMQP suite against a running RabbitMQ (see test/amqp091/README.md).
test-amqp-rabbitmq:
	AMQP_TEST_URL=$${AMQP_TEST_URL:-amqp://guest:guest@127.0.0.1:5673/} $(GO) test -count=1 ./test/amqp091/

# The crash test's long form: 50 kill -9 rounds and 40 torn-tail cases
# (about 5 minutes; test/crash/README.md has the knobs).
test-crash-long:
	JUNCTION_LONG=1 $(GO) test -count=1 -timeout 30m ./test/crash/

# Persistence figures side by side with RabbitMQ and ActiveMQ (needs root
# for the RabbitMQ node; bench/persist/README.md).
bench-persist:
	JUNCTION_DEPS_EXTRA="activemq rabbitmq-server" ./scripts/deps.sh
	bench/persist/run.sh

# Junction vs RabbitMQ vs ActiveMQ on this machine -> docs/benchmarks.md
# and docs/benchmarks.png (needs root for the RabbitMQ node and a quiet
# machine; about 55 minutes). bench/compare/README.md has the options.
bench-compare:
	JUNCTION_DEPS_EXTRA="activemq rabbitmq-server" ./scripts/deps.sh
	$(GO) run ./bench/compare -amqp-client amqp091,lean

# A smoke check of the comparison harness (about 8 minutes).
bench-compare-quick:
	JUNCTION_DEPS_EXTRA="activemq rabbitmq-server" ./scripts/deps.sh
	$(GO) run ./bench/compare -quick
