# The two commands a newcomer needs:
#   make demo   install what is missing, build, and show the tools at work
#   make test   install what is missing, build (ASan/UBSan), start a throwaway RabbitMQ,
#               run every test, stop it
# Others: make build, make bench, make proxy-bench, make soak, make fuzz, make format,
# make clean.

BUILD ?= build
JOBS ?= $(shell nproc)
FUZZ_SECONDS ?= 600
SOAK_SECONDS ?= 600
CMAKE_FLAGS ?=

.PHONY: all deps test-deps build test demo bench proxy-bench soak fuzz format clean

all: build

deps:
	@tests/env/install-deps.sh all

# What make test needs and no more (no fuzzing compiler, no benchmark baselines).
test-deps:
	@tests/env/install-deps.sh test

build: deps
	cmake -S . -B $(BUILD)/release -DCMAKE_BUILD_TYPE=Release -DAMQPPROX_TESTS=OFF $(CMAKE_FLAGS)
	cmake --build $(BUILD)/release -j $(JOBS)

# The sanitizer build is optimised at -O1 with line tables only (-g1): what ASan's own
# documentation advises, enough for symbolised reports, and half the compile time of -O2 -g
# (docs/BENCHMARKS.md, "The test command's build").
test: test-deps
	cmake -S . -B $(BUILD)/test -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	      -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" -DAMQPPROX_SANITIZE=ON \
	      -DAMQPPROX_WERROR=ON -DAMQPPROX_BENCH=OFF $(CMAKE_FLAGS)
	cmake --build $(BUILD)/test -j $(JOBS)
	tests/run.sh $(BUILD)/test

demo: build
	samples/demo.sh $(BUILD)/release

bench: build
	tests/bench/run.sh $(BUILD)/release

# Issue 9's proxy comparison alone (also the last part of make bench).
proxy-bench: build
	tests/bench/proxy_bench.sh $(BUILD)/release

# 2,000 connections through the proxy with capture on, against a throwaway RabbitMQ;
# bounded (SOAK_SECONDS), never part of make test.
soak: build
	tests/bench/soak.sh $(BUILD)/release $(SOAK_SECONDS)

fuzz: deps
	CXX=clang++ cmake -S . -B $(BUILD)/fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DAMQPPROX_FUZZ=ON \
	      -DAMQPPROX_TESTS=OFF -DAMQPPROX_BENCH=OFF
	cmake --build $(BUILD)/fuzz -j $(JOBS)
	tests/fuzz/run.sh $(BUILD)/fuzz $(FUZZ_SECONDS)

format:
	clang-format -i $$(git ls-files '*.cpp' '*.hpp')

clean:
	rm -rf $(BUILD)
