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

# write_l402d_config UPSTREAM_URL [PATH_REGEX [GRPC]]: ${work}/l402d.yaml, one service "bench"
# at 1 sat for the paths PATH_REGEX matches (default "/api/.*") in front of UPSTREAM_URL, the
# embedded devnet, ephemeral ports, warnings only. With GRPC set to "grpc", a gRPC listener
# follows the HTTP one (UPSTREAM_URL is then a grpc:// one).
write_l402d_config() {
  local grpc_listener=""
  [[ "${3:-}" == grpc ]] && grpc_listener=$'\n  - address: 127.0.0.1:0\n    role: grpc'
  cat >"${work}/l402d.yaml" <<YAML
data_dir: ${work}/l402d
listen:
  - address: 127.0.0.1:0${grpc_listener}
admin:
  address: 127.0.0.1:0
lightning:
  backend: devnet
  devnet: {dir: ${work}/l402d/devnet, listen: 127.0.0.1:0}
log: {format: text, level: warn, access_log: false}
services:
  - name: bench
    host: ".*"
    path: "${2:-/api/.*}"
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

# start_nginx HTTP_BLOCK PROBE: nginx (${nginx}) with a prefix, pid file, logs and temp paths of
# its own in ${work}/nginx, as the current user, its http block holding HTTP_BLOCK, in which
# @PORT@ stands for the port it listens on. nginx cannot report an ephemeral port: this takes a
# port below the ephemeral range that nobody listens on, and another if nginx cannot bind it.
# PROBE PORT succeeds once nginx answers. Sets nginx_port and adds nginx to pids; fails (1)
# when nginx did not come up after five ports (its error log is ${work}/nginx/logs/error.log).
start_nginx() {
  local http_block=$1 probe=$2 user_line="" nginx_pid
  mkdir -p "${work}/nginx/logs"
  # As root, nginx would hand its workers to `nobody`; keep them as the current user.
  [[ $(id -u) -eq 0 ]] && user_line="user $(id -un) $(id -gn);"
  for _ in $(seq 5); do
    nginx_port=$((20000 + RANDOM % 12000))
    (exec 3<>"/dev/tcp/127.0.0.1/${nginx_port}") 2>/dev/null && continue
    cat >"${work}/nginx/nginx.conf" <<CONF
${user_line}
daemon off;
worker_processes auto;
pid ${work}/nginx/nginx.pid;
error_log ${work}/nginx/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${work}/nginx/client_body;
  proxy_temp_path ${work}/nginx/proxy;
  fastcgi_temp_path ${work}/nginx/fastcgi;
  uwsgi_temp_path ${work}/nginx/uwsgi;
  scgi_temp_path ${work}/nginx/scgi;
${http_block//@PORT@/${nginx_port}}
}
CONF
    "${nginx}" -p "${work}/nginx" -c "${work}/nginx/nginx.conf" \
      -e "${work}/nginx/logs/error.log" &
    nginx_pid=$!
    for _ in $(seq 50); do
      kill -0 "${nginx_pid}" 2>/dev/null || break
      if "${probe}" "${nginx_port}"; then
        pids+=("${nginx_pid}")
        return 0
      fi
      sleep 0.1
    done
    kill "${nginx_pid}" 2>/dev/null || true
    wait "${nginx_pid}" 2>/dev/null || true
  done
  return 1
}

# An awk function for the scripts' summaries: median(list) of the numbers in the string
# `list` ("a b c"), for awk programs that start with it (mawk has no asort).
awk_median='
  function median(list, n,    i, j, value, sorted) {
    n = split(list, sorted, " ")
    for (i = 2; i <= n; ++i) {
      value = sorted[i]
      for (j = i - 1; j >= 1 && sorted[j] + 0 > value + 0; --j) sorted[j + 1] = sorted[j]
      sorted[j + 1] = value
    }
    return n % 2 ? sorted[(n + 1) / 2] : (sorted[n / 2] + sorted[n / 2 + 1]) / 2
  }'
