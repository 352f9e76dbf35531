# A thin front door over CMake. `make demo` and `make test` are the two commands the README starts with.
BOARD ?= host
BUILD ?= build
ASAN_BUILD ?= build-asan
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=

# Debian packages the build, the tests and the demo need.
DEB_PACKAGES := build-essential cmake pkg-config clang libclang-rt-14-dev libmbedtls-dev nanopb libnanopb-dev protobuf-compiler \
	libsnappy-dev libinih-dev libcmocka-dev python3-kconfiglib python3-protobuf prometheus \
	python3-botocore openssl curl ca-certificates valgrind cppcheck faketime

.PHONY: all build deps lint test test-valgrind test-unit test-asan test-integration test-integration-asan test-creds demo menuconfig clean

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

# Static analysis of the agent, the ports and the tests' port.
lint: build
	cppcheck --enable=warning,style,performance,portability --error-exitcode=1 --inline-suppr -q --std=c11 \
		-I firmware -I port -I tests/port -I $(BUILD)/generated -I $(BUILD)/proto \
		firmware/*.c port/posix/*.c tests/port/*.c

# Credential sources end to end: IMDSv2, container and AWS IoT stand-ins on loopback (tests/integration/creds.sh).
test-creds: build
	tests/integration/creds.sh $(BUILD)

test: lint test-unit test-valgrind test-asan test-integration test-integration-asan test-creds

demo: deps build
	tests/integration/demo.sh $(BUILD)

menuconfig:
	cmake -S . -B $(BUILD) -DBOARD=$(BOARD) $(CMAKE_FLAGS)
	cmake --build $(BUILD) --target menuconfig

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
