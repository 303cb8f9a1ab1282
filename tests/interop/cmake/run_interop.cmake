# One direction of an interop test (run with cmake -P; see ../CMakeLists.txt).
#   DIRECTION=ours    TOOL generates COUNT records (macaroons or invoices) into WORKFILE; the
#                     oracle checks them.
#   DIRECTION=oracle  the oracle mints COUNT records into WORKFILE; TOOL checks them.
#   DIRECTION=credentials  (L402 tokens) TOOL mints COUNT challenges into WORKFILE; the oracle
#                     reads them as its library does and writes the credentials it would send
#                     into WORKFILE.tokens; TOOL must grant each of them.
# ORACLE (+ ORACLE_SCRIPT) is the oracle's command, ORACLE_NAME and HINT name it in errors.
foreach(var DIRECTION TOOL ORACLE ORACLE_NAME HINT COUNT SEED WORKFILE)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "run_interop.cmake: ${var} is not set")
  endif()
endforeach()
if(NOT EXISTS "${ORACLE}")
  message(FATAL_ERROR "interop oracle ${ORACLE_NAME} is missing (${ORACLE} not found): ${HINT}")
endif()
set(oracle_cmd "${ORACLE}")
if(ORACLE_SCRIPT)
  list(APPEND oracle_cmd "${ORACLE_SCRIPT}")
endif()
set(tokens "${WORKFILE}.tokens")
file(REMOVE "${WORKFILE}" "${tokens}")

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

if(DIRECTION STREQUAL "ours")
  run("libl402 generating records" "${TOOL}" generate --count ${COUNT} --seed ${SEED}
      --out "${WORKFILE}" ${GENERATE_FLAG})
  run("${ORACLE_NAME} checking libl402's records (kept in ${WORKFILE})"
      ${oracle_cmd} check "${WORKFILE}")
elseif(DIRECTION STREQUAL "oracle")
  run("${ORACLE_NAME} minting records (${HINT} if it is missing)"
      ${oracle_cmd} mint ${COUNT} ${SEED} "${WORKFILE}")
  run("libl402 checking ${ORACLE_NAME}'s records (kept in ${WORKFILE})"
      "${TOOL}" check --in "${WORKFILE}")
elseif(DIRECTION STREQUAL "credentials")
  run("libl402 minting challenges" "${TOOL}" generate --count ${COUNT} --seed ${SEED}
      --out "${WORKFILE}")
  run("${ORACLE_NAME} reading libl402's challenges (kept in ${WORKFILE})"
      ${oracle_cmd} check "${WORKFILE}" "${tokens}")
  run("libl402 verifying ${ORACLE_NAME}'s credentials (kept in ${tokens})"
      "${TOOL}" verify --in "${WORKFILE}" --tokens "${tokens}")
else()
  message(FATAL_ERROR "run_interop.cmake: DIRECTION must be ours, oracle or credentials")
endif()
