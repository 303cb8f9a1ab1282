# Warning flags and sanitizer settings shared by every target of the project.
add_library(l402_build_flags INTERFACE)
target_compile_options(l402_build_flags INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Wnon-virtual-dtor
  -Wold-style-cast -Woverloaded-virtual -Wimplicit-fallthrough
  -Werror=switch)
if(L402_WERROR)
  target_compile_options(l402_build_flags INTERFACE -Werror)
endif()
if(L402_SANITIZE)
  target_compile_options(l402_build_flags INTERFACE
    -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  target_link_options(l402_build_flags INTERFACE -fsanitize=address,undefined)
endif()

include(L402Fuzzing)
