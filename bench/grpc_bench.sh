#!/usr/bin/env bash
# l402d's gRPC proxy against the gRPC echo upstream alone, under bench/grpc_load on loopback.
# Three runs of unary /l402.testing.Echo/Say calls:
#   (1) the echo upstream (l402-grpc-echo) directly;
#   (2) through an h2c gRPC listener of l402d, with a paid credential in the `authorization`
#       metadata (L402 <macaroon>:<preimage>, bought from l402d's devnet with `l402 pay`);
#   (3) through l402d without one: every call ends INTERNAL "payment required" with a fresh
#       challenge (an invoice and a macaroon) in its www-authenticate metadata;
#   (4) through nginx's grpc_pass to the same upstream (h2c, no payment): the baseline of a
#       plain gRPC proxy on the same cores.
# Prints calls/s, p50, p90 and p99 of each, the CPU time the echo upstream and l402d spent per
# call (from /proc: on a busy machine it moves less than the rates), the ratio (2)/(1) and the
# challenge rate, and (2)/(4); a run with calls that ended otherwise than expected (OK; INTERNAL in (3)) is
# marked FAILED and makes the script exit 1. Builds nothing: it runs binaries already built (grpc_load needs
# -DL402_BUILD_BENCHMARKS=ON). Without l402d, runs (1) only. Everything it starts runs as the
# current user on 127.0.0.1 in a temporary directory, and is stopped on exit.
#
#   bench/grpc_bench.sh [BUILD_DIR [SECONDS [CONCURRENCY]]]
#
#   BUILD_DIR     holds bin/l402-grpc-echo, bin/grpc_load, bin/l402d, bin/l402 (default: build)
#   SECONDS       of each measured run (default 10); CONCURRENCY: calls in flight (default 64)
#   environment:  WARMUP_SECONDS (2, unmeasured calls before each run), CHANNELS (4, HTTP/2
#                 connections of grpc_load), PAYLOAD_BYTES (0), ROUNDS (1; more repeat the
#                 runs, interleaved, and add the medians), and binaries elsewhere: GRPC_ECHO,
#                 GRPC_LOAD, L402D, L402_CLI, NGINX (default: nginx on the PATH or
#                 /usr/sbin/nginx; without it, run (4) is skipped)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build=$(realpath -m "${1:-${root}/build}")
seconds=${2:-10}
concurrency=${3:-64}
warmup=${WARMUP_SECONDS:-2}
channels=${CHANNELS:-4}
payload_bytes=${PAYLOAD_BYTES:-0}
rounds=${ROUNDS:-1}
grpc_echo=${GRPC_ECHO:-${build}/bin/l402-grpc-echo}
grpc_load=${GRPC_LOAD:-${build}/bin/grpc_load}
l402d=${L402D:-${build}/bin/l402d}
l402_cli=${L402_CLI:-${build}/bin/l402}
nginx=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}

die() { echo "grpc_bench: $*" >&2; exit 1; }
[[ -x "${grpc_echo}" ]] || die "no ${grpc_echo} (build the l402-grpc-echo target)"
[[ -x "${grpc_load}" ]] || die "no ${grpc_load} (build grpc_load, -DL402_BUILD_BENCHMARKS=ON)"
with_l402d=1
if [[ ! -x "${l402d}" || ! -x "${l402_cli}" ]]; then
  echo "grpc_bench: no ${l402d} or ${l402_cli}: runs (2) and (3) skipped" >&2
  with_l402d=0
fi

source "${root}/bench/gateway_common.sh"

# ---- the echo upstream

"${grpc_echo}" --listen 127.0.0.1:0 >"${work}/upstream.ready" 2>"${work}/upstream.log" &
pids+=($!)
upstream_pid=$!
l402d_pid=""
upstream=$(wait_for_line "${work}/upstream.ready" 10 | json listening) ||
  die "the echo upstream did not start: $(cat "${work}/upstream.log")"

# ---- nginx's grpc_pass to the upstream

nginx_target=""
nginx_answers() {
  local answer
  answer=$(timeout 5 "${grpc_load}" --target "127.0.0.1:$1" --challenge || true)
  [[ $(json status_name <<<"${answer}") == OK ]]
}
if [[ ! -x "${nginx}" ]]; then
  echo "grpc_bench: no nginx: run (4) skipped" >&2
