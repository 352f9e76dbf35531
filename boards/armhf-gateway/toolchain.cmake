# Cross-building this board on Debian (`make cross BOARD=armhf-gateway`): the armhf toolchain file.
include("${CMAKE_CURRENT_LIST_DIR}/../cmake/arm-linux-gnueabihf.cmake")
