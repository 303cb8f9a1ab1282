#!/usr/bin/env bash
# l402d in front of the demo upstream, against nginx and against the upstream alone, under wrk
# on loopback. Four runs of GET /api/hello (kept-alive connections):
#   (1) the demo upstream directly;
#   (2) nginx proxy_pass to it (upstream keepalive, HTTP/1.1, access_log off);
#   (3) l402d with a paid credential (Authorization: L402 <macaroon>:<preimage>);
#   (4) l402d without one: every request is a 402 challenge (an invoice and a macaroon).
# Prints requests/s, p50 and p99 of each, the ratios (3)/(2) and (3)/(1), and the challenge
# rate; with several rounds, also (3)/(2) within each round and the median of those. Runs (1)
# to (3) send the same request, the paid credential's Authorization field included, so that
# they differ only in what sits in front of the upstream. Builds nothing: it
# runs binaries already built. Without l402d, runs (1) and (2) only (without the field).
# Everything it starts runs as the current user on 127.0.0.1 in a temporary directory, and is
# stopped on exit.
#
#   bench/gateway_wrk.sh [BUILD_DIR [SECONDS [CONNECTIONS]]]
#
#   BUILD_DIR     holds bin/l402-demo-upstream, bin/l402d, bin/l402 (default: build)
#   SECONDS       of each measured run (default 10); CONNECTIONS: wrk's -c (default 64)
#   environment:  WRK_THREADS (2), WARMUP_SECONDS (2, unmeasured run before each; 0: none),
#                 ROUNDS (1; more repeat the four runs, interleaved, and add the medians:
#                 on a busy machine the noise then falls on every run alike),
#                 UPSTREAM_THREADS (2), BENCH_PATH (/api/hello), and binaries elsewhere:
#                 DEMO_UPSTREAM, L402D, L402_CLI, NGINX (default: nginx on the PATH or
#                 /usr/sbin/nginx)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build=$(realpath -m "${1:-${root}/build}")
seconds=${2:-10}
connections=${3:-64}
wrk_threads=${WRK_THREADS:-2}
warmup=${WARMUP_SECONDS:-2}
rounds=${ROUNDS:-1}
upstream_threads=${UPSTREAM_THREADS:-2}
path=${BENCH_PATH:-/api/hello}
demo_upstream=${DEMO_UPSTREAM:-${build}/bin/l402-demo-upstream}
l402d=${L402D:-${build}/bin/l402d}
l402_cli=${L402_CLI:-${build}/bin/l402}
nginx=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}

die() { echo "gateway_wrk: $*" >&2; exit 1; }
for tool in wrk curl; do
  command -v "${tool}" >/dev/null || die "${tool} is not installed (scripts/setup)"
done
[[ -x "${demo_upstream}" ]] || die "no ${demo_upstream} (build the l402-demo-upstream target)"
[[ -x "${nginx}" ]] || die "no nginx (scripts/setup installs it)"
with_l402d=1
if [[ ! -x "${l402d}" || ! -x "${l402_cli}" ]]; then
  echo "gateway_wrk: no ${l402d} or ${l402_cli}: runs (3) and (4) skipped" >&2
  with_l402d=0
fi

source "${root}/bench/gateway_common.sh"

# ---- the demo upstream

"${demo_upstream}" --listen 127.0.0.1:0 --threads "${upstream_threads}" \
  >"${work}/upstream.ready" 2>"${work}/upstream.log" &
pids+=($!)
upstream_url=$(wait_for_line "${work}/upstream.ready" 10 | json url) ||
  die "the demo upstream did not start: $(cat "${work}/upstream.log")"

# ---- nginx proxy_pass to the upstream

nginx_answers() { curl -fs -o /dev/null --max-time 1 "http://127.0.0.1:$1${path}"; }
start_nginx "  upstream demo {
    server ${upstream_url#http://};
    keepalive 128;
  }
  server {
    listen 127.0.0.1:@PORT@;
    location / {
      proxy_pass http://demo;
      proxy_http_version 1.1;
      proxy_set_header Connection \"\";
    }
  }" nginx_answers || die "nginx did not start: $(cat "${work}/nginx/logs/error.log")"
nginx_url="http://127.0.0.1:${nginx_port}"

# ---- l402d, and a credential paid through its devnet with `l402 pay`

if [[ ${with_l402d} -eq 1 ]]; then
  write_l402d_config "${upstream_url}"
  "${l402d}" --config "${work}/l402d.yaml" >"${work}/l402d.ready" 2>"${work}/l402d.log" &
  pids+=($!)
  ready=$(wait_for_line "${work}/l402d.ready" 30) ||
    die "l402d did not start: $(tail -n 20 "${work}/l402d.log")"
  gateway_url=$(json listeners <<<"${ready}")

  challenge=$(curl -s --max-time 10 -H "Accept: application/json" -o "${work}/challenge.json" \
    -w '%{http_code}' "${gateway_url}${path}") || die "l402d did not answer"
  [[ "${challenge}" == 402 ]] || die "l402d answered ${challenge}, not 402, without a credential"
  macaroon=$(json macaroon <"${work}/challenge.json")
  invoice=$(json invoice <"${work}/challenge.json")
  write_buyer_config "${ready}"
  receipt=$(timeout 60 "${l402_cli}" pay --config "${work}/client.yaml" --timeout 30 \
    "${invoice}") || die "l402 pay failed"
  authorization="Authorization: L402 ${macaroon}:$(json preimage <<<"${receipt}")"
  paid=$(curl -s --max-time 10 -o /dev/null -w '%{http_code}' -H "${authorization}" \
    "${gateway_url}${path}")
  [[ "${paid}" == 200 ]] || die "l402d answered ${paid}, not 200, to the paid credential"
