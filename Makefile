# chirp — set-up, build, run and test. `make run` and `make test` work on a fresh Debian 12.
JOBS ?= $(shell nproc)
BUILD ?= build
SAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
TSAN_BUILD ?= build-tsan
DATA_DIR ?= ./data
LISTEN ?= 127.0.0.1:8080

.PHONY: all deps deps-test webdeps build build-asan build-fuzz build-tsan run test test-long bench bench-http bench-search clean format

all: build

deps:
	@scripts/deps.sh build

deps-test:
	@scripts/deps.sh test

# Front-end packages from npm (Swagger UI for /docs), into git-ignored folders.
# Every suite's npm packages (scripts/deps.d/*.npm), e.g. playwright-core for the browser tests.
# Then the web app's bundle from web/ into the served folder static/ (index.html,
# fingerprinted assets/, favicon.svg); static/ holds build output only and is git-ignored.
webdeps:
	api/install_swagger_ui.sh static
	scripts/npm_install.sh
	node web/build.mjs

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release
	cmake --build $(BUILD) -j $(JOBS)

# One second build, reused by later suites: ASan + UBSan + coverage, no benchmarks.
build-asan: deps-test
	cmake -S . -B $(SAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DCHIRP_SANITIZE=ON -DCHIRP_COVERAGE=ON -DCHIRP_BUILD_BENCH=OFF
	cmake --build $(SAN_BUILD) -j $(JOBS)

# libFuzzer harnesses only (tests/fuzz), clang with ASan + UBSan: a few libraries, built in a minute or two.
build-fuzz: deps-test
	CC=clang CXX=clang++ cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCHIRP_FUZZ=ON
	cmake --build $(FUZZ_BUILD) -j $(JOBS)

# ThreadSanitizer build for make test-long: only the threaded test programs and
# the servers they start (scripts/run_tests.sh picks their tests; tests/tsan.supp).
TSAN_FLAGS = -fsanitize=thread -fno-omit-frame-pointer
TSAN_TARGETS = chirpd chirpctl engine_tests search_tests crash_tests api_http_tests api_chirpd_tests api_async_post_tests
build-tsan: deps-test
	cmake -S . -B $(TSAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DCHIRP_BUILD_BENCH=OFF \
	  -DCMAKE_C_FLAGS="$(TSAN_FLAGS)" -DCMAKE_CXX_FLAGS="$(TSAN_FLAGS)" \
	  -DCMAKE_EXE_LINKER_FLAGS=-fsanitize=thread -DCMAKE_SHARED_LINKER_FLAGS=-fsanitize=thread
	cmake --build $(TSAN_BUILD) -j $(JOBS) --target $(TSAN_TARGETS)

run: build webdeps
	$(BUILD)/bin/chirpd --role all --data-dir $(DATA_DIR) --listen $(LISTEN)

# Every suite: Release build first, then the sanitizer build, then the fuzz
# build (corpus replay + 15 s of fuzzing per target). The summary line comes from ctest.
test: deps-test build build-asan build-fuzz webdeps
	scripts/run_tests.sh $(BUILD) $(SAN_BUILD) $(FUZZ_BUILD)

# The same plus the long suites, 10 minutes of fuzzing per target and the
# threaded tests under ThreadSanitizer.
test-long: deps-test build build-asan build-fuzz build-tsan webdeps
	CHIRP_LONG=1 scripts/run_tests.sh $(BUILD) $(SAN_BUILD) $(FUZZ_BUILD) $(TSAN_BUILD)

bench: build
	scripts/deps.sh bench
	bench/run_engine_bench.sh $(BUILD)

# HTTP side by side: chirpd, nginx's ceiling, Flask + SQLAlchemy + PostgreSQL (docs/benchmarks.md).
# Options: make bench-http HTTP_BENCH_ARGS="--seconds 10 --runs 2"
bench-http: build
	scripts/deps.sh bench
	bench/http/run_http_bench.sh $(BUILD) $(HTTP_BENCH_ARGS)

# Search against a plain Xapian loop, SQLite FTS5 and PostgreSQL (docs/benchmarks.md).
# SEARCH_SCALE=100000 for a quick run; the corpus is built when missing.
SEARCH_SCALE ?= 1000000
SEARCH_CORPUS ?= bench/data/corpus-$(if $(filter 1000000,$(SEARCH_SCALE)),1m,$(SEARCH_SCALE)).jsonl
bench-search:
	scripts/deps.sh bench
	$(MAKE) build
	engine/search/bench/run_search_bench.sh $(BUILD) $(SEARCH_SCALE) $(SEARCH_CORPUS)

format:
	git ls-files '*.cpp' '*.h' | xargs clang-format -i

clean:
	rm -rf $(BUILD) $(SAN_BUILD) $(FUZZ_BUILD) $(TSAN_BUILD)
