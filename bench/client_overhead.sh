#!/usr/bin/env bash
# The paying client's overhead once it holds a token: l402d (embedded devnet) in front of the
# demo upstream; `l402 get` buys a token into a token store of its own; then bin/client_overhead
# sends GET /api/hello with plain libcurl (the Authorization header written by hand) and with
# l402::Client (the token from the store), alternating, one request at a time.
#
#   bench/client_overhead.sh [BUILD_DIR [REQUESTS [ROUNDS]]]
#
#   BUILD_DIR  holds bin/l402-demo-upstream, bin/l402d, bin/l402, bin/client_overhead
#              (built with -DL402_BUILD_BENCHMARKS=ON; default: build)
#   REQUESTS   per run (default 5000); ROUNDS: pairs of runs (default 3)
# Everything runs on 127.0.0.1 in a temporary directory and is stopped on exit.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build=$(realpath -m "${1:-${root}/build}")
requests=${2:-5000}
rounds=${3:-3}
die() { echo "client_overhead: $*" >&2; exit 1; }
for binary in l402-demo-upstream l402d l402 client_overhead; do
  [[ -x "${build}/bin/${binary}" ]] || die "no ${build}/bin/${binary}"
done

source "${root}/bench/gateway_common.sh"

"${build}/bin/l402-demo-upstream" --listen 127.0.0.1:0 >"${work}/upstream.ready" 2>/dev/null &
pids+=($!)
upstream_url=$(wait_for_line "${work}/upstream.ready" 10 | json url) ||
  die "the demo upstream did not start"
write_l402d_config "${upstream_url}"
"${build}/bin/l402d" --config "${work}/l402d.yaml" >"${work}/l402d.ready" 2>"${work}/l402d.log" &
pids+=($!)
ready=$(wait_for_line "${work}/l402d.ready" 30) || die "l402d did not start"
url="$(json listeners <<<"${ready}")/api/hello"
write_buyer_config "${ready}"
buyer=(--config "${work}/client.yaml" --data-dir "${work}/buyer")
timeout 60 "${build}/bin/l402" get "${buyer[@]}" -s -o /dev/null "${url}" ||
  die "l402 get could not buy a token"
token_id=$("${build}/bin/l402" tokens list "${buyer[@]}" --json | json token_id)
authorization=$("${build}/bin/l402" tokens show "${buyer[@]}" --authorization "${token_id}" |
  sed -n 's/^Authorization: //p; t; s/^\(L402 .*\)$/\1/p' | head -n1)
[[ -n "${authorization}" ]] || die "no Authorization value for token ${token_id}"

"${build}/bin/client_overhead" --url "${url}" --authorization "${authorization}" \
  --data-dir "${work}/buyer" --requests "${requests}" --rounds "${rounds}"
