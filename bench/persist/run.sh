#!/bin/bash
# Persistence benchmarks (see README.md in this directory):
#
#   amqp     persistent 1 KB messages, publisher confirms (100 in flight), one
#            consumer (prefetch 100), durable queue: Junction, then Debian's
#            RabbitMQ 3.10 (a throwaway node run as user rabbitmq; needs root)
#   jms      persistent JMS sync sends, 1 producer / 1 consumer, 1 KB:
#            Junction, then ActiveMQ 5.17 with KahaDB (bench/jms/run.sh -activemq)
#   restart  Junction with MESSAGES persistent 1 KB messages queued: time from
#            process start to the "recovered durable state" log line and to
#            the AMQP port accepting, RSS after recovery, after a clean stop
#            and after kill -9; disk bytes per message (du of the store)
#
#   bench/persist/run.sh [amqp] [jms] [restart]        # default: all three
#
# Environment: DURATION (seconds, default 20), MESSAGES (default 1000000),
# SIZE (default 1024), WORK (scratch directory, default a new temp dir),
# COLD=1 also drops the page cache before each timed start (needs root).
# Run each broker alone: nothing else should load the machine.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
DURATION=${DURATION:-20}
MESSAGES=${MESSAGES:-1000000}
SIZE=${SIZE:-1024}
WORK=${WORK:-$(mktemp -d /tmp/junction-persist.XXXXXX)}
mkdir -p "$WORK"
AMQP_PORT=5691
OPENWIRE_PORT=61691
RMQ_PORT=5692

