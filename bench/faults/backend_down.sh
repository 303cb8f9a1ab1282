#!/usr/bin/env bash
# The Lightning backend down, then hung, then back, while paid requests keep coming.
#
# devnet runs as its own process (`l402 devnet`, on a fixed loopback port) and l402d reaches it
# as an LND node over REST (`lightning.backend: lnd`, timeout 2 s). With one token bought, wrk
# sends paid requests for BACKEND_LOAD_SECONDS while:
#   down:  devnet is killed (SIGKILL): every challenge must be 503 with Retry-After, each in
#          under a second, and /readyz 503;
#   hung:  a listener that never accepts takes devnet's port: BACKEND_HUNG_CLIENTS challenges
#          at once must each be 503 with Retry-After within the 2 s timeout plus one second,
#          times the rounds l402d's 16 invoice workers (lnd backend) need for them;
#   back:  devnet restarts on the same directory and port: challenges are 402 again (within
#          30 s) and a new token is bought and accepted.
# Paid requests must all be 200 throughout (wrk: no non-2xx, no socket errors).
#
#   bench/faults/backend_down.sh [BUILD_DIR]
#   environment: BACKEND_LOAD_SECONDS (30), BACKEND_PROBES (20), BACKEND_HUNG_CLIENTS (16)
set -euo pipefail

fault=backend-down
build=$(realpath -m "${1:-$(dirname "$0")/../../build}")
load_seconds=${BACKEND_LOAD_SECONDS:-30}
probes=${BACKEND_PROBES:-20}
hung_clients=${BACKEND_HUNG_CLIENTS:-16}
source "$(dirname "$0")/lib.sh"

devnet_port=$(free_port)
start_devnet() {
  start devnet "${l402_cli}" devnet --dir "${work}/devnet" --listen "127.0.0.1:${devnet_port}"
  devnet_pid=${started}
  devnet_ready=$(wait_for_line "${work}/devnet.out" 30) ||
    die "l402 devnet did not start: $(tail -n 5 "${work}/devnet.log")"
}
start_devnet

start_upstream
cat >"${work}/l402d.yaml" <<YAML
data_dir: ${work}/l402d
listen:
  - address: 127.0.0.1:0
admin:
  address: 127.0.0.1:0
lightning:
  backend: lnd
  timeout: 2s
  lnd:
    url: $(json url <<<"${devnet_ready}")
    tls_cert: $(json tls_cert <<<"${devnet_ready}")
    macaroon: $(json default <<<"${devnet_ready}")
log: {format: text, level: warn, access_log: false}
services:
  - name: bench
    path: "/api/.*"
    upstream: ${upstream_url}
    price: 1
YAML
start_l402d
cat >"${work}/client.yaml" <<YAML
wallet:
  type: devnet
  devnet: {dir: ${work}/devnet, url: $(json url <<<"${devnet_ready}")}
YAML
path=/api/hello
credential=$(buy "${path}") || die "could not buy a token"

start wrk wrk -t1 -c8 -d"${load_seconds}s" --latency -H "Authorization: ${credential}" \
  "${gateway_url}${path}"
wrk_pid=${started}
sleep 2

# challenge_probe: "STATUS RETRY_AFTER_PRESENT SECONDS" of one unpaid request.
challenge_probe() {
  curl -s -o /dev/null -D - --max-time 10 -w 'status %{http_code} %{time_total}\n' \
    "${gateway_url}${path}" |
    awk 'tolower($1) == "retry-after:" { retry = 1 }
         $1 == "status" { print $2, retry + 0, $3 }'
}

# ---- down

kill -KILL "${devnet_pid}"
wait "${devnet_pid}" 2>/dev/null || true
down_bad=0
down_slowest=0
for _ in $(seq "${probes}"); do
  read -r code retry seconds < <(challenge_probe)
  [[ "${code}" == 503 && ${retry} -eq 1 ]] || down_bad=$((down_bad + 1))
  down_slowest=$(awk -v a="${down_slowest}" -v b="${seconds}" 'BEGIN { print (b > a ? b : a) }')
done
readyz_down=$(status "${admin_url}/readyz")

# ---- hung: connections are taken by the kernel (backlog) and never answered

start blackhole python3 -c '
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(1024)
print("listening", flush=True)
time.sleep(120)' "${devnet_port}"
blackhole_pid=${started}
wait_for_line "${work}/blackhole.out" 10 >/dev/null || die "the hung listener did not start"
probe_pids=()
for i in $(seq "${hung_clients}"); do
  challenge_probe >"${work}/hung.${i}" &
  probe_pids+=($!)
done
wait "${probe_pids[@]}"
cat "${work}"/hung.* >"${work}/hung.txt"
[[ -n "${FAULTS_VERBOSE:-}" ]] && sort -k3 -n "${work}/hung.txt" >&2
hung_limit=$(((hung_clients + 15) / 16 * 2 + 1))
hung_bad=$(awk -v limit="${hung_limit}" '$1 != 503 || $2 != 1 || $3 > limit { bad++ }
  END { print bad + 0 }' "${work}/hung.txt")
hung_answers=$(wc -l <"${work}/hung.txt")
hung_slowest=$(awk '$3 > max { max = $3 } END { print max + 0 }' "${work}/hung.txt")
kill "${blackhole_pid}"
wait "${blackhole_pid}" 2>/dev/null || true

# ---- back

start_devnet
recovered=none
started_again=${SECONDS}
for _ in $(seq 30); do
  if [[ $(status "${gateway_url}${path}") == 402 ]]; then
    recovered=$((SECONDS - started_again))
    break
  fi
  sleep 1
done
new=$(buy "${path}") && new_code=$(status "${gateway_url}${path}" -H "Authorization: ${new}") ||
  new_code=none

wait "${wrk_pid}" || die "wrk failed: $(cat "${work}/wrk.log")"
read -r p50 p99 max requests non2xx errors < <(wrk_figures "${work}/wrk.out")
figures="paid_requests=${requests} non2xx=${non2xx} socket_errors=${errors} p50=${p50}ms"
figures+=" p99=${p99}ms max=${max}ms down:bad_challenges=${down_bad}/${probes}"
figures+=" slowest=${down_slowest}s readyz=${readyz_down}"
figures+=" hung:bad_challenges=${hung_bad}/${hung_answers} slowest=${hung_slowest}s"
figures+=" (limit ${hung_limit}s)"
figures+=" back:402_after=${recovered}s new_token=${new_code}"
if [[ ${requests} -gt 0 && ${non2xx} -eq 0 && ${errors} -eq 0 && ${down_bad} -eq 0 &&
  "${readyz_down}" == 503 && $(awk -v s="${down_slowest}" 'BEGIN { print (s < 1.0) }') -eq 1 &&
  ${hung_answers} -eq ${hung_clients} && ${hung_bad} -eq 0 && "${recovered}" != none &&
  "${new_code}" == 200 ]]; then
  verdict PASS "${figures}"
else
  verdict FAIL "${figures}"
fi
