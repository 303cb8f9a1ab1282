#!/usr/bin/env bash
# kill -9 of l402d under load, then a restart on the same data directory (SQLite).
#
# While wrk drives paid requests and challenges, buys KILL9_TOKENS tokens with distinct
# credentials (half of them after a key rotation), uses each once, revokes one, waits until the
# ledger holds them, and kills l402d with SIGKILL mid-load. Then checks a copy of every SQLite
# database as the kill left it (PRAGMA integrity_check), restarts l402d on the same
# configuration and checks that every token bought before the kill gives 200, the revoked one
# does not, the ledger still counts the tokens and paid requests it held a second before the
# kill, and a new token can be bought.
#
#   bench/faults/kill9.sh [BUILD_DIR]      environment: KILL9_TOKENS (20)
set -euo pipefail

fault=kill9
build=$(realpath -m "${1:-$(dirname "$0")/../../build}")
tokens=${KILL9_TOKENS:-20}
source "$(dirname "$0")/lib.sh"
command -v sqlite3 >/dev/null || die "sqlite3 is not installed (scripts/setup)"

start_upstream
write_l402d_config "${upstream_url}"
start_l402d
write_buyer_config "${l402d_ready}"
path=/api/hello

# ---- the load: paid requests with one token, and a few connections asking for challenges

first=$(buy "${path}") || die "could not buy the first token"
start wrk_paid wrk -t1 -c16 -d600s -H "Authorization: ${first}" "${gateway_url}${path}"
wrk_paid=${started}
start wrk_challenges wrk -t1 -c2 -d600s "${gateway_url}${path}"
wrk_challenges=${started}

# ---- the tokens, bought and used while the load runs

credentials=()
for i in $(seq "${tokens}"); do
  if [[ ${i} -eq $((tokens / 2 + 1)) ]]; then
    curl -s --max-time 10 -X POST -H "Authorization: Bearer ${admin_credential}" \
      "${admin_url}/api/keys/rotate" >/dev/null || die "key rotation failed"
  fi
  credential=$(buy "${path}") || die "could not buy token ${i} of ${tokens}"
  code=$(status "${gateway_url}${path}" -H "Authorization: ${credential}")
  [[ "${code}" == 200 ]] || die "token ${i} answered ${code} before the kill"
  credentials+=("${credential}")
done
# The last token is revoked: after the restart it must still be refused.
revoked=${credentials[-1]}
revoked_id=$("${l402_cli}" token inspect "${revoked}" | json token_id)
[[ -n "${revoked_id}" ]] || die "l402 token inspect found no token ID"
curl -s --max-time 10 -X POST -H "Authorization: Bearer ${admin_credential}" \
  "${admin_url}/api/tokens/${revoked_id}/revoke" >/dev/null || die "revocation failed"
[[ $(status "${gateway_url}${path}" -H "Authorization: ${revoked}") == 402 ]] ||
  die "the revoked token is not refused"

# The ledger writes paid tokens in batches: wait (at most 10 s) until it holds them all.
expected=$((tokens + 1))
for _ in $(seq 100); do
  [[ $(total paid_tokens) -ge ${expected} ]] && break
  sleep 0.1
done
paid_tokens_before=$(total paid_tokens)
paid_requests_before=$(total paid_requests)
sleep 1  # a moment more of load, so that the kill falls in the middle of it

kill_l402d KILL
kill "${wrk_paid}" "${wrk_challenges}" 2>/dev/null || true
wait "${wrk_paid}" "${wrk_challenges}" 2>/dev/null || true

# ---- the databases as the kill left them: each checked on a copy (with its WAL)

checked=0
corrupt=()
while IFS= read -r database; do
  [[ "$(head -c 15 "${database}" 2>/dev/null)" == "SQLite format 3" ]] || continue
  copy="${work}/check/$(basename "${database}")"
  mkdir -p "${work}/check"
  cp "${database}" "${copy}"
  for suffix in -wal -shm; do
    [[ -f "${database}${suffix}" ]] && cp "${database}${suffix}" "${copy}${suffix}"
  done
  result=$(sqlite3 "${copy}" 'PRAGMA integrity_check' 2>&1 | tr '\n' ' ')
  [[ "${result}" == "ok " ]] || corrupt+=("${database#"${work}"/}: ${result}")
  checked=$((checked + 1))
done < <(find "${work}/l402d" -type f ! -name '*-wal' ! -name '*-shm')
[[ ${checked} -gt 0 ]] || die "no SQLite database under ${work}/l402d"

# ---- the restart, on the same data directory

start_l402d
write_buyer_config "${l402d_ready}"
refused=0
for i in "${!credentials[@]}"; do
  [[ "${credentials[i]}" == "${revoked}" ]] && continue
  [[ $(status "${gateway_url}${path}" -H "Authorization: ${credentials[i]}") == 200 ]] ||
    refused=$((refused + 1))
done
[[ $(status "${gateway_url}${path}" -H "Authorization: ${first}") == 200 ]] ||
  refused=$((refused + 1))
revoked_after=$(status "${gateway_url}${path}" -H "Authorization: ${revoked}")
paid_tokens_after=$(total paid_tokens)
paid_requests_after=$(total paid_requests)
new=$(buy "${path}") && new_code=$(status "${gateway_url}${path}" -H "Authorization: ${new}") ||
  new_code=none

figures="tokens=$((tokens + 1)) refused_after_restart=${refused} revoked_after=${revoked_after}"
figures+=" databases_checked=${checked} corrupt=${#corrupt[@]}"
figures+=" ledger_paid_tokens=${paid_tokens_before}->${paid_tokens_after}"
figures+=" ledger_paid_requests=${paid_requests_before}->${paid_requests_after}"
figures+=" new_token=${new_code}"
for line in "${corrupt[@]}"; do echo "faults ${fault}: integrity_check: ${line}" >&2; done
if [[ ${refused} -eq 0 && "${revoked_after}" == 402 && ${#corrupt[@]} -eq 0 &&
  ${paid_tokens_before} -ge ${expected} && ${paid_tokens_after} -ge ${paid_tokens_before} &&
  ${paid_requests_after} -ge ${paid_requests_before} &&
  "${new_code}" == 200 ]]; then
  verdict PASS "${figures}"
else
  verdict FAIL "${figures}"
fi
