#!/bin/sh
# Recompiles the capture programs and rewrites testdata/captures from the
# Debian ActiveMQ 5.17.2 jars (apt-get install activemq).
# Usage: testdata/java/capture.sh [FORMAT...]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cp="/usr/share/activemq/lib/*:/usr/share/activemq/lib/optional/*"
build=$(mktemp -d)
trap 'rm -rf "$build"' EXIT
javac -nowarn -cp "$cp" -d "$build" "$here"/*.java
java -cp "$build:$cp" -Dorg.slf4j.simpleLogger.defaultLogLevel=warn Capture "$here/../captures" "$@"
