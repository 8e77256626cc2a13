#!/bin/sh
# JMS benchmark over the ActiveMQ 5.17 client (Debian's libactivemq-java).
#
#   bench/jms/run.sh [-activemq] [JmsPerf options]
#
# -activemq first starts a throwaway ActiveMQ 5.17 broker (BenchBroker: Debian's
# stock configuration, KahaDB in a temporary directory) on a free loopback port
# and points -url at it; otherwise pass -url for the broker under test, e.g. a
# Junction OpenWire listener: bench/jms/run.sh -url tcp://127.0.0.1:61616 -size 1024.
# The classes are compiled once into a cache directory keyed by the sources.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
jars=${JMS_CLASSPATH:-/usr/share/activemq/lib/*}
log=/usr/share/java/slf4j-simple.jar
key=$(cat "$here"/*.java | sha256sum | cut -c1-16)
classes=${XDG_CACHE_HOME:-$HOME/.cache}/junction/jms-bench/$key
if [ ! -f "$classes/JmsPerf.class" ]; then
	mkdir -p "$classes.tmp.$$"
	javac -nowarn -encoding UTF-8 -cp "$jars" -d "$classes.tmp.$$" "$here"/*.java
	mv "$classes.tmp.$$" "$classes" 2>/dev/null || rm -rf "$classes.tmp.$$"
fi
cp="$classes:$jars:$log"

broker=
if [ "${1:-}" = "-activemq" ]; then
	shift
	data=$(mktemp -d)
	out=$data/broker.out
	java -Xmx1g -cp "$cp" -Dorg.slf4j.simpleLogger.defaultLogLevel=warn BenchBroker 0 "$data" >"$out" 2>"$data/broker.err" &
	broker=$!
	trap 'kill $broker 2>/dev/null; wait $broker 2>/dev/null; rm -rf "$data"' EXIT INT TERM
	i=0
	until grep -q '^READY ' "$out"; do
		i=$((i + 1))
		if [ $i -gt 300 ] || ! kill -0 $broker 2>/dev/null; then
			echo "ActiveMQ did not start:" >&2
			cat "$data/broker.err" >&2
			exit 1
		fi
		sleep 0.1
	done
	url=$(sed -n 's/^READY //p' "$out")
	echo "embedded ActiveMQ 5.17 at $url (KahaDB in $data)" >&2
	set -- -url "$url" "$@"
fi
java -Xmx1g -cp "$cp" -Dorg.slf4j.simpleLogger.defaultLogLevel=warn JmsPerf "$@"
