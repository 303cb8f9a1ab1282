# What the fault scripts share (sourced, not run), on top of bench/gateway_common.sh (the
# temporary directory `work`, the processes in `pids`, stopped on exit): starting the demo
# upstream and l402d, buying a token through devnet with `l402 pay`, reading wrk's summary and
# a process's resident memory, and the one verdict line each script ends with.
#
# The sourcing script sets `fault` (its name, for messages) and `build` (BUILD_DIR) first.

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
demo_upstream=${DEMO_UPSTREAM:-${build}/bin/l402-demo-upstream}
l402d=${L402D:-${build}/bin/l402d}
l402_cli=${L402_CLI:-${build}/bin/l402}

die() { echo "faults ${fault}: $*" >&2; exit 1; }
for tool in wrk curl python3; do
  command -v "${tool}" >/dev/null || die "${tool} is not installed (scripts/setup)"
done
for binary in "${demo_upstream}" "${l402d}" "${l402_cli}"; do
  [[ -x "${binary}" ]] || die "no ${binary} (build l402d, l402 and l402-demo-upstream)"
done

source "${root}/bench/gateway_common.sh"

# Scripts that start more than processes (a PostgreSQL cluster) add the names of functions
# that stop it here; they run before the processes are stopped.
extra_cleanup=()
fault_cleanup() {
  local step
  for step in "${extra_cleanup[@]}"; do "${step}" || true; done
  cleanup
}
trap fault_cleanup EXIT

# verdict PASS|FAIL FIGURES...: the script's last line; FAIL exits 1.
verdict() {
  local result=$1
  shift
  echo "faults ${fault}: ${result}  $*"
  [[ "${result}" == PASS ]] || exit 1
}

# A TCP port on 127.0.0.1 that nobody listens on now.
free_port() {
  python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

# start NAME COMMAND...: runs COMMAND in the background, stdout to ${work}/NAME.out, stderr to
# ${work}/NAME.log; its pid is added to pids and left in `started`.
start() {
  local name=$1
  shift
  "$@" >"${work}/${name}.out" 2>"${work}/${name}.log" &
  started=$!
  pids+=("${started}")
}

start_upstream() {
  start upstream "${demo_upstream}" --listen 127.0.0.1:0 --threads 2
  upstream_url=$(wait_for_line "${work}/upstream.out" 10 | json url) ||
    die "the demo upstream did not start: $(cat "${work}/upstream.log")"
}

# start_l402d: l402d on ${work}/l402d.yaml. Sets l402d_pid, l402d_ready (its ready line),
# gateway_url, admin_url and admin_credential.
start_l402d() {
  start l402d "${l402d}" --config "${work}/l402d.yaml"
  l402d_pid=${started}
  l402d_ready=$(wait_for_line "${work}/l402d.out" 30) ||
    die "l402d did not start: $(tail -n 20 "${work}/l402d.log")"
  gateway_url=$(json listeners <<<"${l402d_ready}")
  admin_url=$(json admin <<<"${l402d_ready}")
  admin_credential=$(cat "$(json admin_credential_file <<<"${l402d_ready}")")
}

# kill_l402d SIGNAL: sends SIGNAL to l402d and waits for it to end (at most 30 s).
kill_l402d() {
  kill "-$1" "${l402d_pid}" 2>/dev/null || true
  for _ in $(seq 300); do
    kill -0 "${l402d_pid}" 2>/dev/null || break
    sleep 0.1
  done
  wait "${l402d_pid}" 2>/dev/null || true
}

# status URL [CURL ARGS...]: the HTTP status of a GET (000: no answer within 10 s).
status() {
  local url=$1
  shift
  curl -s -o /dev/null --max-time 10 -w '%{http_code}' "$@" "${url}" || true
}

# buy PATH: pays the challenge l402d answers for PATH with the wallet of ${work}/client.yaml
# and prints the Authorization header's value, "L402 <macaroon>:<preimage>".
buy() {
  local challenge="${work}/challenge.json" code receipt
  code=$(curl -s --max-time 10 -H "Accept: application/json" -o "${challenge}" \
    -w '%{http_code}' "${gateway_url}$1") || true
  [[ "${code}" == 402 ]] || { echo "buy $1: l402d answered ${code}, not 402" >&2; return 1; }
  receipt=$(timeout 60 "${l402_cli}" pay --config "${work}/client.yaml" --timeout 30 \
    "$(json invoice <"${challenge}")") || { echo "buy $1: l402 pay failed" >&2; return 1; }
  echo "L402 $(json macaroon <"${challenge}"):$(json preimage <<<"${receipt}")"
}

# admin PATH: GET of an admin API path with the credential; prints the JSON answer.
admin() {
  curl -s --max-time 10 -H "Authorization: Bearer ${admin_credential}" "${admin_url}$1"
}

# number FIELD: the number FIELD has in the one-line JSON on stdin (its last occurrence).
# total FIELD: that number in the totals of GET /api/stats, which come after the services.
number() {
  sed -n "s/.*\"$1\"[[:space:]]*:[[:space:]]*\([0-9][0-9]*\).*/\1/p" | head -n1
}
total() {
  admin /api/stats | sed 's/.*"totals"//' | number "$1"
}

# rss_mib PID: resident memory in MiB (one decimal).
rss_mib() {
  awk '/^VmRSS:/ { printf "%.1f\n", $2 / 1024 }' "/proc/$1/status" 2>/dev/null || echo 0
}

# wrk_lua_rotating FILE AUTHORIZATION...: a wrk script that sends each request with the next
# of the given Authorization values, in turn.
wrk_lua_rotating() {
  local file=$1 value
  shift
  {
    echo "local values = {"
    for value in "$@"; do echo "  \"${value}\","; done
    echo "}"
    echo "local next = 0"
    echo "request = function()"
    echo "  next = next % #values + 1"
    echo "  return wrk.format(nil, nil, {Authorization = values[next]})"
    echo "end"
  } >"${file}"
}

# wrk_figures FILE: "p50_ms p99_ms max_ms requests non2xx socket_errors" of a wrk --latency
# summary (socket errors summed: connect, read, write, timeout).
wrk_figures() {
  awk '
    function ms(value) {  # wrk prints 850.00us, 1.58ms, 1.02s, 1.50m
      if (value ~ /us$/) return value / 1000
      if (value ~ /ms$/) return value + 0
      if (value ~ /m$/) return value * 60000
      return value * 1000
    }
    /^ +Latency +[0-9]/ { max = ms($4) }
    /^ +50% / { p50 = ms($2) }
    /^ +99% / { p99 = ms($2) }
    / requests in / { total = $1 }
    /^ +Non-2xx or 3xx responses:/ { non2xx = $NF }
    /^ +Socket errors:/ {
      gsub(/,/, "")
      errors = $4 + $6 + $8 + $10
    }
    END { printf "%.2f %.2f %.2f %d %d %d\n", p50, p99, max, total, non2xx, errors }' "$1"
}
