# jcri: `make run` sets up this node and serves the CRI with built-in defaults; `make test` runs every test.
SHELL := /bin/bash
JAVA_HOME := $(shell scripts/find-jdk 2>/dev/null)
export JAVA_HOME
# Layer entry names are UTF-8, and the JVM takes its file name encoding from the locale.
export LC_ALL := C.UTF-8
# Maven 3.8 itself touches sun.misc.Unsafe, which JDK 25 warns about on every run.
export MAVEN_OPTS ?= --sun-misc-unsafe-memory-access=allow
MVN := mvn -B -ntp

.PHONY: deps build run test unit fmt bench clean

deps:
	@scripts/install-deps

build: deps
	$(MVN) -DskipTests package

run: build
	bin/jcri

# Unit and end-to-end tests, the architecture rules and the format check; needs root (namespaces, mounts, cgroups).
test: deps
	$(MVN) verify

unit: deps
	$(MVN) verify -pl '!e2e'

# Formats every module's Java sources (palantir-java-format through Spotless); `make test` checks the format.
fmt:
	$(MVN) spotless:apply

# Benchmarks print figures and never fail on time.
bench: deps
	$(MVN) verify -pl server,e2e -am -Djcri.bench=true -Dtest='*Benchmark' -Dsurefire.failIfNoSpecifiedTests=false

clean:
	$(MVN) clean
