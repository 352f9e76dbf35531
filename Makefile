# A thin front door over CMake. `make demo` and `make test` are the two commands the README starts with.
BOARD ?= host
BUILD ?= build
ASAN_BUILD ?= build-asan
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=

# Debian packages the build, the tests and the demo need.
DEB_PACKAGES := build-essential cmake pkg-config clang libclang-rt-14-dev libmbedtls-dev nanopb libnanopb-dev protobuf-compiler \
	libsnappy-dev libinih-dev libcmocka-dev python3-kconfiglib python3-protobuf prometheus \
	python3-botocore python3-snappy openssl curl ca-certificates valgrind cppcheck prometheus-node-exporter faketime \
	python3-seccomp systemd

.PHONY: all build deps lint test test-valgrind test-store-forward test-unit test-asan test-integration test-integration-asan test-integration-valgrind test-compat test-creds test-privs demo menuconfig clean

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

# Cross builds and packaging checks (docs/boards.md): Debian's cross compilers, the target architectures'
# -dev packages (multiarch: dpkg --add-architecture first), qemu-user for their tests, BusyBox for the
# init script and systemd for systemd-analyze.
DEB_ARCHS := arm64 armhf
CROSS_DEB_PACKAGES := crossbuild-essential-arm64 crossbuild-essential-armhf qemu-user busybox systemd \
	libmbedtls-dev:arm64 libsnappy-dev:arm64 libinih-dev:arm64 libcmocka-dev:arm64 libnanopb-dev:arm64 \
	libmbedtls-dev:armhf libsnappy-dev:armhf libinih-dev:armhf libcmocka-dev:armhf libnanopb-dev:armhf
CROSS_BOARDS := aarch64-gateway armhf-gateway
CROSS_BUILD_TYPE ?= MinSizeRel
PREFIX ?= /usr/local
# The armhf-gateway board's peak RSS budget (boards/armhf-gateway/budget), checked on this machine.
BUDGET_BUILD ?= build-budget
ARMHF_RSS_BUDGET_KB := $(shell sed -n 's/^RSS_KIB=//p' boards/armhf-gateway/budget)

