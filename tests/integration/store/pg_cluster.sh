#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for the store tests, on loopback only.
#
#   pg_cluster.sh start DIR    initdb a fresh cluster, start it on a free port of 127.0.0.1 and
#                              create the database "l402". Writes DIR/port and DIR/dsn
#                              ("host=127.0.0.1 port=N dbname=l402 user=postgres").
#   pg_cluster.sh stop DIR     stop it (fast, then immediate) and remove it and DIR.
#   pg_cluster.sh halt DIR     stop the server at once (-m immediate, as a crash), keep DIR.
#   pg_cluster.sh restart DIR  start a halted cluster again on the same port.
#
# Uses Debian's newest /usr/lib/postgresql/*/bin. The cluster itself (data, log, socket) lives
# in DIR/cluster, or, when run as root, in a fresh /tmp/l402-pg.* directory owned by the
# `postgres` system user, which runs the server: the checkout may sit where that user cannot
# reach (a home directory of mode 0700). DIR/cluster_dir names it. Every step is bounded in
# time.
set -euo pipefail

usage() {
  echo "usage: $0 start|stop|halt|restart DIR" >&2
  exit 2
}
[[ $# -eq 2 ]] || usage
command=$1
dir=$2

fail() {
  echo "pg_cluster: $*" >&2
  exit 1
}

bin_dir=""
for candidate in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V); do
  [[ -x "$candidate/initdb" && -x "$candidate/pg_ctl" ]] && bin_dir=$candidate
done
[[ -n "$bin_dir" ]] || fail "no PostgreSQL server in /usr/lib/postgresql/*/bin (run scripts/setup)"

# Runs a command as the cluster's owner: `postgres` when we are root, ourselves otherwise.
as_owner() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

free_port() {
  /usr/bin/env python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

# Where the cluster of DIR lives (empty when there is none).
cluster=""
[[ -f "$dir/cluster_dir" ]] && cluster=$(cat "$dir/cluster_dir")

start_server() {
  local port=$1
  as_owner timeout 40 "$bin_dir/pg_ctl" -D "$cluster/data" -l "$cluster/log" -w -t 30 \
    -o "-p $port" start >/dev/null
}

start() {
  # A cluster left by an aborted run: stop it and start afresh.
  if [[ -n "$cluster" ]]; then
    echo "pg_cluster: removing the cluster an earlier run left in $dir" >&2
    stop
  fi
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  if [[ $(id -u) -eq 0 ]]; then
    cluster=$(mktemp -d /tmp/l402-pg.XXXXXX)
    chown postgres: "$cluster"
  else
    cluster="$dir/cluster"
    mkdir -p "$cluster"
  fi
  echo "$cluster" >"$dir/cluster_dir"
  as_owner timeout 60 "$bin_dir/initdb" -D "$cluster/data" -U postgres -A trust -E UTF8 \
    --no-locale >"$dir/initdb.log" 2>&1 || fail "initdb failed: $(tail -5 "$dir/initdb.log")"
  # Only loopback TCP and a socket inside DIR; trust auth on 127.0.0.1 only.
  as_owner tee -a "$cluster/data/postgresql.conf" >/dev/null <<EOF
listen_addresses = '127.0.0.1'
unix_socket_directories = '$cluster'
fsync = on
max_connections = 200
log_min_messages = warning
EOF
  as_owner tee "$cluster/data/pg_hba.conf" >/dev/null <<EOF
local all all trust
host all all 127.0.0.1/32 trust
EOF
  # A port chosen now may be taken before the server binds it: try a few.
  local port attempt
  for attempt in 1 2 3 4 5; do
    port=$(free_port)
    if start_server "$port"; then
      echo "$port" >"$dir/port"
      echo "host=127.0.0.1 port=$port dbname=l402 user=postgres" >"$dir/dsn"
      as_owner timeout 30 "$bin_dir/psql" -X -q -h 127.0.0.1 -p "$port" -U postgres \
        -d postgres -c "CREATE DATABASE l402" >/dev/null || fail "CREATE DATABASE l402 failed"
      return 0
    fi
    echo "pg_cluster: start on port $port failed (attempt $attempt)" >&2
  done
  fail "could not start the cluster: $(tail -5 "$cluster/log" 2>/dev/null)"
}

restart() {
  [[ -f "$dir/port" ]] || fail "no cluster in $dir"
  start_server "$(cat "$dir/port")" || fail "restart failed: $(tail -5 "$cluster/log" 2>/dev/null)"
}

halt() {
  [[ -n "$cluster" && -d "$cluster/data" ]] || fail "no cluster in $dir"
  as_owner timeout 40 "$bin_dir/pg_ctl" -D "$cluster/data" -w -t 30 -m immediate stop >/dev/null
}

stop() {
  if [[ -n "$cluster" && -d "$cluster/data" ]]; then
    as_owner timeout 40 "$bin_dir/pg_ctl" -D "$cluster/data" -w -t 30 -m fast stop >/dev/null 2>&1 ||
      as_owner timeout 40 "$bin_dir/pg_ctl" -D "$cluster/data" -w -t 30 -m immediate stop \
        >/dev/null 2>&1 || true
    # A server still running now (pg_ctl hung) is killed by its pid.
    if [[ -f "$cluster/data/postmaster.pid" ]]; then
      local pid
      pid=$(head -1 "$cluster/data/postmaster.pid")
      if [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null; then
        kill -9 "$pid" 2>/dev/null || true
      fi
    fi
  fi
  # Only a directory this script made: DIR/cluster, or /tmp/l402-pg.*.
  if [[ -n "$cluster" && ( "$cluster" == "$dir/cluster" || "$cluster" == /tmp/l402-pg.* ) ]]; then
    rm -rf "$cluster"
  fi
  rm -rf "$dir"
}

case "$command" in
  start) start ;;
  stop) stop ;;
  halt) halt ;;
  restart) restart ;;
  *) usage ;;
esac
