# The front door. `make demo` and `make test` each do all of their own set-up:
# install missing Debian packages, configure, build.
#   make demo      run the demonstration on this machine (see README.md)
#   make test      build and run the whole test suite
#   make build     just build (PRESET=release|debug|asan|ci)
#   make unit      only the CTest tests of the main build
#   make asan      build and run ASAN_SUITES under AddressSanitizer + UBSan (build/asan)
#   make fuzz      build the libFuzzer targets with clang and run each for FUZZ_SECONDS
# CI (CI=true in the environment) builds the `ci` preset: warnings are errors.

PRESET ?= $(if $(CI),ci,release)
FUZZ_SECONDS ?= 30
# The suites `make asan` builds and runs (any of: unit sim integration chaos).
# The default fits the CI budget; `make asan ASAN_SUITES="unit integration"` runs both.
ASAN_SUITES ?= unit
JOBS ?= $(shell nproc)

.PHONY: all deps configure build test unit asan fuzz demo clean

all: build

deps:
	@scripts/install-deps

configure: deps
	@cmake --preset $(PRESET) >/dev/null

build: configure
	@cmake --build --preset $(PRESET) -j $(JOBS)

# The whole suite: every CTest test of the main build, the unit suite again under the
# sanitizers, then the fuzz targets.
test: unit asan fuzz

unit: build
	@ctest --preset $(PRESET) -j $(JOBS) --timeout 600

asan: deps
	@cmake --preset asan >/dev/null
	@cmake --build --preset asan -j $(JOBS) --target $(addprefix tests_,$(ASAN_SUITES))
	@ctest --preset asan -j $(JOBS) --timeout 600 \
	  -L '^($(subst $(eval) ,|,$(strip $(ASAN_SUITES))))$$'

fuzz: deps
	@cmake -S tests/fuzz -B build/fuzz -G Ninja -DAUCTION_FUZZ_SECONDS=$(FUZZ_SECONDS) >/dev/null
	@cmake --build build/fuzz -j $(JOBS)
	@ctest --test-dir build/fuzz --output-on-failure -j $(JOBS)

demo: build
	@scripts/demo build/$(PRESET)

clean:
	rm -rf build
