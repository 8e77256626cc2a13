#!/usr/bin/env bash
# Runs every fuzz target in the module for the given time each (default
# 30s): go test allows one -fuzz target per package run, so each is run on
# its own. New crashers land in the package's testdata/fuzz/ as regression
# seeds, which plain `go test` then replays.
set -euo pipefail
fuzztime=${1:-30s}
cd "$(dirname "$0")/.."
status=0
while IFS=: read -r file name; do
  pkg=./$(dirname "$file")
  echo "== $pkg $name ($fuzztime)"
  if ! go test -run '^$' -fuzz "^${name}\$" -fuzztime "$fuzztime" "$pkg"; then
    status=1
  fi
done < <(git ls-files '*_test.go' | xargs grep -Ho '^func Fuzz[A-Za-z0-9_]*' | sed 's/func //' | sort -u)
exit $status
