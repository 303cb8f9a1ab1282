#!/bin/sh
# CTest driver for one fuzz target: runs it for $L402_FUZZ_SECONDS seconds when that is set in
# the environment of ctest, otherwise for the configured default.
#   run_fuzz_test.sh <fuzzer> <default seconds> <libFuzzer arguments and corpus dirs...>
fuzzer=$1
seconds=${L402_FUZZ_SECONDS:-$2}
shift 2
exec "$fuzzer" -max_total_time="$seconds" "$@"
