# `make install` / `cmake --install` (DESTDIR honoured): the binary, the default configuration, the
# systemd unit and the BusyBox init script, laid out as the Buildroot and Yocto recipes expect
# (tests/integration/packaging.sh compares them). With the prefix /usr, GNUInstallDirs puts the
# configuration in /etc, not /usr/etc.
#
# The configuration should be root:amp-agent 0640 (it may hold a secret key); install() cannot change
# ownership, so the recipes do that (Buildroot: AMP_AGENT_PERMISSIONS; Yocto: do_install:append).
include(GNUInstallDirs)

option(AMP_INSTALL_CONFIG "Install the default /etc/amp-agent/amp-agent.ini" ON)
option(AMP_INSTALL_SYSTEMD_UNIT "Install the systemd unit amp-agent.service" ON)
option(AMP_INSTALL_INIT_SCRIPT "Install the BusyBox/SysV init script" ON)
set(AMP_SYSTEMD_UNIT_DIR "" CACHE PATH
    "Where the systemd unit goes (Yocto: \${systemd_system_unitdir}); empty: <prefix>/lib/systemd/system")
set(AMP_INIT_SCRIPT_NAME "S95amp-agent" CACHE STRING
    "Name of the init script in /etc/init.d (BusyBox rcS runs S??* in order; SysV: amp-agent)")
set(AMP_USER "amp-agent" CACHE STRING "The unprivileged user (and group) the agent runs as")

set(AMP_CONFIG_DIR "${CMAKE_INSTALL_FULL_SYSCONFDIR}/amp-agent")
set(_unit_dir "${AMP_SYSTEMD_UNIT_DIR}")
if(NOT _unit_dir)
  set(_unit_dir "${CMAKE_INSTALL_PREFIX}/lib/systemd/system")
endif()
set(AMP_BINARY "${CMAKE_INSTALL_FULL_BINDIR}/amp-agent")

install(TARGETS amp-agent RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}")
if(AMP_INSTALL_CONFIG)
  install(FILES "${CMAKE_SOURCE_DIR}/boards/common/amp-agent.ini" DESTINATION "${AMP_CONFIG_DIR}"
    PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ)
endif()
# The unit and the script name the installed paths.
configure_file("${CMAKE_SOURCE_DIR}/boards/common/amp-agent.service.in"
  "${CMAKE_BINARY_DIR}/boards/amp-agent.service" @ONLY)
configure_file("${CMAKE_SOURCE_DIR}/boards/common/amp-agent.init.in"
  "${CMAKE_BINARY_DIR}/boards/amp-agent.init" @ONLY)
if(AMP_INSTALL_SYSTEMD_UNIT)
  install(FILES "${CMAKE_BINARY_DIR}/boards/amp-agent.service" DESTINATION "${_unit_dir}")
endif()
if(AMP_INSTALL_INIT_SCRIPT)
  install(PROGRAMS "${CMAKE_BINARY_DIR}/boards/amp-agent.init"
    DESTINATION "${CMAKE_INSTALL_FULL_SYSCONFDIR}/init.d" RENAME "${AMP_INIT_SCRIPT_NAME}")
endif()
