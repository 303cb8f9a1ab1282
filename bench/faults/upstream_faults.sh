#!/usr/bin/env bash
# A slow upstream and a dead upstream next to a healthy one.
#
# Three paid services on one l402d: `slow` (the demo upstream's /slow?ms=3000 behind an
# upstream_timeout of 1 s), `down` (a port nobody listens on) and `bench` (/api/hello). Checks,
# with a token for each:
#   - a slow request is 504 after the timeout (not after 3 s), a dead one 502 at once;
#   - while wrk keeps 64 connections on `slow` and 16 on `down` for UPSTREAM_FAULT_SECONDS,
#     paid requests to `bench` (16 connections) all succeed and their p99 stays within 4 times
#     its p99 without faults plus 50 ms (a starved I/O thread would hold them for the 1 s
#     timeout);
#   - every faulty request failed (504 / 502), none took longer than the timeout plus 1 s;
#   - l402d's RSS after a second round of faults is within 5 % + 2 MiB of its RSS after the
#     first (the first round brings the allocator to its working size).
#
#   bench/faults/upstream_faults.sh [BUILD_DIR]   environment: UPSTREAM_FAULT_SECONDS (10)
set -euo pipefail

fault=upstream-faults
build=$(realpath -m "${1:-$(dirname "$0")/../../build}")
fault_seconds=${UPSTREAM_FAULT_SECONDS:-10}
source "$(dirname "$0")/lib.sh"

start_upstream
cat >"${work}/l402d.yaml" <<YAML
data_dir: ${work}/l402d
listen:
  - address: 127.0.0.1:0
admin:
  address: 127.0.0.1:0
lightning:
  backend: devnet
  devnet: {dir: ${work}/l402d/devnet, listen: 127.0.0.1:0}
log: {format: text, level: error, access_log: false}
services:
  - name: slow
    path: "/api/slow"
    upstream: ${upstream_url}
    upstream_timeout: 1s
  - name: down
    path: "/api/down/.*"
    upstream: http://127.0.0.1:$(free_port)
  - name: bench
    path: "/api/.*"
    upstream: ${upstream_url}
YAML
start_l402d
write_buyer_config "${l402d_ready}"
slow_url="${gateway_url}/api/slow?ms=3000"
down_url="${gateway_url}/api/down/hello"
healthy_url="${gateway_url}/api/hello"
slow_token=$(buy "/api/slow") || die "could not buy a token for slow"
down_token=$(buy "/api/down/hello") || die "could not buy a token for down"
healthy_token=$(buy "/api/hello") || die "could not buy a token for bench"

# ---- one request of each, timed

read -r slow_code slow_time < <(curl -s -o /dev/null --max-time 10 \
  -w '%{http_code} %{time_total}\n' -H "Authorization: ${slow_token}" "${slow_url}")
read -r down_code down_time < <(curl -s -o /dev/null --max-time 10 \
  -w '%{http_code} %{time_total}\n' -H "Authorization: ${down_token}" "${down_url}")
single_ok=$(awk -v sc="${slow_code}" -v st="${slow_time}" -v dc="${down_code}" -v dt="${down_time}" \
  'BEGIN { print (sc == 504 && st >= 0.9 && st < 2.0 && dc == 502 && dt < 0.5) }')

# ---- paid requests alone, then next to the faults (two rounds)

healthy_run() {  # NAME: wrk on the healthy service, FAULT_SECONDS long
  timeout $((fault_seconds + 30)) wrk -t1 -c16 -d"${fault_seconds}s" --latency \
    -H "Authorization: ${healthy_token}" "${healthy_url}" >"${work}/$1.wrk"
}
healthy_run baseline
rss_start=$(rss_mib "${l402d_pid}")

fault_round() {  # N: the faults and the healthy load at once
  start "slow$1" wrk -t1 -c64 -d"${fault_seconds}s" --timeout 10s --latency \
    -H "Authorization: ${slow_token}" "${slow_url}"
  local slow_pid=${started}
  start "down$1" wrk -t1 -c16 -d"${fault_seconds}s" --latency \
    -H "Authorization: ${down_token}" "${down_url}"
  local down_pid=${started}
  healthy_run "healthy$1"
  wait "${slow_pid}" "${down_pid}"
}
fault_round 1
rss_round1=$(rss_mib "${l402d_pid}")
fault_round 2
rss_round2=$(rss_mib "${l402d_pid}")

read -r _ base_p99 _ base_requests base_non2xx base_errors < <(wrk_figures "${work}/baseline.wrk")
failures=0
bad=0
for round in 1 2; do
  read -r p50 p99 max requests non2xx errors < <(wrk_figures "${work}/healthy${round}.wrk")
  healthy_p99[round]=${p99}
  healthy_figures[round]="p50=${p50}ms p99=${p99}ms max=${max}ms requests=${requests}"
  [[ ${requests} -gt 0 && ${non2xx} -eq 0 && ${errors} -eq 0 ]] || bad=$((bad + 1))
  awk -v p="${p99}" -v b="${base_p99}" 'BEGIN { exit !(p <= 4 * b + 50) }' || bad=$((bad + 1))
  read -r _ slow_p99 slow_max slow_requests slow_non2xx _ < <(wrk_figures "${work}/slow${round}.out")
  read -r _ down_p99 down_max down_requests down_non2xx _ < <(wrk_figures "${work}/down${round}.out")
  # Every faulty request answered, with an error, within the timeout plus a second.
  [[ ${slow_requests} -gt 0 && ${slow_non2xx} -eq ${slow_requests} &&
    ${down_requests} -gt 0 && ${down_non2xx} -eq ${down_requests} ]] || bad=$((bad + 1))
  awk -v s="${slow_max}" -v d="${down_max}" 'BEGIN { exit !(s < 2000 && d < 2000) }' ||
    bad=$((bad + 1))
  fault_figures[round]="504s=${slow_requests} (p99 ${slow_p99}ms, max ${slow_max}ms)"
  fault_figures[round]+=" 502s=${down_requests} (p99 ${down_p99}ms, max ${down_max}ms)"
  failures=$((failures + slow_requests + down_requests))
done
memory_flat=$(awk -v a="${rss_round1}" -v b="${rss_round2}" 'BEGIN { print (b <= a * 1.05 + 2) }')

echo "faults ${fault}: one slow request: ${slow_code} in ${slow_time}s; one to a dead" \
  "upstream: ${down_code} in ${down_time}s"
echo "faults ${fault}: paid alone: p99=${base_p99}ms requests=${base_requests}" \
  "non2xx=${base_non2xx} socket_errors=${base_errors}"
for round in 1 2; do
  echo "faults ${fault}: round ${round}: faults: ${fault_figures[round]};" \
    "paid meanwhile: ${healthy_figures[round]}"
done
figures="failures=${failures} paid_p99_ms=${base_p99}->${healthy_p99[1]},${healthy_p99[2]}"
figures+=" rss_mib=${rss_start}->${rss_round1}->${rss_round2}"
if [[ ${single_ok} -eq 1 && ${bad} -eq 0 && ${base_non2xx} -eq 0 && ${memory_flat} -eq 1 ]]; then
  verdict PASS "${figures}"
else
  verdict FAIL "${figures} (single_ok=${single_ok} bad_checks=${bad} memory_flat=${memory_flat})"
fi
