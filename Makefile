# The front door. `make demo` and `make test` each do all of their own set-up:
# install missing Debian packages, configure, build.
#   make demo      run the demonstration on this machine (see README.md)
#   make test      build and run the whole test suite
#   make build     just build (PRESET=release|debug|asan|ci)
#   make fuzz      build the libFuzzer targets with clang and run each for FUZZ_SECONDS
# CI (CI=true in the environment) builds the `ci` preset: warnings are errors.

PRESET ?= $(if $(CI),ci,release)
FUZZ_SECONDS ?= 30
JOBS ?= $(shell nproc)

.PHONY: all deps configure build test unit fuzz demo clean

all: build

deps:
	@scripts/install-deps

configure: deps
	@cmake --preset $(PRESET) >/dev/null

build: configure
	@cmake --build --preset $(PRESET) -j $(JOBS)

# The whole suite: every CTest test of the main build, then the fuzz targets.
test: unit fuzz

unit: build
	@ctest --preset $(PRESET) -j $(JOBS) --timeout 600

fuzz: deps
	@cmake -S tests/fuzz -B build/fuzz -G Ninja -DAUCTION_FUZZ_SECONDS=$(FUZZ_SECONDS) >/dev/null
	@cmake --build build/fuzz -j $(JOBS)
	@ctest --test-dir build/fuzz --output-on-failure -j $(JOBS)

demo: build
	@scripts/demo build/$(PRESET)

clean:
	rm -rf build
