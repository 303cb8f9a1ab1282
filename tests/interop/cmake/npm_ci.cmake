# Installs npm macaroon 3.0.4, bolt11 1.4.1 and lsat-js 2.0.6 from node/package-lock.json into
# the build tree and runs the three oracles' selftests (cmake -P).
# NODE, NPM, SOURCE_DIR, WORK_DIR, HINT come from ../CMakeLists.txt.
foreach(tool NODE NPM)
  if(NOT ${tool} OR NOT EXISTS "${${tool}}")
    string(TOLOWER ${tool} name)
    message(FATAL_ERROR "${name} not found: ${HINT}")
  endif()
endforeach()
file(MAKE_DIRECTORY "${WORK_DIR}")
file(COPY "${SOURCE_DIR}/package.json" "${SOURCE_DIR}/package-lock.json" DESTINATION "${WORK_DIR}")
execute_process(
  COMMAND "${NPM}" ci --prefer-offline --no-audit --no-fund --loglevel=error
  WORKING_DIRECTORY "${WORK_DIR}"
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "npm ci failed (${rc}): ${HINT}")
endif()
execute_process(
  COMMAND "${CMAKE_COMMAND}" -E env NODE_PATH=${WORK_DIR}/node_modules
          "${NODE}" "${SOURCE_DIR}/oracle.js" selftest
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the npm macaroon oracle fails its selftest (${rc})")
endif()
execute_process(
  COMMAND "${CMAKE_COMMAND}" -E env NODE_PATH=${WORK_DIR}/node_modules
          "${NODE}" "${SOURCE_DIR}/bolt11_oracle.js" selftest
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the npm bolt11 oracle fails its selftest (${rc})")
endif()
execute_process(
  COMMAND "${CMAKE_COMMAND}" -E env NODE_PATH=${WORK_DIR}/node_modules
          "${NODE}" "${SOURCE_DIR}/l402_oracle.js" selftest
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the lsat-js oracle fails its selftest (${rc})")
endif()
