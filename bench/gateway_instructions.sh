#!/usr/bin/env bash
# Instructions l402d executes per request, counted by valgrind's callgrind: a figure that does
# not move with the machine's load, unlike requests/s (bench/gateway_wrk.sh), so a change to
# the hot path can be judged on a busy machine. l402d (its epoll build, l402d-epoll) runs under
# callgrind in front of the demo upstream (devnet embedded, as in gateway_wrk.sh); wrk sends
# requests for a few seconds to warm up, the counters are zeroed, wrk runs again, and the
# counters are dumped. Prints the requests served, the instructions counted in every thread of
# l402d, and their quotient.
#
#   bench/gateway_instructions.sh [BUILD_DIR [paid|challenge [SECONDS]]]
#
#   BUILD_DIR   holds bin/l402-demo-upstream, bin/l402d, bin/l402 (default: build)
#   paid        (default) GET /api/hello with a paid credential; challenge: without one
#   SECONDS     of the counted wrk run (default 10; wrk -t1 -c4)
#   environment: KEEP_PROFILE=FILE keeps the callgrind dump (for callgrind_annotate)
#
# Under callgrind every instruction is simulated, and OpenSSL and libsecp256k1 take their
# generic code paths (no SHA extensions): their share is larger than on the bare CPU.
# Everything runs on 127.0.0.1 in a temporary directory and is stopped on exit.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build=$(realpath -m "${1:-${root}/build}")
mode=${2:-paid}
seconds=${3:-10}
die() { echo "gateway_instructions: $*" >&2; exit 1; }
[[ "${mode}" == paid || "${mode}" == challenge ]] || die "mode is paid or challenge, not ${mode}"
for tool in valgrind callgrind_control callgrind_annotate wrk curl; do
  command -v "${tool}" >/dev/null || die "${tool} is not installed (scripts/setup)"
done
for binary in l402-demo-upstream l402d l402; do
  [[ -x "${build}/bin/${binary}" ]] || die "no ${build}/bin/${binary}"
done

source "${root}/bench/gateway_common.sh"

"${build}/bin/l402-demo-upstream" --listen 127.0.0.1:0 --threads 1 >"${work}/upstream.ready" \
  2>/dev/null &
pids+=($!)
upstream_url=$(wait_for_line "${work}/upstream.ready" 10 | json url) ||
  die "the demo upstream did not start"

# Valgrind runs one thread at a time and cannot let l402d's threads wait in io_uring_enter
# (l402d then never answers): the epoll build of the same gateway is measured instead.
l402d="${build}/bin/l402d-epoll"
[[ -x "${l402d}" ]] || l402d="${build}/bin/l402d"
write_l402d_config "${upstream_url}"
valgrind --tool=callgrind --callgrind-out-file="${work}/callgrind.out" \
  "${l402d}" --config "${work}/l402d.yaml" >"${work}/l402d.ready" \
  2>"${work}/valgrind.log" &
l402d_pid=$!
pids+=("${l402d_pid}")
ready=$(wait_for_line "${work}/l402d.ready" 120) ||
  die "l402d did not start under valgrind: $(tail -n 5 "${work}/valgrind.log")"
gateway_url=$(json listeners <<<"${ready}")

headers=()
if [[ "${mode}" == paid ]]; then
  curl -s --max-time 60 -H "Accept: application/json" -o "${work}/challenge.json" \
    "${gateway_url}/api/hello" || die "l402d did not answer"
  write_buyer_config "${ready}"
  receipt=$(timeout 120 "${build}/bin/l402" pay --config "${work}/client.yaml" --timeout 60 \
    "$(json invoice <"${work}/challenge.json")") || die "l402 pay failed"
  headers=(-H "Authorization: L402 $(json macaroon <"${work}/challenge.json"):$(json preimage \
    <<<"${receipt}")")
fi

timeout 60 wrk -t1 -c4 -d3s "${headers[@]}" "${gateway_url}/api/hello" >/dev/null
callgrind_control --zero "${l402d_pid}" >/dev/null 2>&1
timeout $((seconds + 60)) wrk -t1 -c4 -d"${seconds}s" "${headers[@]}" "${gateway_url}/api/hello" \
  >"${work}/wrk.txt"
callgrind_control --dump "${l402d_pid}" >/dev/null 2>&1
requests=$(awk '/requests in/ {print $1}' "${work}/wrk.txt")
dump=""
for _ in $(seq 50); do
  dump=$(ls -t "${work}"/callgrind.out.* 2>/dev/null | head -n1) && [[ -n "${dump}" ]] && break
  sleep 0.2
done
[[ -n "${dump}" ]] || die "callgrind wrote no dump"
instructions=$(callgrind_annotate "${dump}" 2>/dev/null |
  awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}')
[[ -n "${instructions}" && "${requests}" -gt 0 ]] || die "no count (requests: ${requests})"
[[ -n "${KEEP_PROFILE:-}" ]] && cp "${dump}" "${KEEP_PROFILE}"
echo "gateway_instructions: ${mode}, wrk -t1 -c4 -d${seconds}s, $(date -u +%H:%M) UTC"
echo "requests ${requests}  instructions ${instructions}  per request $((instructions / requests))"
