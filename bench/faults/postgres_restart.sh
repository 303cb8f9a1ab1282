#!/usr/bin/env bash
# PostgreSQL stopped (immediate, as a crash) and started again under load.
#
# l402d keeps its state in a throw-away PostgreSQL cluster (tests/integration/store/
# pg_cluster.sh). PG_TOKENS tokens are bought and used; wrk then sends paid requests with them
# in turn for PG_LOAD_SECONDS while the cluster is halted for PG_OUTAGE_SECONDS and restarted.
# Checks: no paid request failed (verification needs no database), a new challenge can be
# bought and used after the restart (l402d reconnected), and the ledger holds every token and
# counts every paid request, those served during the outage included. Challenges asked during
# the outage are counted by status, for the record.
#
#   bench/faults/postgres_restart.sh [BUILD_DIR]
#   environment: PG_TOKENS (5), PG_LOAD_SECONDS (30), PG_OUTAGE_SECONDS (10)
set -euo pipefail

fault=postgres-restart
build=$(realpath -m "${1:-$(dirname "$0")/../../build}")
tokens=${PG_TOKENS:-5}
load_seconds=${PG_LOAD_SECONDS:-30}
outage_seconds=${PG_OUTAGE_SECONDS:-10}
source "$(dirname "$0")/lib.sh"

pg_script="${root}/tests/integration/store/pg_cluster.sh"
pg_dir="${work}/pg"
stop_cluster() { "${pg_script}" stop "${pg_dir}" >/dev/null 2>&1; }
extra_cleanup+=(stop_cluster)
"${pg_script}" start "${pg_dir}" >/dev/null

start_upstream
write_l402d_config "${upstream_url}"
cat >>"${work}/l402d.yaml" <<YAML
store:
  backend: postgres
  postgres: {dsn: "$(cat "${pg_dir}/dsn")"}
YAML
start_l402d
write_buyer_config "${l402d_ready}"
path=/api/hello

credentials=()
for i in $(seq "${tokens}"); do
  credential=$(buy "${path}") || die "could not buy token ${i}"
  [[ $(status "${gateway_url}${path}" -H "Authorization: ${credential}") == 200 ]] ||
    die "token ${i} was refused"
  credentials+=("${credential}")
done
for _ in $(seq 100); do
  [[ $(total paid_tokens) -ge ${tokens} ]] && break
  sleep 0.1
done
paid_tokens_before=$(total paid_tokens)
paid_requests_base=$(total paid_requests)

# ---- the load, and the outage in the middle of it

wrk_lua_rotating "${work}/rotate.lua" "${credentials[@]}"
start wrk wrk -t1 -c8 -d"${load_seconds}s" --latency -s "${work}/rotate.lua" \
  "${gateway_url}${path}"
wrk_pid=${started}
sleep 3
"${pg_script}" halt "${pg_dir}" >/dev/null
outage_start=${SECONDS}
declare -A challenge_codes=()
while ((SECONDS - outage_start < outage_seconds)); do
  code=$(curl -s -o /dev/null --max-time 5 -w '%{http_code}' "${gateway_url}${path}" || true)
  challenge_codes[${code}]=$((${challenge_codes[${code}]:-0} + 1))
  sleep 0.5
done
ready_during=$(status "${admin_url}/readyz")
"${pg_script}" restart "${pg_dir}" >/dev/null
restarted=${SECONDS}

# ---- after the restart: a new token (bounded retries while l402d reconnects)

new_code=none
reconnect_seconds=none
for _ in $(seq 30); do
  if new=$(buy "${path}" 2>/dev/null); then
    new_code=$(status "${gateway_url}${path}" -H "Authorization: ${new}")
    reconnect_seconds=$((SECONDS - restarted))
    break
  fi
  sleep 1
done
wait "${wrk_pid}" || die "wrk failed: $(cat "${work}/wrk.log")"
read -r p50 p99 max requests non2xx errors < <(wrk_figures "${work}/wrk.out")
ready_after=$(status "${admin_url}/readyz")
for _ in $(seq 100); do  # the ledger's last batches, with the new token
  [[ $(total paid_tokens) -gt ${paid_tokens_before} &&
    $(total paid_requests) -ge $((paid_requests_base + requests)) ]] && break
  sleep 0.1
done
paid_tokens_after=$(total paid_tokens)
paid_requests_after=$(total paid_requests)

outage_codes=$(for code in "${!challenge_codes[@]}"; do
  echo -n "${code}x${challenge_codes[${code}]},"
done)
figures="paid_requests=${requests} non2xx=${non2xx} socket_errors=${errors}"
figures+=" p50=${p50}ms p99=${p99}ms max=${max}ms outage=${outage_seconds}s"
figures+=" challenges_during_outage=${outage_codes%,} readyz=${ready_during}->${ready_after}"
figures+=" new_token_after_restart=${new_code} (after ${reconnect_seconds}s)"
figures+=" ledger_paid_tokens=${paid_tokens_before}->${paid_tokens_after}"
figures+=" ledger_paid_requests=${paid_requests_base}+${requests}(wrk)->${paid_requests_after}"
if [[ ${requests} -gt 0 && ${non2xx} -eq 0 && ${errors} -eq 0 && "${new_code}" == 200 &&
  ${paid_tokens_after} -ge $((paid_tokens_before + 1)) &&
  ${paid_requests_after} -ge $((paid_requests_base + requests)) ]]; then
  verdict PASS "${figures}"
else
  verdict FAIL "${figures}"
fi
