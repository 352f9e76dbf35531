# A thin front door over CMake. `make demo` and `make test` are the two commands the README starts with.
BOARD ?= host
BUILD ?= build
ASAN_BUILD ?= build-asan
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=

# Debian packages the build, the tests and the demo need.
DEB_PACKAGES := build-essential cmake pkg-config clang libclang-rt-14-dev libmbedtls-dev nanopb libnanopb-dev protobuf-compiler \
	libsnappy-dev libinih-dev libcmocka-dev python3-kconfiglib python3-protobuf prometheus \
	python3-botocore openssl curl ca-certificates

.PHONY: all build deps test test-unit test-asan test-integration test-integration-asan demo menuconfig clean

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

test: test-unit test-asan test-integration test-integration-asan

demo: deps build
	tests/integration/demo.sh $(BUILD)

menuconfig:
	cmake -S . -B $(BUILD) -DBOARD=$(BOARD) $(CMAKE_FLAGS)
	cmake --build $(BUILD) --target menuconfig

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
