# Writes the C header kconfiglib would write for a complete .config, in CMake alone: the Python-free
# path for builds that cannot run kconfiglib (Buildroot; see docs/boards.md). `make check-board-configs`
# proves the result byte-identical to kconfiglib's header for every board.
#
# As a script: cmake -DCONFIG=<.config> -DHEADER=<out.h> -P KconfigHeader.cmake

# amp_kconfig_header(<.config> <header>): every `CONFIG_X=y` becomes `#define CONFIG_X 1`, every other
# `CONFIG_X=value` (int, hex, quoted string) `#define CONFIG_X value`; `# CONFIG_X is not set` and
# comments are left out, as kconfiglib's write_autoconf() does. Anything else in the file is an error:
# a hand-edited or truncated file must not silently drop a symbol. The header is only rewritten when
# its content changes, so a re-configure does not rebuild everything.
function(amp_kconfig_header config header)
  file(STRINGS "${config}" _lines)
  set(_out "")
  set(_n 0)
  foreach(_line IN LISTS _lines)
    math(EXPR _n "${_n} + 1")
    if(_line MATCHES "^CONFIG_([A-Za-z0-9_]+)=y$")
      string(APPEND _out "#define CONFIG_${CMAKE_MATCH_1} 1\n")
    elseif(_line MATCHES "^CONFIG_([A-Za-z0-9_]+)=m$")
      string(APPEND _out "#define CONFIG_${CMAKE_MATCH_1}_MODULE 1\n")
    elseif(_line MATCHES "^CONFIG_([A-Za-z0-9_]+)=(-?[0-9]+|0[xX][0-9a-fA-F]+|\".*\")$")
      string(APPEND _out "#define CONFIG_${CMAKE_MATCH_1} ${CMAKE_MATCH_2}\n")
    elseif(_line MATCHES "^#" OR _line STREQUAL "")
      # "# CONFIG_X is not set" and menu comments: nothing to define
    else()
      message(FATAL_ERROR "${config}:${_n}: not a line of a kconfiglib .config: ${_line}")
    endif()
  endforeach()
  file(WRITE "${header}.tmp" "${_out}")
  configure_file("${header}.tmp" "${header}" COPYONLY)
  file(REMOVE "${header}.tmp")
endfunction()

# amp_kconfig_variables(<.config>): each symbol set as AMP_CONFIG_<NAME> (y, a number or a quoted string),
# as Kconfig.cmake does on its kconfiglib path, for the source selection in CMakeLists.txt.
macro(amp_kconfig_variables config)
  file(STRINGS "${config}" _amp_config_lines REGEX "^CONFIG_[A-Z0-9_]+=")
  foreach(_amp_line IN LISTS _amp_config_lines)
    if(_amp_line MATCHES "^CONFIG_([A-Z0-9_]+)=(.*)$")
      set(AMP_CONFIG_${CMAKE_MATCH_1} "${CMAKE_MATCH_2}")
    endif()
  endforeach()
endmacro()

if(CMAKE_SCRIPT_MODE_FILE STREQUAL CMAKE_CURRENT_LIST_FILE)
  if(NOT CONFIG OR NOT HEADER)
    message(FATAL_ERROR "usage: cmake -DCONFIG=<.config> -DHEADER=<out.h> -P ${CMAKE_CURRENT_LIST_FILE}")
  endif()
  amp_kconfig_header("${CONFIG}" "${HEADER}")
endif()
