#!/usr/bin/env bash
# devnet's REST server alone under wrk: POST /v1/invoices (AddInvoice) over HTTPS with
# keep-alive, so that the figure is devnet's capacity, not that of a client in the same
# process. Usage: bench/devnet_wrk.sh BUILD_DIR [SECONDS] [CONNECTIONS]
set -euo pipefail
build=${1:?build directory with bin/devnet_load}
seconds=${2:-10}
connections=${3:-16}
command -v wrk >/dev/null || { echo "devnet_wrk: wrk is not installed (apt-get install wrk)" >&2; exit 1; }

work=$(mktemp -d)
trap 'kill "${server_pid}" 2>/dev/null || true; wait "${server_pid}" 2>/dev/null || true; rm -rf "${work}"' EXIT
"${build}/bin/devnet_load" --serve $((seconds + 30)) --server-threads 2 >"${work}/ready" &
server_pid=$!
for _ in $(seq 100); do [[ -s "${work}/ready" ]] && break; sleep 0.1; done
read -r url macaroon <"${work}/ready"

cat >"${work}/add_invoice.lua" <<LUA
wrk.method = "POST"
wrk.body = '{"value_msat":"10000","memo":"wrk","expiry":"600"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Grpc-Metadata-macaroon"] = "${macaroon}"
LUA
# One wrk thread: the 2 cores are for the server; wrk's TLS costs the rest.
wrk -t1 -c"${connections}" -d"${seconds}s" --latency -s "${work}/add_invoice.lua" \
  "${url}/v1/invoices"
