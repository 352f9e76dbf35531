# Common part of the Debian cross toolchain files (aarch64-linux-gnu.cmake, arm-linux-gnueabihf.cmake).
#
# Debian's cross compilers (crossbuild-essential-<arch>) find the C library in /usr/<triplet> and the
# target's libraries where multiarch installs them (`dpkg --add-architecture <arch>`, then
# `apt-get install libmbedtls-dev:<arch> ...`): /usr/lib/<triplet>, with the architecture-independent
# headers shared in /usr/include. So there is no separate sysroot: the root is "/" and CMake picks the
# target's libraries through CMAKE_LIBRARY_ARCHITECTURE. Build tools that run during the build (the
# nanopb generator, kconfiglib, protoc for the tests) are the host's.
#
# Buildroot and Yocto bring their own toolchain files (with a real sysroot); these are for Debian.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR "${AMP_CROSS_PROCESSOR}")
set(CMAKE_C_COMPILER "${AMP_CROSS_TRIPLET}-gcc")
set(CMAKE_LIBRARY_ARCHITECTURE "${AMP_CROSS_TRIPLET}")

# Never link the build machine's x86_64 libraries by mistake: only lib/<triplet> directories hold
# target libraries, and find_library searches those first because of CMAKE_LIBRARY_ARCHITECTURE.
set(CMAKE_FIND_ROOT_PATH "/usr/${AMP_CROSS_TRIPLET}")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)

# pkg-config must read the target's .pc files only (Debian ships no <triplet>-pkg-config wrapper here).
set(ENV{PKG_CONFIG_LIBDIR} "/usr/lib/${AMP_CROSS_TRIPLET}/pkgconfig:/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_PATH} "")

# Test programs run under qemu-user (Debian: qemu-user); ctest prefixes every test command with this.
# The target's dynamic loader and libc are where multiarch puts them (libc6:<arch> comes with the -dev
# packages), so qemu needs no -L prefix; with -L, qemu-user 7.2 hangs or crashes a dynamically linked
# program's fork() child. Only a machine with the cross libc alone (libc6-<arch>-cross) needs -L.
find_program(AMP_CROSS_QEMU_PROGRAM "${AMP_CROSS_QEMU}")
if(AMP_CROSS_QEMU_PROGRAM AND EXISTS "${AMP_CROSS_LOADER}")
  set(CMAKE_CROSSCOMPILING_EMULATOR "${AMP_CROSS_QEMU_PROGRAM}")
elseif(AMP_CROSS_QEMU_PROGRAM)
  set(CMAKE_CROSSCOMPILING_EMULATOR "${AMP_CROSS_QEMU_PROGRAM};-L;/usr/${AMP_CROSS_TRIPLET}")
endif()
