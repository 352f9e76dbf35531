################################################################################
#
# nanopb (host): the generator and the runtime's sources, from nanopb's release
#
################################################################################

# The same version as Debian bookworm's, which amp-agent's own tests run with.
NANOPB_VERSION = 0.4.7
NANOPB_SITE = https://jpa.kapsi.fi/nanopb/download
NANOPB_SOURCE = nanopb-$(NANOPB_VERSION).tar.gz
NANOPB_LICENSE = Zlib
NANOPB_LICENSE_FILES = LICENSE.txt
HOST_NANOPB_DEPENDENCIES = host-protobuf host-python3 host-python-protobuf

# nanopb_pb2.py is made now with host-protobuf's protoc, matching host-python-protobuf, rather than by
# the generator at its first run.
define HOST_NANOPB_BUILD_CMDS
	PATH=$(BR_PATH) $(MAKE) -C $(@D)/generator/proto PROTOC=$(HOST_DIR)/bin/protoc
endef

# amp-agent builds the runtime (pb_common.c, pb_encode.c, pb_decode.c) for the target itself
# (-DAMP_NANOPB_SOURCE_DIR=$(HOST_DIR)/share/nanopb), so generator and runtime are one version.
define HOST_NANOPB_INSTALL_CMDS
	$(INSTALL) -d $(HOST_DIR)/share/nanopb
	cp -a $(@D)/pb.h $(@D)/pb_common.h $(@D)/pb_common.c $(@D)/pb_encode.h $(@D)/pb_encode.c \
		$(@D)/pb_decode.h $(@D)/pb_decode.c $(@D)/generator $(HOST_DIR)/share/nanopb/
endef

$(eval $(host-generic-package))
