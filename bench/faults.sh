#!/usr/bin/env bash
# l402d under faults and load, on loopback: each check starts what it needs (the demo
# upstream, l402d, devnet, PostgreSQL) in a temporary directory, stops it all on exit, and
# prints one line `faults NAME: PASS|FAIL <figures>`. docs/RELIABILITY.md says what each
# checks and what it showed.
#
#   bench/faults.sh CHECK [BUILD_DIR]
#
#   CHECK        kill9 | postgres-restart | backend-down | upstream-faults | idle-connections |
#                soak | all (each in turn; 9 to 11 minutes, 5 of them the soak)
#   BUILD_DIR    holds bin/l402d, bin/l402, bin/l402-demo-upstream (default: build)
#
# Exits non-zero when a check fails. Each script in bench/faults/ lists its environment knobs
# (SOAK_SECONDS, IDLE_CONNECTIONS, ...); binaries elsewhere: L402D, L402_CLI, DEMO_UPSTREAM.
# Builds nothing.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
checks=(kill9 postgres-restart backend-down upstream-faults idle-connections soak)
usage() {
  sed -n '2,15p' "$0" >&2
  exit 2
}
[[ $# -ge 1 && $# -le 2 ]] || usage
build=$(realpath -m "${2:-${here}/../build}")

run_check() {
  case "$1" in
    kill9) "${here}/faults/kill9.sh" "${build}" ;;
    postgres-restart) "${here}/faults/postgres_restart.sh" "${build}" ;;
    backend-down) "${here}/faults/backend_down.sh" "${build}" ;;
    upstream-faults) "${here}/faults/upstream_faults.sh" "${build}" ;;
    idle-connections) "${here}/faults/idle_connections.sh" "${build}" ;;
    soak) "${here}/faults/soak.sh" "${build}" ;;
    *) usage ;;
  esac
}

if [[ "$1" != all ]]; then
  run_check "$1"
  exit
fi
echo "faults: nproc $(nproc); load $(cut -d' ' -f1-3 /proc/loadavg); ${build}"
failed=()
for check in "${checks[@]}"; do
  run_check "${check}" || failed+=("${check}")
done
echo "faults: load after: $(cut -d' ' -f1-3 /proc/loadavg)"
if [[ ${#failed[@]} -gt 0 ]]; then
  echo "faults: FAILED: ${failed[*]}"
  exit 1
fi
echo "faults: all ${#checks[@]} checks passed"
