# The front door. `make demo` and `make test` each do all of their own set-up:
# install missing Debian packages, configure, build.
#   make demo      run the demonstration on this machine (see README.md)
#   make test      build and run the whole test suite
#   make build     just build (PRESET=release|debug|asan|ci)
# CI (CI=true in the environment) builds the `ci` preset: warnings are errors.

PRESET ?= $(if $(CI),ci,release)
JOBS ?= $(shell nproc)

.PHONY: all deps configure build test demo clean

all: build

deps:
	@scripts/install-deps

configure: deps
	@cmake --preset $(PRESET) >/dev/null

build: configure
	@cmake --build --preset $(PRESET) -j $(JOBS)

test: build
	@ctest --preset $(PRESET) -j $(JOBS) --timeout 600

demo: build
	@scripts/demo build/$(PRESET)

clean:
	rm -rf build
