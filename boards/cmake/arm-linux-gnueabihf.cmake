# Cross toolchain file for 32-bit ARM gateways (Cortex-A7/A8 class, hard float) with Debian's cross
# compiler (crossbuild-essential-armhf) and multiarch :armhf -dev packages. See cross-debian.cmake.
set(AMP_CROSS_TRIPLET arm-linux-gnueabihf)
set(AMP_CROSS_PROCESSOR arm)
set(AMP_CROSS_QEMU qemu-arm)
set(AMP_CROSS_LOADER /lib/ld-linux-armhf.so.3)
include("${CMAKE_CURRENT_LIST_DIR}/cross-debian.cmake")
