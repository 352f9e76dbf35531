# Finds the agent's libraries the same way on Debian (native or multiarch cross), in a Buildroot or Yocto
# sysroot, and for a static link. Defines MbedTLS::mbedtls, nanopb::protobuf-nanopb-static,
# PkgConfig::SNAPPY and PkgConfig::INIH, NANOPB_GENERATOR and AMP_SYSTEM_PYTHON.
#
# - AMP_STATIC_LINK (from CONFIG_STATIC_LINK): static archives only, so nothing is left to load at run
#   time; snappy's archive then needs the C++ runtime (libstdc++, libm) named explicitly.
# - snappy and inih through pkg-config where a .pc file exists (Debian, inih's meson install), else by
#   header and library name (snappy's own CMake install writes no snappy.pc in some versions).
# - AMP_NANOPB_SOURCE_DIR: a nanopb release tree (Buildroot's host-nanopb installs one): its runtime
#   (three C files, meant to be compiled into the program) is built here for the target, and its
#   generator is used, so generator and runtime are always the same version.

# The libraries found are cached: when CONFIG_STATIC_LINK changes (menuconfig), look them up again.
if(DEFINED AMP_STATIC_LINK_FOUND_FOR AND NOT AMP_STATIC_LINK_FOUND_FOR STREQUAL "${AMP_STATIC_LINK}")
  get_cmake_property(_amp_cache CACHE_VARIABLES)
  foreach(_var IN LISTS _amp_cache)
    if(_var MATCHES "^(pkgcfg_lib_(SNAPPY|INIH)_|MbedTLS_.*_LIBRARY$|AMP_(SNAPPY|INIH)_LIBRARY$)")
      unset(${_var} CACHE)
    endif()
  endforeach()
endif()
set(AMP_STATIC_LINK_FOUND_FOR "${AMP_STATIC_LINK}" CACHE INTERNAL "AMP_STATIC_LINK the cached libraries were found for")

if(AMP_STATIC_LINK)
  set(_amp_saved_suffixes "${CMAKE_FIND_LIBRARY_SUFFIXES}")
  set(CMAKE_FIND_LIBRARY_SUFFIXES .a)
endif()

find_package(PkgConfig REQUIRED)
find_package(MbedTLS REQUIRED)

# amp_find_library(<PREFIX> <pkg-config module> <header> <library>): the imported target PkgConfig::<PREFIX>.
function(amp_find_library prefix module header library)
  pkg_check_modules(${prefix} QUIET IMPORTED_TARGET ${module})
  if(TARGET PkgConfig::${prefix})
    get_target_property(_libs PkgConfig::${prefix} INTERFACE_LINK_LIBRARIES)
    message(STATUS "${module}: ${_libs} (pkg-config)")
    return()
  endif()
  find_path(AMP_${prefix}_INCLUDE_DIR NAMES "${header}")
  find_library(AMP_${prefix}_LIBRARY NAMES "${library}")
  if(NOT AMP_${prefix}_INCLUDE_DIR OR NOT AMP_${prefix}_LIBRARY)
    message(FATAL_ERROR "${module}: neither pkg-config nor ${header} and lib${library} found"
      " (Debian: the -dev package; cross: the :<arch> one)")
  endif()
  add_library(PkgConfig::${prefix} UNKNOWN IMPORTED GLOBAL)
  set_target_properties(PkgConfig::${prefix} PROPERTIES
    IMPORTED_LOCATION "${AMP_${prefix}_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${AMP_${prefix}_INCLUDE_DIR}")
  message(STATUS "${module}: ${AMP_${prefix}_LIBRARY}")
endfunction()

amp_find_library(SNAPPY snappy snappy-c.h snappy)
amp_find_library(INIH inih ini.h inih)

