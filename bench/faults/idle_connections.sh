#!/usr/bin/env bash
# IDLE_CONNECTIONS idle keep-alive connections held open while paid requests are measured.
#
# l402d listens with max_connections 12000 and idle_timeout 10m. wrk measures paid requests
# (16 connections, IDLE_WRK_SECONDS) without idle connections; then bench/faults/
# idle_holder.py opens IDLE_CONNECTIONS connections, each asking for a free path once and then
# sending nothing; wrk measures again with them held. Checks: every idle connection was opened
# and is still open after the second run (l402d dropped none), paid requests all succeeded, and
# their p99 with the idle connections is within twice the p99 without them plus 20 ms, and
# l402d's resident memory grew by at most IDLE_MAX_KIB (32) KiB per idle connection. Reports
# l402d's RSS without, with and after the idle connections.
#
#   bench/faults/idle_connections.sh [BUILD_DIR]
#   environment: IDLE_CONNECTIONS (10000), IDLE_WRK_SECONDS (10), IDLE_MAX_KIB (32)
set -euo pipefail

fault=idle-connections
build=$(realpath -m "${1:-$(dirname "$0")/../../build}")
connections=${IDLE_CONNECTIONS:-10000}
wrk_seconds=${IDLE_WRK_SECONDS:-10}
max_kib=${IDLE_MAX_KIB:-32}
source "$(dirname "$0")/lib.sh"

[[ $(ulimit -n) -gt $((connections + 1000)) ]] ||
  ulimit -n $((connections + 2000)) 2>/dev/null ||
  die "ulimit -n is $(ulimit -n): too few descriptors for ${connections} connections"

start_upstream
cat >"${work}/l402d.yaml" <<YAML
data_dir: ${work}/l402d
listen:
  - address: 127.0.0.1:0
    max_connections: $((connections + 2000))
    idle_timeout: 10m
admin:
  address: 127.0.0.1:0
lightning:
  backend: devnet
  devnet: {dir: ${work}/l402d/devnet, listen: 127.0.0.1:0}
log: {format: text, level: warn, access_log: false}
services:
  - name: bench
    path: "/api/.*"
    upstream: ${upstream_url}
    free_paths: ["/api/quote"]
YAML
start_l402d
write_buyer_config "${l402d_ready}"
credential=$(buy /api/hello) || die "could not buy a token"
port=${gateway_url##*:}

paid_run() {  # NAME
  timeout $((wrk_seconds + 30)) wrk -t1 -c16 -d"${wrk_seconds}s" --latency \
    -H "Authorization: ${credential}" "${gateway_url}/api/hello" >"${work}/$1.wrk"
}
# Established connections to l402d's listener, as the kernel counts them.
established() {
  ss -Htn state established "( dport = :${port} )" | wc -l
}

paid_run without
rss_without=$(rss_mib "${l402d_pid}")

start holder python3 "${root}/bench/faults/idle_holder.py" 127.0.0.1 "${port}" \
  "${connections}" /api/quote 900
holder_pid=${started}
holder_ready=$(wait_for_line "${work}/holder.out" 300) ||
  die "the idle connections were not opened in 300 s: $(tail -n 5 "${work}/holder.log")"
held=$(number held <<<"${holder_ready}")
failed=$(number failed <<<"${holder_ready}")
open_seconds=$(sed -n 's/.*"seconds": *\([0-9.]*\).*/\1/p' <<<"${holder_ready}")
rss_with=$(rss_mib "${l402d_pid}")
established_before=$(established)

paid_run with
established_after=$(established)
rss_with_after=$(rss_mib "${l402d_pid}")
kill -TERM "${holder_pid}"
wait "${holder_pid}" 2>/dev/null || true
still_open=$(tail -n 1 "${work}/holder.out" | number still_open)
sleep 2
rss_after=$(rss_mib "${l402d_pid}")

read -r p50_without p99_without _ requests_without non2xx_without errors_without \
  < <(wrk_figures "${work}/without.wrk")
read -r p50_with p99_with max_with requests_with non2xx_with errors_with \
  < <(wrk_figures "${work}/with.wrk")
figures="held=${held}/${connections} (failed ${failed}, opened in ${open_seconds}s)"
figures+=" established=${established_before}->${established_after} still_open=${still_open}"
figures+=" paid_without: p50=${p50_without}ms p99=${p99_without}ms requests=${requests_without}"
figures+=" paid_with: p50=${p50_with}ms p99=${p99_with}ms max=${max_with}ms"
figures+=" requests=${requests_with} non2xx=$((non2xx_without + non2xx_with))"
figures+=" socket_errors=$((errors_without + errors_with))"
figures+=" rss_mib=${rss_without}->${rss_with}->${rss_with_after}->${rss_after}(released)"
kib_each=$(awk -v w="${rss_with}" -v o="${rss_without}" -v n="${connections}" \
  'BEGIN { printf "%.1f", (w - o) * 1024 / n }')
figures+=" kib_per_idle_connection=${kib_each} (limit ${max_kib})"
if [[ ${held} -eq ${connections} && ${still_open:-0} -eq ${connections} &&
  ${established_after} -ge ${connections} && ${requests_with} -gt 0 &&
  $((non2xx_without + non2xx_with + errors_without + errors_with)) -eq 0 ]] &&
  awk -v w="${p99_with}" -v o="${p99_without}" 'BEGIN { exit !(w <= 2 * o + 20) }' &&
  awk -v k="${kib_each}" -v m="${max_kib}" 'BEGIN { exit !(k <= m) }'; then
  verdict PASS "${figures}"
else
  verdict FAIL "${figures}"
fi
