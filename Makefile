# Entry points. `make demo` and `make test` are the two commands in the README.
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=Release

.PHONY: deps configure build demo test bench bench-simulate sanitize fuzz clean
FUZZ_SECONDS ?= 60
FUZZ_RUNS ?=

deps:
	./scripts/install-deps.sh

configure: deps
	cmake -S . -B $(BUILD) -G Ninja $(CMAKE_FLAGS)

build: configure
	cmake --build $(BUILD) -j $(JOBS)

demo: build
	./scripts/demo.sh $(BUILD)/exportctl

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

bench: build
	./scripts/bench.sh $(BUILD)

# The policy simulator alone: 1,000,000 orders x 4 policy sets (SIM_ORDERS to change).
bench-simulate: build
	bench/simulate.sh $(BUILD)

sanitize: deps
	cmake -S . -B build-sanitize -G Ninja -DCMAKE_BUILD_TYPE=Debug -DEXPORTCTL_SANITIZE=ON
	cmake --build build-sanitize -j $(JOBS)
	cd build-sanitize && ctest --output-on-failure -j $(JOBS)

fuzz: deps
	cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ -DEXPORTCTL_FUZZ=ON
	cmake --build build-fuzz --target fuzzers -j $(JOBS)
	FUZZ_RUNS=$(FUZZ_RUNS) ./scripts/fuzz.sh build-fuzz $(FUZZ_SECONDS)

clean:
	rm -rf $(BUILD) build-sanitize build-fuzz
