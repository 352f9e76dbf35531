# The Python-free configuration (Kconfig.cmake includes this for -DAMP_CONFIG_FILE=<file>): a complete
# .config, as kconfiglib writes it (every symbol), is copied to <build>/.config and the header
# amp_config.h is written by KconfigHeader.cmake, byte for byte what kconfiglib would write
# (`make check-board-configs`). docs/boards.md: "Kconfig without Python".
if(NOT EXISTS "${AMP_CONFIG_FILE}")
  message(FATAL_ERROR "AMP_CONFIG_FILE=${AMP_CONFIG_FILE}: no such file")
endif()
set(AMP_DOTCONFIG "${CMAKE_BINARY_DIR}/.config")
set(AMP_GENERATED_DIR "${CMAKE_BINARY_DIR}/generated")
file(MAKE_DIRECTORY "${AMP_GENERATED_DIR}")
include("${CMAKE_CURRENT_LIST_DIR}/KconfigHeader.cmake")
configure_file("${AMP_CONFIG_FILE}" "${AMP_DOTCONFIG}" COPYONLY)
amp_kconfig_header("${AMP_DOTCONFIG}" "${AMP_GENERATED_DIR}/amp_config.h")
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${AMP_CONFIG_FILE}")
amp_kconfig_variables("${AMP_DOTCONFIG}")

add_custom_target(menuconfig
  COMMAND ${CMAKE_COMMAND} -E echo "this build uses AMP_CONFIG_FILE=${AMP_CONFIG_FILE} as is: edit that file, or configure a BOARD"
  COMMAND ${CMAKE_COMMAND} -E false)
