# Cross-building this board on Debian (`make cross BOARD=aarch64-gateway`): the aarch64 toolchain file.
include("${CMAKE_CURRENT_LIST_DIR}/../cmake/aarch64-linux-gnu.cmake")