# What the cross builds and packaging checks of `make test` need (the target architectures first).
deps-cross:
	@SUDO=$$( [ "$$(id -u)" -eq 0 ] || echo sudo ); added=; \
	for a in $(DEB_ARCHS); do dpkg --print-foreign-architectures | grep -qx $$a || \
		{ $$SUDO dpkg --add-architecture $$a; added=1; }; done; \
	missing=$$(for p in $(CROSS_DEB_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | \
		grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing$$added" ]; then \
		echo "installing:" $$missing; \
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

# Every integration test of the agent again with it built by clang with ASan+UBSan (LeakSanitizer included):
# real TLS, HTTP, signing, credentials, store and forward (its overflow cases with a sanitized 4 KiB-ring
# build), notify (without the RSS budget: ASan's shadow memory would break it), TLS refusals and
# node_exporter compatibility. The first report stops the agent, and each script fails on any report, whatever
# the agent's exit status (tests/integration/lib.sh: amp_agent_setup, amp_no_reports).
ASAN_SMALLRING_BUILD ?= build-asan-smallring
SANITIZER_ENV := ASAN_OPTIONS=halt_on_error=1:abort_on_error=1:detect_leaks=1 \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
test-integration-asan: test-asan
	CC=clang cmake -S . -B $(ASAN_SMALLRING_BUILD) -DBOARD=$(BOARD) -DAMP_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug \
		-DAMP_BUILD_TESTS=OFF -DAMP_CONFIG_OVERRIDES="CONFIG_RING_BYTES=4096" $(CMAKE_FLAGS)
	cmake --build $(ASAN_SMALLRING_BUILD) -j$(JOBS) --target amp-agent
	@set -e; for t in e2e compat creds notify tls_refusals; do \
		echo "== $$t.sh with the sanitized agent"; $(SANITIZER_ENV) tests/integration/$$t.sh $(ASAN_BUILD); \
	done; \
	echo "== store_forward.sh with the sanitized agent"; \
	$(SANITIZER_ENV) tests/integration/store_forward.sh $(ASAN_BUILD) $(ASAN_SMALLRING_BUILD)

# The end-to-end test with every run of the agent under valgrind memcheck (real TLS and SigV4 pushes into
# Prometheus, the proxies, the refusals): any error or leak report fails it.
VALGRIND_AGENT := valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect
test-integration-valgrind: build
	AMP_AGENT_WRAPPER="$(VALGRIND_AGENT)" tests/integration/e2e.sh $(BUILD)

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

# Credential sources end to end: IMDSv2, container and AWS IoT stand-ins on loopback (tests/integration/creds.sh).
test-creds: build
	tests/integration/creds.sh $(BUILD)

# The agent as an unprivileged user under the packaged systemd unit's hardening, applied without systemd
# (namespaces, setpriv, seccomp from the unit file), pushing to Prometheus on loopback; as root
# (tests/integration/privs.sh).
test-privs: build
	tests/integration/privs.sh $(BUILD)


# node_exporter and amp-agent --print on the same fixture roots (and on this host for uname, os, time, timex,
# filesystem): every series both emit must agree.
test-compat: build
	tests/integration/compat.sh $(BUILD)

test: lint test-unit test-valgrind test-asan test-integration test-integration-asan test-integration-valgrind \
	test-compat test-store-forward test-creds test-cross check-board-configs test-packaging test-notify fuzz-smoke \
	test-tls test-privs test-memscan

.PHONY: deps-cross cross test-cross check-board-configs board-configs test-packaging test-notify install clean-boards

# One board cross-built on Debian with its toolchain file (boards/<BOARD>/toolchain.cmake); prints its size report.
cross:
	cmake -S . -B build-$(BOARD) -DBOARD=$(BOARD) -DCMAKE_TOOLCHAIN_FILE=$(CURDIR)/boards/$(BOARD)/toolchain.cmake \
		-DCMAKE_BUILD_TYPE=$(CROSS_BUILD_TYPE) $(CMAKE_FLAGS)
	cmake --build build-$(BOARD) -j$(JOBS)

# Every cross board's architecture: the unit tests under qemu-user (ctest runs them through
# CMAKE_CROSSCOMPILING_EMULATOR), built with Kconfig's defaults as the tests expect (build-<board>-unit);
# then the board itself (its size report), whose emulated agent (build-<board>/emulated/amp-agent) runs
# the end-to-end and notify tests.
test-cross:
	@set -e; for b in $(CROSS_BOARDS); do \
		cmake -S . -B build-$$b-unit -DBOARD=host -DCMAKE_TOOLCHAIN_FILE=$(CURDIR)/boards/$$b/toolchain.cmake \
			-DCMAKE_BUILD_TYPE=$(CROSS_BUILD_TYPE) -DAMP_SIZE_REPORT=OFF $(CMAKE_FLAGS); \
		cmake --build build-$$b-unit -j$(JOBS); \
		(cd build-$$b-unit && ctest --output-on-failure -j$(JOBS)); \
		$(MAKE) --no-print-directory cross BOARD=$$b CMAKE_FLAGS="-DAMP_BUILD_TESTS=OFF $(CMAKE_FLAGS)"; \
		boards/check-ram-budget.sh $$b build-$$b; \
		tests/integration/e2e.sh build-$$b/emulated; \
		tests/integration/notify.sh build-$$b/emulated; \
	done

# The committed boards/*/full.config (the Python-free configuration) against kconfiglib.
check-board-configs:
	boards/board-configs.sh check

# Regenerates them after a Kconfig or defconfig change.
board-configs:
	boards/board-configs.sh write

# The Buildroot package's and the Yocto recipe's steps, done here against an aarch64 sysroot.
test-packaging:
	/usr/bin/python3 tests/integration/packaging.py --work build-packaging

# systemd's notify protocol with the native agent, and the armhf board's memory budget (its defconfig
# built for this machine: VmHWM after a TLS push).
test-notify: build
	tests/integration/notify.sh $(BUILD)
	cmake -S . -B $(BUDGET_BUILD) -DBOARD=armhf-gateway -DCMAKE_BUILD_TYPE=MinSizeRel -DAMP_BUILD_TESTS=OFF $(CMAKE_FLAGS)
	cmake --build $(BUDGET_BUILD) -j$(JOBS)
	tests/integration/notify.sh $(BUDGET_BUILD) $(ARMHF_RSS_BUDGET_KB)

# The binary, /etc/amp-agent/amp-agent.ini (under PREFIX's etc), the systemd unit and the init script;
# `make install PREFIX=/usr DESTDIR=/path/to/rootfs` for an image.
install:
	cmake -S . -B $(BUILD) -DBOARD=$(BOARD) -DCMAKE_INSTALL_PREFIX=$(PREFIX) $(CMAKE_FLAGS)
	cmake --build $(BUILD) -j$(JOBS)
	DESTDIR=$(DESTDIR) cmake --install $(BUILD)

# The boards' build directories go with the others.
# libFuzzer targets (tests/fuzz, clang): `make fuzz` runs each for FUZZ_SECONDS, `make fuzz-smoke` (in
# `make test`) for FUZZ_SMOKE_SECONDS. New inputs go to $(FUZZ_BUILD)/corpus/<target> (the seeds in
# tests/fuzz/corpus stay as they are); a crash leaves $(FUZZ_BUILD)/artifacts/<target>/crash-* and fails.
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_SMOKE_SECONDS ?= 10
FUZZ_TARGETS := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))