elif start_nginx "  upstream echo {
    server ${upstream};
    keepalive 128;
  }
  server {
    listen 127.0.0.1:@PORT@ http2;
    location / { grpc_pass grpc://echo; }
  }" nginx_answers; then
  nginx_target="127.0.0.1:${nginx_port}"
else
  echo "grpc_bench: nginx did not start: run (4) skipped: $(cat "${work}/nginx/logs/error.log")" >&2
fi

# ---- l402d with a gRPC listener, and a credential paid through its devnet with `l402 pay`

if [[ ${with_l402d} -eq 1 ]]; then
  write_l402d_config "grpc://${upstream}" '^/l402\\.testing\\.Echo/.*$' grpc
  "${l402d}" --config "${work}/l402d.yaml" >"${work}/l402d.ready" 2>"${work}/l402d.log" &
  pids+=($!)
  l402d_pid=$!
  ready=$(wait_for_line "${work}/l402d.ready" 30) ||
    die "l402d did not start: $(tail -n 20 "${work}/l402d.log")"
  gateway=$(grep -o '"grpc://[^"]*"' <<<"${ready}" | head -n1 | tr -d '"')
  gateway=${gateway#grpc://}
  [[ -n "${gateway}" ]] || die "no grpc:// listener in l402d's ready line: ${ready}"

  challenge=$(timeout 30 "${grpc_load}" --target "${gateway}" --challenge) ||
    die "no www-authenticate challenge from l402d: ${challenge:-no answer}"
  macaroon=$(json macaroon <<<"${challenge}")
  invoice=$(json invoice <<<"${challenge}")
  [[ -n "${macaroon}" && -n "${invoice}" ]] || die "no L402 macaroon or invoice in ${challenge}"
  write_buyer_config "${ready}"
  receipt=$(timeout 60 "${l402_cli}" pay --config "${work}/client.yaml" --timeout 30 \
    "${invoice}") || die "l402 pay failed"
  authorization="authorization: L402 ${macaroon}:$(json preimage <<<"${receipt}")"
  paid=$(timeout 30 "${grpc_load}" --target "${gateway}" --challenge \
    --metadata "${authorization}" || true)
  [[ $(json status_name <<<"${paid}") == OK ]] ||
    die "l402d did not let the paid credential through: ${paid}"
fi

# ---- the runs

# cpu_ticks PID: the CPU time (user + system, in clock ticks) process PID has used so far.
cpu_ticks() {
  [[ -n "$1" ]] || { echo 0; return; }
  # The fields after the command's closing parenthesis; utime and stime are its 12th and 13th.
  sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'
}
ticks_per_second=$(getconf CLK_TCK)

# run NAME TARGET EXPECTED_STATUS [METADATA]: grpc_load's warm-up and measured run, with the
# CPU time the upstream and l402d spend in the measured part; appends one row to rows.
rows=()
failed_runs=0
round=1
run() {
  local name=$1 target=$2 expected=$3 metadata=${4:-}
  local args=(--target "${target}" --expect "${expected}" --duration "${seconds}"
    --warmup "${warmup}" --concurrency "${concurrency}" --channels "${channels}"
    --payload-bytes "${payload_bytes}")
  [[ -n "${metadata}" ]] && args+=(--metadata "${metadata}")
  local status=0
  timeout $((warmup + seconds + 60)) "${grpc_load}" "${args[@]}" \
    >"${work}/${name}.${round}.out" 2>&1 &
  local load_pid=$!
  sleep "${warmup}"
  local upstream_before l402d_before
  upstream_before=$(cpu_ticks "${upstream_pid}")
  l402d_before=$(cpu_ticks "${l402d_pid}")
  wait "${load_pid}" || status=$?
  local upstream_cpu l402d_cpu
  upstream_cpu=$(($(cpu_ticks "${upstream_pid}") - upstream_before))
  l402d_cpu=$(($(cpu_ticks "${l402d_pid}") - l402d_before))
  local summary
  summary=$(grep '^{"calls_per_second"' "${work}/${name}.${round}.out" || true)
  if [[ -z "${summary}" ]]; then
    echo "grpc_bench: grpc_load gave no figures for ${name} (exit ${status}):" >&2
    cat "${work}/${name}.${round}.out" >&2
    summary='{"calls_per_second":0,"p50_ms":0,"p90_ms":0,"p99_ms":0,"ok":0,"failed":-1,'
    summary+='"failures":{}}'
  fi
  [[ ${status} -eq 0 ]] || failed_runs=$((failed_runs + 1))
  # grpc_load's JSON line -> rate|p50|p90|p99|ok|failed|failures by status
  local fields='.*"calls_per_second":([0-9.]+).*"p50_ms":([0-9.]+).*"p90_ms":([0-9.]+)'
  fields+='.*"p99_ms":([0-9.]+).*"ok":([0-9]+).*"failed":(-?[0-9]+).*"failures":\{([^}]*)\}.*'
  local figures
  figures=$(sed -E "s/${fields}/\\1|\\2|\\3|\\4|\\5|\\6|\\7/" <<<"${summary}")
  rows+=("${name}|${round}|${figures}|${upstream_cpu}|${l402d_cpu}")
}

echo "grpc_bench: unary /l402.testing.Echo/Say, ${concurrency} in flight on ${channels}" \
  "channels, ${seconds}s (warm-up ${warmup}s), payload ${payload_bytes} bytes; nproc $(nproc);" \
  "load $(cut -d' ' -f1-3 /proc/loadavg); rounds ${rounds}"
for round in $(seq "${rounds}"); do
  run upstream "${upstream}" 0
  if [[ ${with_l402d} -eq 1 ]]; then
    run l402d_paid "${gateway}" 0 "${authorization}"
    run l402d_unpaid "${gateway}" 13
  fi
  [[ -n "${nginx_target}" ]] && run nginx "${nginx_target}" 0
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"

# CPU us/call: CPU time the process spent in the measured part, per call answered.
printf '%s\n' "${rows[@]}" | awk -F'|' -v rounds="${rounds}" -v tck="${ticks_per_second}" \
  "${awk_median}"'
  function row(name, round, rate, p50, p90, p99, upstream_cpu, l402d_cpu, ok, failed, failures) {
    printf "%-32s %5s %7s %7s %7s %7s %9s %9s %8s %7s  %s\n", name, round, rate, p50, p90, p99,
           upstream_cpu, l402d_cpu, ok, failed, failures
  }
  function per_call(ticks, calls) {
    return calls > 0 ? sprintf("%.0f", ticks / tck * 1e6 / calls) : "-"
  }
  BEGIN {
    label["upstream"] = "(1) echo upstream directly"
    label["l402d_paid"] = "(2) l402d -> upstream, paid"
    label["l402d_unpaid"] = "(3) l402d, unpaid: challenges"
    label["nginx"] = "(4) nginx grpc_pass -> upstream"
    row("run", "round", "calls/s", "p50 ms", "p90 ms", "p99 ms", "echo CPU", "l402d CPU",
        "calls ok", "failed", "failures by status")
    row("", "", "", "", "", "", "us/call", "us/call", "", "", "")
  }
  {
    if (!($1 in rates)) order[++names] = $1
    rates[$1] = rates[$1] " " $3
    p50s[$1] = p50s[$1] " " $4
    p90s[$1] = p90s[$1] " " $5
    p99s[$1] = p99s[$1] " " $6
    upstream_cpus[$1] = upstream_cpus[$1] " " per_call($10, $7)
    l402d_cpu = ($1 == "upstream" || $1 == "nginx") ? "-" : per_call($11, $7)
    l402d_cpus[$1] = l402d_cpus[$1] " " l402d_cpu
    row(label[$1], $2, sprintf("%.0f", $3), $4, $5, $6, per_call($10, $7), l402d_cpu, $7,
        $8 == 0 ? "0" : $8 " FAILED", $9)
  }
  END {
    for (i = 1; i <= names; ++i) rate[order[i]] = median(rates[order[i]])
    if (rounds > 1) {
      print "medians of " rounds " rounds:"
      for (i = 1; i <= names; ++i) {
        name = order[i]
        row(label[name], "", sprintf("%.0f", rate[name]), sprintf("%.3f", median(p50s[name])),
            sprintf("%.3f", median(p90s[name])), sprintf("%.3f", median(p99s[name])),
            median(upstream_cpus[name]),
            (name == "upstream" || name == "nginx") ? "-" : median(l402d_cpus[name]), "",
            "", "")
      }
    }
    if ("l402d_paid" in rate && rate["upstream"] > 0) {
      printf "(2)/(1) = %.2f   challenges/s (3) = %d\n", rate["l402d_paid"] / rate["upstream"],
             rate["l402d_unpaid"]
    } else {
      print "(2)/(1): l402d not run"
    }
    if ("nginx" in rate && rate["upstream"] > 0) {
      printf "(4)/(1) = %.2f", rate["nginx"] / rate["upstream"]
      if ("l402d_paid" in rate && rate["nginx"] > 0) {
        printf "   (2)/(4) = %.2f", rate["l402d_paid"] / rate["nginx"]
      }
      printf "\n"
    }
  }'
if [[ ${failed_runs} -gt 0 ]]; then
  echo "grpc_bench: ${failed_runs} run(s) had failed calls: the figures above are not clean" >&2
  exit 1
fi
