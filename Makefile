# The README's two commands: `make demo` and `make test`. Both install what they need first.
JOBS ?= $(shell nproc)
RELEASE_DIR ?= build/release
ASAN_DIR ?= build/asan
PACKAGE_DIR ?= build/package

.PHONY: all deps build build-popgate build-asan test check-naming demo bench format clean \
	package test-package

all: build

deps:
	scripts/install-deps

build: deps
	cmake -S . -B $(RELEASE_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release
	cmake --build $(RELEASE_DIR) -j $(JOBS)

# The daemon and CLI alone, for the demo: the tests and benchmarks are most of the build.
build-popgate: deps
	cmake -S . -B $(RELEASE_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release
	cmake --build $(RELEASE_DIR) -j $(JOBS) --target popgate

build-asan: deps
	cmake -S . -B $(ASAN_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DPOPGATE_SANITIZE=ON
	cmake --build $(ASAN_DIR) -j $(JOBS)

# Every test, under AddressSanitizer + UBSan, after the naming check (.clang-tidy); then the
# packages are built and installed on this machine by scripts/test-package (needs root).
# The package build runs at the lowest CPU priority beside the tests: the integration tests leave
# cores idle while they wait for daemons and clients, and the build takes only those (run one
# after the other, CI took 27 min, of which 5 the package build).
test: build-asan
	scripts/check-naming $(ASAN_DIR)
	mkdir -p build
	nice -n 19 $(MAKE) package > build/package-build.log 2>&1 & package=$$!; \
	  (cd $(ASAN_DIR) && ctest --output-on-failure -j $(JOBS)); tests=$$?; \
	  wait $$package; built=$$?; \
	  if [ $$built -ne 0 ]; then cat build/package-build.log; fi; \
	  [ $$tests -eq 0 ] && [ $$built -eq 0 ]
	scripts/test-package $(PACKAGE_DIR)/packages

# The .deb and .rpm in $(PACKAGE_DIR)/packages (packaging/, docs/installation.md): a hardened
# release build of the popgate binary alone (no tests or benchmarks), its man pages, CPack.
package: deps
	cmake -S . -B $(PACKAGE_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr \
	  -DPOPGATE_PACKAGE=ON -DPOPGATE_HARDENING=ON -DPOPGATE_TESTS=OFF -DPOPGATE_BENCH=OFF
	cmake --build $(PACKAGE_DIR) -j $(JOBS)
	rm -f $(PACKAGE_DIR)/packages/popgate[-_]*.deb $(PACKAGE_DIR)/packages/popgate-*.rpm
	cd $(PACKAGE_DIR) && cpack --config CPackConfig.cmake

# The packages' test alone: lintian, the file lists, install, serve one SFTP exchange, purge.
test-package: package
	scripts/test-package $(PACKAGE_DIR)/packages

check-naming: build-asan
	scripts/check-naming $(ASAN_DIR)

demo: build-popgate
	scripts/demo $(RELEASE_DIR)/popgate

bench: build
	scripts/bench $(RELEASE_DIR)

format:
	git ls-files '*.cpp' '*.h' | xargs clang-format -i

clean:
	rm -rf build
