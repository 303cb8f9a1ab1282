# Builds go/oracle.go against Debian's go-macaroon in GOPATH mode, offline (cmake -P).
# GO, SOURCE, OUTPUT, GOCACHE, HINT come from ../CMakeLists.txt.
set(gopath /usr/share/gocode)
if(NOT GO OR NOT EXISTS "${GO}")
  message(FATAL_ERROR "go not found: ${HINT}")
endif()
if(NOT EXISTS "${gopath}/src/gopkg.in/macaroon.v2/macaroon.go")
  message(FATAL_ERROR "go-macaroon sources not found in ${gopath}/src/gopkg.in/macaroon.v2: ${HINT}")
endif()
if(NOT EXISTS "${gopath}/src/golang.org/x/crypto/nacl/secretbox")
  message(FATAL_ERROR "golang.org/x/crypto not found in ${gopath}: ${HINT} (it depends on golang-golang-x-crypto-dev)")
endif()
file(MAKE_DIRECTORY "${GOCACHE}")
execute_process(
  COMMAND "${CMAKE_COMMAND}" -E env GO111MODULE=off GOPATH=${gopath} GOCACHE=${GOCACHE}
          GOFLAGS= GOPROXY=off GOTOOLCHAIN=local "${GO}" build -o "${OUTPUT}" "${SOURCE}"
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "building the go-macaroon oracle failed (${rc}): ${HINT}")
endif()
execute_process(COMMAND "${OUTPUT}" selftest RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the go-macaroon oracle fails its selftest (${rc})")
endif()