# CONFIG_STATIC_SNAPPY (a dynamic link): libsnappy.a and the C++ runtime's archives instead of
# libsnappy.so, which would load libstdc++.so and libm.so (Kconfig's help has the figures).
if(NOT AMP_STATIC_LINK AND AMP_CONFIG_STATIC_SNAPPY STREQUAL "y")
  get_target_property(_snappy_dirs PkgConfig::SNAPPY INTERFACE_LINK_DIRECTORIES)
  if(NOT _snappy_dirs)
    set(_snappy_dirs "")
  endif()
  find_library(AMP_SNAPPY_ARCHIVE NAMES libsnappy.a HINTS ${_snappy_dirs})
  if(AMP_SNAPPY_ARCHIVE)
    message(STATUS "snappy: ${AMP_SNAPPY_ARCHIVE} (CONFIG_STATIC_SNAPPY)")
    set_target_properties(PkgConfig::SNAPPY PROPERTIES INTERFACE_LINK_LIBRARIES "${AMP_SNAPPY_ARCHIVE}"
      IMPORTED_LOCATION "${AMP_SNAPPY_ARCHIVE}")
    # The C compiler's driver links no C++ runtime: the archive by name, and libgcc's unwinder as an
    # archive too (not libgcc_s.so), for the exception tables libstdc++'s code carries.
    set_property(TARGET PkgConfig::SNAPPY APPEND PROPERTY INTERFACE_LINK_LIBRARIES
      -Wl,-Bstatic stdc++ -Wl,-Bdynamic)
    set_property(TARGET PkgConfig::SNAPPY APPEND PROPERTY INTERFACE_LINK_OPTIONS -static-libgcc)
  else()
    message(WARNING "CONFIG_STATIC_SNAPPY: no libsnappy.a in the sysroot; linking libsnappy.so, which "
      "loads libstdc++.so (say n to CONFIG_STATIC_SNAPPY to silence this)")
  endif()
endif()

# snappy is C++: a shared libsnappy brings its runtime along, a static archive does not.
get_target_property(_snappy_libs PkgConfig::SNAPPY INTERFACE_LINK_LIBRARIES)
get_target_property(_snappy_location PkgConfig::SNAPPY IMPORTED_LOCATION)
if("${_snappy_libs};${_snappy_location}" MATCHES "\\.a(;|$)" AND NOT AMP_SNAPPY_ARCHIVE)
  set_property(TARGET PkgConfig::SNAPPY APPEND PROPERTY INTERFACE_LINK_LIBRARIES stdc++ m)
endif()

set(AMP_NANOPB_SOURCE_DIR "" CACHE PATH
    "nanopb release tree whose runtime is built in and whose generator is used (instead of an installed nanopb)")
if(AMP_NANOPB_SOURCE_DIR)
  if(NOT EXISTS "${AMP_NANOPB_SOURCE_DIR}/pb_encode.c")
    message(FATAL_ERROR "AMP_NANOPB_SOURCE_DIR=${AMP_NANOPB_SOURCE_DIR}: no pb_encode.c")
  endif()
  add_library(amp_nanopb STATIC "${AMP_NANOPB_SOURCE_DIR}/pb_common.c" "${AMP_NANOPB_SOURCE_DIR}/pb_encode.c"
    "${AMP_NANOPB_SOURCE_DIR}/pb_decode.c")
  target_include_directories(amp_nanopb PUBLIC "${AMP_NANOPB_SOURCE_DIR}")
  add_library(nanopb::protobuf-nanopb-static ALIAS amp_nanopb)
  set(NANOPB_GENERATOR "${AMP_NANOPB_SOURCE_DIR}/generator/nanopb_generator.py" CACHE FILEPATH
      "nanopb's nanopb_generator.py")
else()
  find_package(nanopb CONFIG REQUIRED)
endif()
find_program(NANOPB_GENERATOR nanopb_generator.py REQUIRED)

# The generators run on the build machine, under a Python that has their modules (Debian's, not a
# pyenv one earlier on PATH; Buildroot and Yocto pass their host/native python3).
find_program(AMP_SYSTEM_PYTHON NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH)
if(NOT AMP_SYSTEM_PYTHON)
  set(AMP_SYSTEM_PYTHON "${AMP_KCONFIG_PYTHON}")
endif()

if(AMP_STATIC_LINK)
  set(CMAKE_FIND_LIBRARY_SUFFIXES "${_amp_saved_suffixes}")
endif()
