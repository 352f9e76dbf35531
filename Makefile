# A thin front door over CMake. `make demo` and `make test` are the two commands the README starts with.
BOARD ?= host
BUILD ?= build
ASAN_BUILD ?= build-asan
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=

# Debian packages the build, the tests and the demo need.
DEB_PACKAGES := build-essential cmake pkg-config clang libclang-rt-14-dev libmbedtls-dev nanopb libnanopb-dev protobuf-compiler \
	libsnappy-dev libinih-dev libcmocka-dev python3-kconfiglib python3-protobuf prometheus \
	python3-botocore python3-snappy openssl curl ca-certificates valgrind cppcheck prometheus-node-exporter

.PHONY: all build deps lint test test-valgrind test-store-forward test-unit test-asan test-integration test-integration-asan test-compat demo menuconfig clean

all: build

build:
	cmake -S . -B $(BUILD) -DBOARD=$(BOARD) $(CMAKE_FLAGS)
	cmake --build $(BUILD) -j$(JOBS)

# Installs what is missing (as root, or with sudo).
deps:
	@missing=$$(for p in $(DEB_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | \
		grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing:" $$missing; \
		SUDO=$$( [ "$$(id -u)" -eq 0 ] || echo sudo ); \
		$$SUDO apt-get update || true; \
		$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $$missing; \
	fi

test-unit: build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

# The unit tests again, built by clang with AddressSanitizer and UndefinedBehaviorSanitizer.
test-asan:
	CC=clang cmake -S . -B $(ASAN_BUILD) -DBOARD=$(BOARD) -DAMP_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug $(CMAKE_FLAGS)
	cmake --build $(ASAN_BUILD) -j$(JOBS)
	cd $(ASAN_BUILD) && ctest --output-on-failure -j$(JOBS)

test-integration: build
	tests/integration/e2e.sh $(BUILD)

# The end-to-end test again with the sanitized agent: real TLS, HTTP and signing under ASan+UBSan.
test-integration-asan: test-asan
	tests/integration/e2e.sh $(ASAN_BUILD)

# The unit tests under valgrind memcheck: any error or leak fails.
test-valgrind: build
	@set -e; for t in $(BUILD)/tests/test_*; do \
		[ -x "$$t" ] || continue; \
		echo "valgrind $$(basename $$t)"; \
		(cd $(BUILD)/tests && AMP_TEST_FIXTURES=$(CURDIR)/tests/fixtures \
			AMP_SIGV4_VECTORS=$$(cmake -L -N .. | sed -n 's/^AMP_SIGV4_VECTORS:PATH=//p') \
			AMP_PROTOC=$$(command -v protoc) AMP_PROTO_DIR=$(CURDIR)/proto \
			valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
			./$$(basename $$t) >/tmp/amp-valgrind.log 2>&1) || { cat /tmp/amp-valgrind.log; exit 1; }; \
	done; echo "valgrind: all unit tests clean"

# Store and forward against the fault-injecting receiver; the overflow case uses a build with a 4 KiB ring.
SMALLRING_BUILD ?= build-smallring
test-store-forward: build
	cmake -S . -B $(SMALLRING_BUILD) -DBOARD=$(BOARD) -DAMP_BUILD_TESTS=OFF \
		-DAMP_CONFIG_OVERRIDES="CONFIG_RING_BYTES=4096" $(CMAKE_FLAGS)
	cmake --build $(SMALLRING_BUILD) -j$(JOBS) --target amp-agent
	tests/integration/store_forward.sh $(BUILD) $(SMALLRING_BUILD)

# Static analysis of the agent, the ports and the tests' port.
lint: build
	cppcheck --enable=warning,style,performance,portability --error-exitcode=1 --inline-suppr -q --std=c11 \
		-I firmware -I port -I tests/port -I $(BUILD)/generated -I $(BUILD)/proto \
		firmware/*.c port/posix/*.c tests/port/*.c

# node_exporter and amp-agent --print on the same fixture roots (and on this host for uname, os, time, timex,
# filesystem): every series both emit must agree.
test-compat: build
	tests/integration/compat.sh $(BUILD)

test: lint test-unit test-valgrind test-asan test-integration test-integration-asan test-compat test-store-forward

demo: deps build
	tests/integration/demo.sh $(BUILD)

menuconfig:
	cmake -S . -B $(BUILD) -DBOARD=$(BOARD) $(CMAKE_FLAGS)
	cmake --build $(BUILD) --target menuconfig

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(SMALLRING_BUILD)
