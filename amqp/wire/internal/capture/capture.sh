#!/usr/bin/env bash
# Records the wire package's captures against a throwaway RabbitMQ node:
# Debian's rabbitmq-server on loopback port 25672 (epmd 14369, dist 35672),
# state in a temporary directory owned by the rabbitmq user, stopped and
# removed afterwards. Run from the repository root as root:
#   amqp/wire/internal/capture/capture.sh [scenario...]
# Needs: apt-get install rabbitmq-server python3-pika
set -euo pipefail
cd "$(dirname "$0")/../../../.."

base=$(mktemp -d /tmp/junction-rmq.XXXXXX)
mkdir -p "$base/mnesia" "$base/log"
echo '[].' >"$base/enabled_plugins"
cat >"$base/env.sh" <<ENV
export RABBITMQ_NODENAME=junction-capture@localhost
export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
export RABBITMQ_NODE_PORT=25672
export RABBITMQ_DIST_PORT=35672
export ERL_EPMD_PORT=14369
export RABBITMQ_MNESIA_BASE=$base/mnesia
export RABBITMQ_LOG_BASE=$base/log
export RABBITMQ_ENABLED_PLUGINS_FILE=$base/enabled_plugins
export RABBITMQ_PID_FILE=$base/rabbit.pid
export HOME=/var/lib/rabbitmq
ENV
chown -R rabbitmq:rabbitmq "$base"
chmod 755 "$base"

runuser -u rabbitmq -- bash -c ". $base/env.sh; exec /usr/lib/rabbitmq/bin/rabbitmq-server" >"$base/stdout.log" 2>&1 &
stop() {
  runuser -u rabbitmq -- bash -c ". $base/env.sh; /usr/lib/rabbitmq/bin/rabbitmqctl stop" >/dev/null 2>&1 || true
  runuser -u rabbitmq -- bash -c ". $base/env.sh; epmd -port 14369 -kill" >/dev/null 2>&1 || true
  rm -rf "$base"
}
trap stop EXIT
# The AMQP listener opens once the node has booted.
for i in $(seq 90); do
  if (exec 3<>/dev/tcp/127.0.0.1/25672) 2>/dev/null; then
    break
  fi
  if [ "$i" = 90 ]; then
    echo "RabbitMQ did not start; see $base/log" >&2
    cat "$base/stdout.log" >&2
    exit 1
  fi
  sleep 1
done

go run ./amqp/wire/internal/capture -broker 127.0.0.1:25672 -out amqp/wire/testdata/capture "$@"
