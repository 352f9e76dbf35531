SUMMARY = "Host metrics pushed with Prometheus remote write (SigV4 for Amazon Managed Service for Prometheus)"
DESCRIPTION = "A small, static-memory agent that collects /proc and /sys metrics under node_exporter's \
names and pushes them over HTTPS with Prometheus remote write, signed with AWS SigV4."
SECTION = "console/network"
# The project has no licence file yet: set LICENSE and LIC_FILES_CHKSUM when it has one.
LICENSE = "CLOSED"

# mbedtls: meta-networking; snappy, libinih: meta-oe; nanopb: meta-oe's dynamic layer for meta-python;
# python3-kconfiglib, python3-protobuf: meta-python. The generators (kconfiglib, nanopb) run natively.
DEPENDS = "mbedtls snappy libinih nanopb nanopb-native protobuf-native python3-protobuf-native python3-kconfiglib-native"

# Builds the checkout this layer lives in (as the Buildroot package's SITE_METHOD = local does). For
# a release, a bbappend sets EXTERNALSRC = "", SRC_URI = "git://...;protocol=https;branch=main" and
# SRCREV.
inherit externalsrc
EXTERNALSRC ?= "${@os.path.abspath(os.path.join(d.getVar('THISDIR'), '../../../../..'))}"
EXTERNALSRC_BUILD ?= "${WORKDIR}/build"
PV = "0.1.0+git"

inherit cmake pkgconfig systemd update-rc.d useradd python3native

# The agent's compile-time sizes: boards/<board>/defconfig through kconfiglib (a machine's conf can
# set AMP_AGENT_BOARD, e.g. "armhf-gateway" for a small 32-bit board).
AMP_AGENT_BOARD ??= "${@'armhf-gateway' if d.getVar('TARGET_ARCH') == 'arm' else 'aarch64-gateway'}"

# Yocto decides how things link: the shared libraries of the image, whatever the board's defconfig says.
EXTRA_OECMAKE = " \
    -DBOARD=${AMP_AGENT_BOARD} \
    -DAMP_BUILD_TESTS=OFF \
    -DAMP_LINK=dynamic \
    -DAMP_KCONFIG_PYTHON=${PYTHON} \
    -DAMP_SYSTEM_PYTHON=${PYTHON} \
    -DAMP_SYSTEMD_UNIT_DIR=${systemd_system_unitdir} \
    -DAMP_INSTALL_SYSTEMD_UNIT=${@bb.utils.contains('DISTRO_FEATURES', 'systemd', 'ON', 'OFF', d)} \
    -DAMP_INSTALL_INIT_SCRIPT=${@bb.utils.contains('DISTRO_FEATURES', 'sysvinit', 'ON', 'OFF', d)} \
    -DAMP_INIT_SCRIPT_NAME=amp-agent \
"

# The user the agent runs as; it reads the configuration through its group.
USERADD_PACKAGES = "${PN}"
USERADD_PARAM:${PN} = "--system --no-create-home --home-dir /var/lib/amp-agent --shell /sbin/nologin --user-group amp-agent"

SYSTEMD_SERVICE:${PN} = "amp-agent.service"
INITSCRIPT_NAME = "amp-agent"
INITSCRIPT_PARAMS = "defaults 95"

# The configuration may hold a secret key: readable by the agent's group, by no other user, and kept
# across upgrades.
CONFFILES:${PN} = "${sysconfdir}/amp-agent/amp-agent.ini"

do_install:append() {
    chown root:amp-agent ${D}${sysconfdir}/amp-agent ${D}${sysconfdir}/amp-agent/amp-agent.ini
    chmod 0750 ${D}${sysconfdir}/amp-agent
    chmod 0640 ${D}${sysconfdir}/amp-agent/amp-agent.ini
}

FILES:${PN} += "${systemd_system_unitdir}/amp-agent.service"
