# Cross builds with an emulator (qemu-user, from the toolchain file): <build>/emulated/amp-agent runs
# the target's binary through it, so scripts that run "<dir>/amp-agent" (tests/integration/e2e.sh,
# notify.sh) test the cross-built agent as they test a native one.
if(CMAKE_CROSSCOMPILING AND CMAKE_CROSSCOMPILING_EMULATOR)
  set(_cmd "")
  foreach(_arg IN LISTS CMAKE_CROSSCOMPILING_EMULATOR)
    string(APPEND _cmd "'${_arg}' ")
  endforeach()
  file(WRITE "${CMAKE_BINARY_DIR}/emulated/amp-agent"
    "#!/bin/sh\n# The cross-built agent under emulation (boards/cmake/AmpEmulated.cmake).\n"
    "exec ${_cmd}'${CMAKE_BINARY_DIR}/amp-agent' \"$@\"\n")
  execute_process(COMMAND chmod 755 "${CMAKE_BINARY_DIR}/emulated/amp-agent")
endif()