sections=("$@")
[ ${#sections[@]} -eq 0 ] && sections=(amqp jms restart)

log() { echo "== $*" >&2; }
result() { echo "$*" | tee -a "$WORK/results.txt"; }

log "building junction, junction-perf and fill into $WORK/bin"
(cd "$repo" && go build -o "$WORK/bin/junction" ./cmd/junction &&
	go build -o "$WORK/bin/junction-perf" ./cmd/junction-perf &&
	go build -o "$WORK/bin/fill" ./bench/persist/fill)

junction_pid=
# start_junction DATA_DIR LOG: starts Junction (AMQP and OpenWire on the
# benchmark ports) and waits until it logs "Junction started".
start_junction() {
	"$WORK/bin/junction" --data-dir "$1" --amqp-listen 127.0.0.1:$AMQP_PORT \
		--openwire-listen 127.0.0.1:$OPENWIRE_PORT --stomp-listen "" --http-listen "" >/dev/null 2>"$2" &
	junction_pid=$!
	for _ in $(seq 1 6000); do
		grep -q 'msg="Junction started"' "$2" && return 0
		kill -0 $junction_pid 2>/dev/null || { cat "$2" >&2; return 1; }
		sleep 0.05
	done
	echo "Junction did not start" >&2
	return 1
}

stop_junction() {
	kill -TERM $junction_pid 2>/dev/null || true
	wait $junction_pid 2>/dev/null || true
	junction_pid=
}

rmq() { runuser -u rabbitmq -- bash -c ". $WORK/rmq/env.sh; $*"; }

start_rabbitmq() {
	mkdir -p "$WORK/rmq/mnesia" "$WORK/rmq/log"
	cat >"$WORK/rmq/env.sh" <<EOF
export RABBITMQ_NODENAME=persistbench@localhost
export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
export RABBITMQ_NODE_PORT=$RMQ_PORT
export RABBITMQ_DIST_PORT=25692
export ERL_EPMD_PORT=14392
export RABBITMQ_MNESIA_BASE=$WORK/rmq/mnesia
export RABBITMQ_LOG_BASE=$WORK/rmq/log
export RABBITMQ_ENABLED_PLUGINS_FILE=$WORK/rmq/enabled_plugins
export RABBITMQ_PID_FILE=$WORK/rmq/rabbit.pid
export RABBITMQ_CONFIG_FILE=$WORK/rmq/rabbitmq
export HOME=/var/lib/rabbitmq
EOF
	echo '[].' >"$WORK/rmq/enabled_plugins"
	: >"$WORK/rmq/rabbitmq.conf"
	chown -R rabbitmq:rabbitmq "$WORK/rmq"
	chmod o+x "$WORK"
	rmq "exec /usr/lib/rabbitmq/bin/rabbitmq-server" >"$WORK/rmq/out.txt" 2>&1 &
	sleep 2
	rmq "/usr/lib/rabbitmq/bin/rabbitmqctl await_startup" >/dev/null
}

stop_rabbitmq() {
	rmq "/usr/lib/rabbitmq/bin/rabbitmqctl stop" >/dev/null 2>&1 || true
}

perf() {
	"$WORK/bin/junction-perf" -uri "$1" -persistent -confirm 100 -size "$SIZE" -prefetch 100 \
		-duration "${DURATION}s" -quiet
}

if [[ " ${sections[*]} " == *" amqp "* ]]; then
	log "AMQP: Junction"
	start_junction "$WORK/amqp-junction" "$WORK/amqp-junction.log"
	result "amqp junction $(perf amqp://guest:guest@127.0.0.1:$AMQP_PORT/)"
	stop_junction
	log "AMQP: RabbitMQ 3.10"
	start_rabbitmq
	result "amqp rabbitmq $(perf amqp://guest:guest@127.0.0.1:$RMQ_PORT/)"
	stop_rabbitmq
fi

if [[ " ${sections[*]} " == *" jms "* ]]; then
	log "JMS: Junction"
	start_junction "$WORK/jms-junction" "$WORK/jms-junction.log"
	result "jms junction $("$repo/bench/jms/run.sh" -url tcp://127.0.0.1:$OPENWIRE_PORT -size "$SIZE" -persistent -duration "$DURATION" -quiet)"
	stop_junction
	log "JMS: ActiveMQ 5.17 (KahaDB)"
	result "jms activemq $("$repo/bench/jms/run.sh" -activemq -size "$SIZE" -persistent -duration "$DURATION" -quiet)"
fi

# ms_now prints the wall clock in milliseconds.
ms_now() { date +%s%3N; }

# timed_start DATA LOG OUT: starts Junction on a recovered store and writes
# to OUT the milliseconds to the "recovered durable state" line (by its own timestamp)
# and to the AMQP port accepting a connection, then RSS after recovery.
timed_start() {
	[ "${COLD:-}" = 1 ] && sync && echo 3 >/proc/sys/vm/drop_caches
	local t0 tacc pid
	t0=$(ms_now)
	"$WORK/bin/junction" --data-dir "$1" --amqp-listen 127.0.0.1:$AMQP_PORT \
		--openwire-listen "" --stomp-listen "" --http-listen "" >/dev/null 2>"$2" &
	pid=$!
	junction_pid=$pid
	until (exec 3<>/dev/tcp/127.0.0.1/$AMQP_PORT) 2>/dev/null; do
		kill -0 $pid 2>/dev/null || { cat "$2" >&2; return 1; }
		sleep 0.005
	done
	tacc=$(ms_now)
	local line ts trec
	line=$(grep 'msg="recovered durable state"' "$2")
	ts=$(sed -n 's/^time=\([^ ]*\) .*/\1/p' <<<"$line")
	trec=$(date -d "$ts" +%s%3N)
	sleep 2
	local rss hwm
	rss=$(awk '/^VmRSS/ {print $2}' /proc/$pid/status)
	hwm=$(awk '/^VmHWM/ {print $2}' /proc/$pid/status)
	echo >"$3" "{\"recovered_ms\":$((trec - t0)),\"amqp_accepting_ms\":$((tacc - t0)),\"rss_kib\":$rss,\"peak_rss_kib\":$hwm,\"log\":\"$(sed 's/.*msg="recovered durable state" //' <<<"$line")\"}"
}

if [[ " ${sections[*]} " == *" restart "* ]]; then
	data=$WORK/restart
	rm -rf "$data"
	log "restart: filling $data with $MESSAGES persistent $SIZE-byte messages"
	start_junction "$data" "$WORK/restart-fill.log"
	result "fill $("$WORK/bin/fill" -uri amqp://guest:guest@127.0.0.1:$AMQP_PORT/ -count "$MESSAGES" -size "$SIZE")"
	stop_junction
	bytes=$(du -sb "$data/store" | cut -f1)
	result "disk {\"store_bytes\":$bytes,\"messages\":$MESSAGES,\"bytes_per_message\":$((bytes / MESSAGES)),\"segments\":$(ls "$data/store" | grep -c '\.jnl$')}"
	log "restart after a clean stop"
	timed_start "$data" "$WORK/restart-clean.log" "$WORK/restart-clean.json"
	result "restart-clean $(cat "$WORK/restart-clean.json")"
	log "restart after kill -9"
	kill -KILL $junction_pid
	wait $junction_pid 2>/dev/null || true
	timed_start "$data" "$WORK/restart-kill9.log" "$WORK/restart-kill9.json"
	result "restart-kill9 $(cat "$WORK/restart-kill9.json")"
	stop_junction
fi

log "results in $WORK/results.txt"
