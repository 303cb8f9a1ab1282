# Instrumentation for the libFuzzer build (L402_BUILD_FUZZERS=ON).
#
# libFuzzer needs coverage feedback from the code under test, not only from the fuzz targets,
# so in this mode every target of the project is compiled with -fsanitize=fuzzer-no-link plus
# AddressSanitizer and UndefinedBehaviorSanitizer; only the executables in fuzz/ link the
# libFuzzer driver (-fsanitize=fuzzer). It is meant for a build tree of its own, configured
# with clang:
#
#   CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DL402_BUILD_FUZZERS=ON \
#     -DL402_BUILD_TESTS=OFF -DL402_BUILD_APPS=OFF
#
# Included from L402Warnings.cmake before any target is declared. Without the option it does
# nothing, so the ordinary (g++) builds are unaffected.
if(NOT L402_BUILD_FUZZERS)
  return()
endif()

if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  message(FATAL_ERROR "L402_BUILD_FUZZERS needs clang (libFuzzer); configure a separate build "
                      "directory with CXX=clang++ (found ${CMAKE_CXX_COMPILER_ID}).")
endif()

set(L402_FUZZ_SANITIZERS "address,undefined" CACHE STRING
    "Sanitizers compiled into the fuzz build (with fuzzer-no-link)")

add_compile_options(
  -fsanitize=fuzzer-no-link,${L402_FUZZ_SANITIZERS}
  -fno-sanitize-recover=all
  -fno-omit-frame-pointer
  -g)
add_link_options(-fsanitize=${L402_FUZZ_SANITIZERS})

# The fuzz targets register CTest tests (label "fuzz"); ctest looks for them from the build
# root, so testing is enabled here, in the top-level directory, even with L402_BUILD_TESTS=OFF.
enable_testing()
