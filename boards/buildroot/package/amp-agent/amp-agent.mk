################################################################################
#
# amp-agent
#
################################################################################

# The amp-agent tree this BR2_EXTERNAL lives in (boards/buildroot); override with
# AMP_AGENT_OVERRIDE_SRCDIR in local.mk, or point SITE at a release for production images.
AMP_AGENT_VERSION = 0.1.0
AMP_AGENT_SITE = $(BR2_EXTERNAL_AMP_AGENT_PATH)/../..
AMP_AGENT_SITE_METHOD = local
AMP_AGENT_DEPENDENCIES = mbedtls snappy inih host-nanopb host-python3 host-pkgconf
AMP_AGENT_SUPPORTS_IN_SOURCE_BUILD = NO

# No Python for Kconfig here: the agent's compile-time configuration is a complete .config used as is
# (AMP_CONFIG_FILE). nanopb's runtime is built from host-nanopb's release tree, with its generator.
AMP_AGENT_CONF_OPTS = \
	-DAMP_BUILD_TESTS=OFF \
	-DAMP_NANOPB_SOURCE_DIR=$(HOST_DIR)/share/nanopb \
	-DAMP_SYSTEM_PYTHON=$(HOST_DIR)/bin/python3 \
	-DAMP_INSTALL_SYSTEMD_UNIT=OFF \
	-DAMP_INSTALL_INIT_SCRIPT=OFF

ifeq ($(BR2_PACKAGE_AMP_AGENT_CONFIG_CUSTOM),y)
AMP_AGENT_CONF_OPTS += \
	-DAMP_CONFIG_FILE=$(call qstrip,$(BR2_PACKAGE_AMP_AGENT_CUSTOM_CONFIG_FILE)) \
	-DBOARD=custom
else
AMP_AGENT_CONF_OPTS += \
	-DAMP_CONFIG_FILE=$(AMP_AGENT_SRCDIR)/boards/$(call qstrip,$(BR2_PACKAGE_AMP_AGENT_BOARD))/full.config \
	-DBOARD=$(call qstrip,$(BR2_PACKAGE_AMP_AGENT_BOARD))
endif

# Buildroot decides how everything links; the board's CONFIG_STATIC_LINK only when both kinds exist.
ifeq ($(BR2_STATIC_LIBS),y)
AMP_AGENT_CONF_OPTS += -DAMP_LINK=static
else ifeq ($(BR2_SHARED_LIBS),y)
AMP_AGENT_CONF_OPTS += -DAMP_LINK=dynamic
endif

# The user the agent runs as; it reads the configuration through its group.
define AMP_AGENT_USERS
	amp-agent -1 amp-agent -1 * /var/lib/amp-agent - - amp-agent metrics agent
endef

define AMP_AGENT_PERMISSIONS
	/etc/amp-agent d 750 root amp-agent - - - - -
	/etc/amp-agent/amp-agent.ini f 640 root amp-agent - - - - -
endef

# The unit and the script are configured by CMake with the installed paths.
define AMP_AGENT_INSTALL_INIT_SYSV
	$(INSTALL) -D -m 0755 $(AMP_AGENT_BUILDDIR)/boards/amp-agent.init \
		$(TARGET_DIR)/etc/init.d/S95amp-agent
endef

define AMP_AGENT_INSTALL_INIT_SYSTEMD
	$(INSTALL) -D -m 0644 $(AMP_AGENT_BUILDDIR)/boards/amp-agent.service \
		$(TARGET_DIR)/usr/lib/systemd/system/amp-agent.service
endef

$(eval $(cmake-package))
