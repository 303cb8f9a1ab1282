#!/usr/bin/env bash
# SOAK_SECONDS of mixed load, with l402d's resident memory sampled every SOAK_SAMPLE_SECONDS.
#
# wrk sends paid requests (8 connections, 5 tokens in turn) the whole time, and a loop asks
# for a challenge every SOAK_CHALLENGE_INTERVAL seconds (a new invoice and macaroon each; the
# devnet is embedded, so its invoices count in l402d's memory too). RSS is sampled from
# /proc. The plateau is the largest sample of the first half; PASS when no paid request failed,
# the challenges were all 402, and the last sample is within SOAK_BOUND_PERCENT (10) % of the
# plateau plus 2 MiB.
#
#   bench/faults/soak.sh [BUILD_DIR]
#   environment: SOAK_SECONDS (300), SOAK_SAMPLE_SECONDS (10), SOAK_CHALLENGE_INTERVAL (0.1),
#                SOAK_BOUND_PERCENT (10)
set -euo pipefail

fault=soak
build=$(realpath -m "${1:-$(dirname "$0")/../../build}")
soak_seconds=${SOAK_SECONDS:-300}
sample_seconds=${SOAK_SAMPLE_SECONDS:-10}
challenge_interval=${SOAK_CHALLENGE_INTERVAL:-0.1}
bound_percent=${SOAK_BOUND_PERCENT:-10}
source "$(dirname "$0")/lib.sh"

start_upstream
write_l402d_config "${upstream_url}"
start_l402d
write_buyer_config "${l402d_ready}"
path=/api/hello
credentials=()
for i in 1 2 3 4 5; do
  credential=$(buy "${path}") || die "could not buy token ${i}"
  credentials+=("${credential}")
done
wrk_lua_rotating "${work}/rotate.lua" "${credentials[@]}"

start wrk wrk -t1 -c8 -d"${soak_seconds}s" --latency -s "${work}/rotate.lua" \
  "${gateway_url}${path}"
wrk_pid=${started}
challenges() {  # until the soak ends: one challenge each interval, its status on a line
  local end=$((SECONDS + soak_seconds))
  while ((SECONDS < end)); do
    curl -s -o /dev/null --max-time 10 -w '%{http_code}\n' "${gateway_url}${path}" || echo 000
    sleep "${challenge_interval}"
  done
}
challenges >"${work}/challenges.txt" &
challenges_pid=$!
pids+=("${challenges_pid}")

samples=()
begin=${SECONDS}
while ((SECONDS - begin < soak_seconds)); do
  samples+=("$(rss_mib "${l402d_pid}")")
  sleep "${sample_seconds}"
done
wait "${wrk_pid}" || die "wrk failed: $(cat "${work}/wrk.log")"
wait "${challenges_pid}" || true
samples+=("$(rss_mib "${l402d_pid}")")

read -r p50 p99 max requests non2xx errors < <(wrk_figures "${work}/wrk.out")
challenge_count=$(wc -l <"${work}/challenges.txt")
challenge_bad=$(grep -vc '^402$' "${work}/challenges.txt" || true)
read -r start_rss plateau end_rss max_rss < <(printf '%s\n' "${samples[@]}" | awk '
  { rss[NR] = $1; if ($1 > max) max = $1 }
  END {
    for (i = 1; i <= int(NR / 2); ++i) if (rss[i] > plateau) plateau = rss[i]
    print rss[1], plateau, rss[NR], max
  }')
within=$(awk -v e="${end_rss}" -v p="${plateau}" -v b="${bound_percent}" \
  'BEGIN { print (e <= p * (1 + b / 100) + 2) }')

echo "faults ${fault}: rss_mib every ${sample_seconds}s: ${samples[*]}"
figures="seconds=${soak_seconds} paid_requests=${requests} non2xx=${non2xx}"
figures+=" socket_errors=${errors} p50=${p50}ms p99=${p99}ms max=${max}ms"
figures+=" challenges=${challenge_count} (not 402: ${challenge_bad})"
figures+=" rss_mib: start=${start_rss} plateau=${plateau} end=${end_rss} max=${max_rss}"
figures+=" (bound: plateau +${bound_percent}% +2 MiB)"
if [[ ${requests} -gt 0 && ${non2xx} -eq 0 && ${errors} -eq 0 && ${challenge_bad} -eq 0 &&
  ${within} -eq 1 ]]; then
  verdict PASS "${figures}"
else
  verdict FAIL "${figures}"
fi
