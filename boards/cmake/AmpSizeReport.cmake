# The size report: text/data/bss of every module of the agent, of every library in the linked binary,
# and the size of the stripped binary, printed after every build of amp-agent (target `size-report`,
# also written to <build>/size-report.txt). docs/boards.md records the figures of each board.
option(AMP_SIZE_REPORT "Print the size report after building amp-agent" ON)

# The toolchain's own size(1) next to its strip: aarch64-linux-gnu-strip -> aarch64-linux-gnu-size.
set(_size_names size)
if(CMAKE_STRIP)
  get_filename_component(_strip_dir "${CMAKE_STRIP}" DIRECTORY)
  get_filename_component(_strip_name "${CMAKE_STRIP}" NAME)
  string(REGEX REPLACE "strip$" "size" _size_name "${_strip_name}")
  list(PREPEND _size_names "${_strip_dir}/${_size_name}" "${_size_name}")
endif()
find_program(AMP_SIZE NAMES ${_size_names})

if(AMP_SIZE AND CMAKE_STRIP AND NOT AMP_SANITIZE)
  set(_report_all)
  if(AMP_SIZE_REPORT)
    set(_report_all ALL)
  endif()
  add_custom_target(size-report ${_report_all}
    COMMAND sh "${CMAKE_SOURCE_DIR}/boards/cmake/size-report.sh" "${AMP_SIZE}" "${CMAKE_STRIP}"
            "$<TARGET_FILE:amp-agent>" "${CMAKE_BINARY_DIR}/amp-agent.map" "${CMAKE_BINARY_DIR}/size-report.txt"
            "BOARD=${BOARD} ${CMAKE_SYSTEM_PROCESSOR} ${CMAKE_C_COMPILER_ID} ${CMAKE_C_COMPILER_VERSION} ${CMAKE_BUILD_TYPE} static=${AMP_STATIC_LINK}"
            "$<TARGET_FILE:ampcore>" "$<TARGET_FILE:ampport_posix>"
    DEPENDS amp-agent
    VERBATIM)
elseif(AMP_SIZE_REPORT AND NOT AMP_SANITIZE)
  message(STATUS "size report: no size(1) or strip for this toolchain; target size-report not available")
endif()
