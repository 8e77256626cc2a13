#!/usr/bin/env bash
# Installs everything the test suite needs on a fresh Debian machine with Go:
# Debian packages (spec XML for code generation, real client libraries),
# Go modules, and pinned Go tools under ./.tools/bin. Idempotent and quiet
# when everything is already present.
set -euo pipefail
cd "$(dirname "$0")/.."

# Packages make test needs. rabbitmq-server is installed by the bench
# scripts that use it, not here.
# amqp-specs: the XML the AMQP codec is generated from (the regeneration test
# reads it); python3-pika, python3-amqplib, python3-stomp: second client
# libraries; libactivemq-java (+ a JDK): the ActiveMQ JMS client and its
# selector parser, which tests compare against.
# libslf4j-java gives the ActiveMQ client a logger in the JMS suite.
# activemq: the real ActiveMQ 5.17 broker (its jars, run embedded), which
# the Go OpenWire client's tests run against besides Junction; its service
# stays off (no instance is enabled by the package).
# chromium: the headless browser the web console's end-to-end test drives
# (with playwright-core from npm, installed below).
packages=(amqp-specs python3-pika python3-amqplib python3-stomp libactivemq-java libslf4j-java activemq chromium)
if ! command -v javac >/dev/null 2>&1; then
  packages+=(openjdk-17-jdk-headless)
fi
if [ "${JUNCTION_DEPS_EXTRA:-}" != "" ]; then
  # shellcheck disable=SC2206
  packages+=(${JUNCTION_DEPS_EXTRA})
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing Debian packages: ${missing[*]}"
  sudo_cmd=""
  if [ "$(id -u)" != 0 ]; then sudo_cmd="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  if ! $sudo_cmd apt-get install -y --no-install-recommends "${missing[@]}" >/tmp/junction-apt.log 2>&1; then
    $sudo_cmd apt-get update >/tmp/junction-apt-update.log 2>&1 || true
    $sudo_cmd apt-get install -y --no-install-recommends "${missing[@]}" >/tmp/junction-apt.log 2>&1 || {
      tail -20 /tmp/junction-apt.log; exit 1; }
  fi
fi

go mod download

mkdir -p .tools/bin
if [ ! -x .tools/bin/staticcheck ] || ! .tools/bin/staticcheck -version 2>/dev/null | grep -q '0.8.2'; then
  echo "deps: installing staticcheck v0.8.2"
  GOBIN="$PWD/.tools/bin" go install honnef.co/go/tools/cmd/staticcheck@v0.8.2
fi

# playwright-core (pinned in test/console/package-lock.json) drives
# Debian's chromium in the console's end-to-end test; it needs Node.js 20+.
if [ ! -d test/console/node_modules/playwright-core ]; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "deps: npm is missing; install Node.js 20 or newer with npm" >&2
    exit 1
  fi
  echo "deps: npm ci in test/console"
  (cd test/console && npm ci --no-audit --no-fund >/tmp/junction-npm.log 2>&1) || { tail -20 /tmp/junction-npm.log; exit 1; }
fi