fi

# ---- the runs

# run NAME URL [HEADER]: a warm-up, then the measured run; appends one row to rows.
rows=()
round=1
run() {
  local name=$1 url=$2 header=${3:-}
  local args=(-t"${wrk_threads}" -c"${connections}" --latency)
  [[ -n "${header}" ]] && args+=(-H "${header}")
  if [[ ${warmup} -gt 0 ]]; then
    timeout $((warmup + 30)) wrk "${args[@]}" -d"${warmup}s" "${url}" >/dev/null
  fi
  timeout $((seconds + 30)) wrk "${args[@]}" -d"${seconds}s" "${url}" >"${work}/${name}.${round}.wrk"
  rows+=("${name}|${round}|$(awk '
    function ms(value) {  # wrk prints 850.00us, 1.58ms, 1.02s, 1.50m
      if (value ~ /us$/) return value / 1000
      if (value ~ /ms$/) return value + 0
      if (value ~ /m$/) return value * 60000
      return value * 1000
    }
    /^ +50% / { p50 = ms($2) }
    /^ +99% / { p99 = ms($2) }
    / requests in / { total = $1 }
    /^Requests\/sec:/ { rate = $2 }
    /^ +Non-2xx or 3xx responses:/ { non2xx = $NF }
    /^ +Socket errors:/ { sub(/.*Socket errors: /, ""); errors = $0 }
    END {
      printf "%.0f|%.2f|%.2f|%d|%d|%s\n", rate, p50, p99, total, non2xx, errors == "" ? "none" : errors
    }' "${work}/${name}.${round}.wrk")")
}

echo "gateway_wrk: GET ${path}, wrk -t${wrk_threads} -c${connections} -d${seconds}s --latency" \
  "(warm-up ${warmup}s); upstream threads ${upstream_threads}; nproc $(nproc);" \
  "load $(cut -d' ' -f1-3 /proc/loadavg); rounds ${rounds}"
paid_header=""
[[ ${with_l402d} -eq 1 ]] && paid_header=${authorization}
for round in $(seq "${rounds}"); do
  run upstream "${upstream_url}${path}" "${paid_header}"
  run nginx "${nginx_url}${path}" "${paid_header}"
  if [[ ${with_l402d} -eq 1 ]]; then
    run l402d_paid "${gateway_url}${path}" "${authorization}"
    run l402d_unpaid "${gateway_url}${path}"
  fi
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"

printf '%s\n' "${rows[@]}" | awk -F'|' -v rounds="${rounds}" "${awk_median}"'
  function row(name, round, rate, p50, p99, total, non2xx, errors) {
    printf "%-40s %5s %11s %8s %8s %9s %8s  %s\n", name, round, rate, p50, p99, total, non2xx,
           errors
  }
  BEGIN {
    label["upstream"] = "(1) demo upstream directly"
    label["nginx"] = "(2) nginx -> upstream"
    label["l402d_paid"] = "(3) l402d -> upstream, paid credential"
    label["l402d_unpaid"] = "(4) l402d, unpaid: 402 challenge"
    row("run", "round", "requests/s", "p50 ms", "p99 ms", "requests", "non-2xx", "socket errors")
  }
  {
    if (!($1 in rates)) order[++names] = $1
    by_round[$1, $2] = $3
    rates[$1] = rates[$1] " " $3
    p50s[$1] = p50s[$1] " " $4
    p99s[$1] = p99s[$1] " " $5
    row(label[$1], $2, $3, $4, $5, $6, $7, $8)
  }
  END {
    for (i = 1; i <= names; ++i) rate[order[i]] = median(rates[order[i]])
    if (rounds > 1) {
      print "medians of " rounds " rounds:"
      for (i = 1; i <= names; ++i) {
        name = order[i]
        row(label[name], "", sprintf("%.0f", rate[name]), sprintf("%.2f", median(p50s[name])),
            sprintf("%.2f", median(p99s[name])), "", "", "")
      }
    }
    if ("l402d_paid" in rate) {
      printf "(3)/(2) = %.2f   (3)/(1) = %.2f   challenges/s (4) = %d\n",
             rate["l402d_paid"] / rate["nginx"], rate["l402d_paid"] / rate["upstream"],
             rate["l402d_unpaid"]
      if (rounds > 1) {
        # Runs (2) and (3) of one round are seconds apart, so their ratio is less exposed to
        # the load of a shared machine than the ratio of medians taken over minutes.
        ratios = ""
        for (r = 1; r <= rounds; ++r) {
          ratios = ratios " " sprintf("%.2f", by_round["l402d_paid", r] / by_round["nginx", r])
        }
        printf "(3)/(2) per round:%s   median %.2f\n", ratios, median(ratios)
      }
    } else {
      printf "(2)/(1) = %.2f   (l402d not run)\n", rate["nginx"] / rate["upstream"]
    }
  }'
