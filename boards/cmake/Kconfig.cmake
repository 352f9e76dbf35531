# Turns boards/<BOARD>/defconfig into <build>/.config and the generated header amp_config.h with
# kconfiglib, at configure time. `make menuconfig` edits <build>/.config; CMake re-runs when it changes.
set(AMP_KCONFIG_PYTHON "/usr/bin/python3" CACHE FILEPATH
    "Python that has kconfiglib (Debian: python3-kconfiglib); a python3 earlier on PATH may not")
# Without Python (Buildroot has no kconfiglib): -DAMP_CONFIG_FILE=<a complete .config>, e.g. the committed
# boards/<board>/full.config, used as is (KconfigFile.cmake); `make board-configs` regenerates those.
set(AMP_CONFIG_FILE "" CACHE FILEPATH
    "A complete .config (e.g. boards/<board>/full.config) used as is, without kconfiglib; empty: BOARD's defconfig")
if(AMP_CONFIG_FILE)
  include("${CMAKE_CURRENT_LIST_DIR}/KconfigFile.cmake")
  return()
endif()
set(AMP_DEFCONFIG "${CMAKE_SOURCE_DIR}/boards/${BOARD}/defconfig")
if(NOT EXISTS "${AMP_DEFCONFIG}")
  message(FATAL_ERROR "BOARD=${BOARD}: no ${AMP_DEFCONFIG}")
endif()
set(AMP_DOTCONFIG "${CMAKE_BINARY_DIR}/.config")
set(AMP_GENERATED_DIR "${CMAKE_BINARY_DIR}/generated")
file(MAKE_DIRECTORY "${AMP_GENERATED_DIR}")

# Symbols set on top of the board's defconfig, e.g. -DAMP_CONFIG_OVERRIDES="CONFIG_RING_BYTES=8192" for a
# test build with a small ring (a ;-separated list).
set(AMP_CONFIG_OVERRIDES "" CACHE STRING "CONFIG_X=value lines applied over the board's defconfig")

# A new board, a defconfig edited since the last configure, or new overrides start .config afresh.
file(SHA256 "${AMP_DEFCONFIG}" _defconfig_hash)
set(_stamp "${BOARD}:${_defconfig_hash}:${AMP_CONFIG_OVERRIDES}")
if(NOT EXISTS "${AMP_DOTCONFIG}" OR NOT "${AMP_KCONFIG_STAMP}" STREQUAL "${_stamp}")
  configure_file("${AMP_DEFCONFIG}" "${AMP_DOTCONFIG}" COPYONLY)
  foreach(_override IN LISTS AMP_CONFIG_OVERRIDES)
    file(APPEND "${AMP_DOTCONFIG}" "${_override}\n")
  endforeach()
  set(AMP_KCONFIG_STAMP "${_stamp}" CACHE INTERNAL "board, defconfig and overrides .config was made from")
endif()

execute_process(
  COMMAND ${CMAKE_COMMAND} -E env "KCONFIG_CONFIG=${AMP_DOTCONFIG}"
          "${AMP_KCONFIG_PYTHON}" -m genconfig
          --header-path "${AMP_GENERATED_DIR}/amp_config.h"
          --config-out "${AMP_DOTCONFIG}"
          "${CMAKE_SOURCE_DIR}/Kconfig"
  WORKING_DIRECTORY "${CMAKE_SOURCE_DIR}"
  RESULT_VARIABLE _genconfig_rc
  OUTPUT_VARIABLE _genconfig_out
  ERROR_VARIABLE _genconfig_out)
if(NOT _genconfig_rc EQUAL 0)
  message(FATAL_ERROR "kconfiglib failed (is python3-kconfiglib installed for ${AMP_KCONFIG_PYTHON}?):\n${_genconfig_out}")
endif()
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
  "${CMAKE_SOURCE_DIR}/Kconfig" "${AMP_DEFCONFIG}" "${AMP_DOTCONFIG}")

# The chosen symbols as CMake variables (AMP_CONFIG_<NAME>) for source selection.
file(STRINGS "${AMP_DOTCONFIG}" _config_lines REGEX "^CONFIG_[A-Z0-9_]+=")
foreach(_line IN LISTS _config_lines)
  string(REGEX MATCH "^CONFIG_([A-Z0-9_]+)=(.*)$" _m "${_line}")
  set(AMP_CONFIG_${CMAKE_MATCH_1} "${CMAKE_MATCH_2}")
endforeach()

add_custom_target(menuconfig
  COMMAND ${CMAKE_COMMAND} -E env "KCONFIG_CONFIG=${AMP_DOTCONFIG}"
          "${AMP_KCONFIG_PYTHON}" -m menuconfig "${CMAKE_SOURCE_DIR}/Kconfig"
  COMMAND ${CMAKE_COMMAND} "${CMAKE_BINARY_DIR}"
  WORKING_DIRECTORY "${CMAKE_SOURCE_DIR}"
  USES_TERMINAL
  COMMENT "Editing ${AMP_DOTCONFIG}")