fuzz-build:
	CC=clang cmake -S . -B $(FUZZ_BUILD) -DBOARD=$(BOARD) -DAMP_FUZZ=ON -DAMP_BUILD_TESTS=OFF \
		-DCMAKE_BUILD_TYPE=Debug $(CMAKE_FLAGS)
	cmake --build $(FUZZ_BUILD) -j$(JOBS) --target fuzz_targets

fuzz: fuzz-build
	@$(MAKE) --no-print-directory fuzz-run FUZZ_RUN_SECONDS=$(FUZZ_SECONDS)

fuzz-smoke: fuzz-build
	@$(MAKE) --no-print-directory fuzz-run FUZZ_RUN_SECONDS=$(FUZZ_SMOKE_SECONDS)

fuzz-run:
	@set -e; for t in $(FUZZ_TARGETS); do \
		mkdir -p $(FUZZ_BUILD)/corpus/$$t $(FUZZ_BUILD)/artifacts/$$t; \
		echo "fuzz $$t: $(FUZZ_RUN_SECONDS) s"; \
		timeout $$(( $(FUZZ_RUN_SECONDS) + 60 )) $(FUZZ_BUILD)/tests/fuzz/fuzz_$$t -max_total_time=$(FUZZ_RUN_SECONDS) \
			-timeout=10 -rss_limit_mb=2048 -print_final_stats=0 \
			-artifact_prefix=$(CURDIR)/$(FUZZ_BUILD)/artifacts/$$t/ \
			$(FUZZ_BUILD)/corpus/$$t tests/fuzz/corpus/$$t > $(FUZZ_BUILD)/fuzz-$$t.log 2>&1 || \
			{ echo "fuzz $$t FAILED (input in $(FUZZ_BUILD)/artifacts/$$t):"; \
			  grep -A30 -m1 'ERROR\|runtime error' $(FUZZ_BUILD)/fuzz-$$t.log; exit 1; }; \
		tail -n1 $(FUZZ_BUILD)/fuzz-$$t.log; \
	done

# TLS connections the agent must refuse, and a handshake that stalls (tests/integration/tls_refusals.sh).
test-tls: build
	tests/integration/tls_refusals.sh $(BUILD)

.PHONY: fuzz fuzz-build fuzz-smoke fuzz-run test-tls hot-text

# Secrets wiped when replaced, in a real run: the agent's memory scanned between AWS IoT credential rotations
# and after a SIGHUP reload, for older sets and the device key's text (tests/integration/secrets_memscan.sh).
test-memscan: build
	tests/integration/secrets_memscan.sh $(BUILD)

.PHONY: test-memscan

clean: clean-boards
clean-boards:
	rm -rf $(addprefix build-,$(CROSS_BOARDS)) $(addsuffix -unit,$(addprefix build-,$(CROSS_BOARDS))) \
		build-packaging $(BUDGET_BUILD)


demo: deps build
	tests/integration/demo.sh $(BUILD)

menuconfig:
	cmake -S . -B $(BUILD) -DBOARD=$(BOARD) $(CMAKE_FLAGS)
	cmake --build $(BUILD) --target menuconfig

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(ASAN_SMALLRING_BUILD) $(SMALLRING_BUILD) $(FUZZ_BUILD)

# The benchmark of issue 7 (not part of `make test`): amp-agent against Debian's prometheus in agent mode
# + prometheus-node-exporter, side by side on loopback; results in bench/results/ (bench/run.sh says how).
# `bench-quick` is a shorter smoke run (60 s side by side instead of 180 s).
BENCH_DEB_PACKAGES := gnuplot-nox prometheus prometheus-node-exporter valgrind python3-snappy openssl binutils
.PHONY: bench bench-quick bench-deps clean-bench
bench-deps:
	@$(MAKE) --no-print-directory deps DEB_PACKAGES="$(DEB_PACKAGES) $(BENCH_DEB_PACKAGES)"
# The code the agent runs, laid out together (boards/common/hot-text.ld; commit what it writes).
hot-text:
	boards/hot-text.sh
bench: bench-deps
	bench/run.sh
bench-quick: bench-deps
	bench/run.sh --quick
clean: clean-bench
clean-bench:
	rm -rf build-bench build-bench-static build-bench-scale build-bench-aarch64
