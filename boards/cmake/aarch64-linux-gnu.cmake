# Cross toolchain file for 64-bit ARM gateways (Raspberry Pi 4/CM4 class) with Debian's cross compiler
# (crossbuild-essential-arm64) and multiarch :arm64 -dev packages. See cross-debian.cmake.
set(AMP_CROSS_TRIPLET aarch64-linux-gnu)
set(AMP_CROSS_PROCESSOR aarch64)
set(AMP_CROSS_QEMU qemu-aarch64)
set(AMP_CROSS_LOADER /lib/ld-linux-aarch64.so.1)
include("${CMAKE_CURRENT_LIST_DIR}/cross-debian.cmake")
