# One L402 token interop test (run with cmake -P; see ../CMakeLists.txt):
#   1. TOOL generate   libl402's Authority mints COUNT challenges into WORKPREFIX.jsonl;
#   2. the oracle      reads them as its library does and writes the credentials it would
#                      send into WORKPREFIX_tokens.jsonl;
#   3. TOOL verify     libl402's Authority must grant each of those credentials.
# ORACLE (+ ORACLE_SCRIPT) is the oracle's command, ORACLE_NAME and HINT name it in errors.
foreach(var TOOL ORACLE ORACLE_NAME HINT COUNT SEED WORKPREFIX)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "run_l402_interop.cmake: ${var} is not set")
  endif()
endforeach()
if(NOT EXISTS "${ORACLE}")
  message(FATAL_ERROR "interop oracle ${ORACLE_NAME} is missing (${ORACLE} not found): ${HINT}")
endif()
set(oracle_cmd "${ORACLE}")
if(ORACLE_SCRIPT)
  list(APPEND oracle_cmd "${ORACLE_SCRIPT}")
endif()
set(records "${WORKPREFIX}.jsonl")
set(tokens "${WORKPREFIX}_tokens.jsonl")
file(REMOVE "${records}" "${tokens}")

function(run what)
  string(TIMESTAMP t0 "%s")
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc)
  string(TIMESTAMP t1 "%s")
  math(EXPR secs "${t1} - ${t0}")
  list(JOIN ARGN " " command)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${what} failed (${rc}) after ${secs}s; command: ${command}")
  endif()
endfunction()

run("libl402 minting challenges" "${TOOL}" generate --count ${COUNT} --seed ${SEED}
    --out "${records}")
run("${ORACLE_NAME} reading libl402's challenges (kept in ${records})"
    ${oracle_cmd} check "${records}" "${tokens}")
run("libl402 verifying ${ORACLE_NAME}'s credentials (kept in ${tokens})"
    "${TOOL}" verify --in "${records}" --tokens "${tokens}")
