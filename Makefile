# The README's two commands: `make demo` and `make test`. Both install what they need first.
JOBS ?= $(shell nproc)
RELEASE_DIR ?= build/release
ASAN_DIR ?= build/asan

.PHONY: all deps build build-popgate build-asan test check-naming demo bench format clean

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

# Every test, under AddressSanitizer + UBSan, after the naming check (.clang-tidy).
test: build-asan
	scripts/check-naming $(ASAN_DIR)
	cd $(ASAN_DIR) && ctest --output-on-failure -j $(JOBS)

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
