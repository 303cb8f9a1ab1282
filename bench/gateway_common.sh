# What the gateway benchmarks share (sourced, not run): a temporary directory `work` and the
# processes in `pids`, both cleaned up on exit; reading the ready lines our programs print;
# l402d's benchmark configuration.

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "${pid}" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "${pid}" 2>/dev/null || true; done
  rm -rf "${work}"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Waits (at most $2 seconds) for the first line of file $1, which a process we started writes
# when it is ready.
wait_for_line() {
  local file=$1 limit=$2
  for _ in $(seq $((limit * 10))); do
    [[ -f "${file}" && $(wc -l <"${file}") -ge 1 ]] && { head -n1 "${file}"; return 0; }
    sleep 0.1
  done
  return 1
}

# json FIELD: prints the string value of FIELD in the JSON object on stdin, or the first
# string of FIELD when it is an array. Enough for the flat lines our programs print (their
# values never contain quotes or escapes: URLs, paths, base64, bech32, hex).
json() {
  sed -n "s/.*\"$1\"[[:space:]]*:[[:space:]]*\[\{0,1\}[[:space:]]*\"\([^\"]*\)\".*/\1/p" | head -n1
}

# write_l402d_config UPSTREAM_URL: ${work}/l402d.yaml, one service "bench" at 1 sat for every
# /api/ path in front of UPSTREAM_URL, the embedded devnet, ephemeral ports, warnings only.
write_l402d_config() {
  cat >"${work}/l402d.yaml" <<YAML
data_dir: ${work}/l402d
listen:
  - address: 127.0.0.1:0
admin:
  address: 127.0.0.1:0
lightning:
  backend: devnet
  devnet: {dir: ${work}/l402d/devnet, listen: 127.0.0.1:0}
log: {format: text, level: warn, access_log: false}
services:
  - name: bench
    host: ".*"
    path: "/api/.*"
    upstream: $1
    price: 1
YAML
}

# write_buyer_config READY_LINE: ${work}/client.yaml, a wallet paying from l402d's devnet.
write_buyer_config() {
  cat >"${work}/client.yaml" <<YAML
wallet:
  type: devnet
  devnet:
    dir: $(json devnet_dir <<<"$1")
    url: $(json devnet_url <<<"$1")
YAML
}
