# jcri: `make run` sets up this node and serves the CRI with built-in defaults; `make test` runs every test:
# `mvn verify` on this host, then the guest suite on the cgroup v2 + systemd test guest (`make test-guest` alone).
SHELL := /bin/bash
JAVA_HOME := $(shell scripts/find-jdk 2>/dev/null)
export JAVA_HOME
# Layer entry names are UTF-8, and the JVM takes its file name encoding from the locale.
export LC_ALL := C.UTF-8
# Maven 3.8 itself touches sun.misc.Unsafe, which JDK 25 warns about on every run.
export MAVEN_OPTS ?= --sun-misc-unsafe-memory-access=allow
# The commit stamped into `jcri --version` and the Version RPC; "unknown" outside git.
JCRI_COMMIT := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
MVN := mvn -B -ntp -Djcri.commit=$(JCRI_COMMIT)

.PHONY: deps build run test test-guest guest-suite unit fmt bench bench-compare clean dist deb deb-upgrade-pair installer-image

deps:
	@scripts/install-deps

build: deps
	$(MVN) -DskipTests package

run: build
	bin/jcri

# Unit and end-to-end tests, the architecture rules and the format check, then the guest suite even when the
# host's failed; needs root (namespaces, mounts, cgroups, qemu). Exit code: the first failure's.
test: deps
	@status=0; $(MVN) verify || status=$$?; \
	$(MAKE) --no-print-directory guest-suite || { guest=$$?; [ $$status -ne 0 ] || status=$$guest; }; exit $$status

# The guest tests (package dev.jcri.e2e.guest) inside one boot of the test guest (scripts/guest/test); builds the
# jar and the e2e test classes first, without running tests. GUEST_ARGS, e.g. "--tests CgroupV2NodeTest".
test-guest: deps
	$(MVN) -q -pl server,e2e -am -DskipTests package
	$(MAKE) --no-print-directory guest-suite

# What the guest suite installs: two packages of the built jar (DebianPackageTest upgrades from one to the other).
# The release archive is rebuilt only when the jar, packaging/ or scripts/dist is newer than it: in `make test`,
# ReleaseTest has just built it from this jar (about two minutes saved).
guest-suite:
	@archive=$$(ls -t target/dist/jcri-*-linux-amd64.tar.gz 2>/dev/null | head -1); \
	if [[ -n $$archive && -z $$(find server/target/jcri.jar packaging scripts/dist -newer "$$archive" -print -quit) ]]; \
	then echo "dist: $$archive is up to date"; else scripts/dist; fi
	scripts/deb
	DEB_REVISION=2 scripts/deb
	scripts/guest/test $(GUEST_ARGS)

unit: deps
	$(MVN) verify -pl '!e2e'

# Formats every module's Java sources (palantir-java-format through Spotless); `make test` checks the format.
fmt:
	$(MVN) spotless:apply

# Benchmarks print figures and never fail on time.
bench: deps
	$(MVN) verify -pl server,e2e -am -Djcri.bench=true -Dtest='*Benchmark' -Dsurefire.failIfNoSpecifiedTests=false

# jcri and Debian's containerd side by side (installs containerd if missing, runs it as a child in a temp dir);
# the table goes to e2e/target/bench-compare.md. BENCH_ARGS, e.g. "-Djcri.bench.runs=50".
bench-compare: deps
	$(MVN) verify -pl server,e2e -am -Djcri.bench=true -Dtest=ContainerdComparisonBenchmark \
	  -Dsurefire.failIfNoSpecifiedTests=false $(BENCH_ARGS)

# The release archive target/dist/jcri-<version>-linux-amd64.tar.gz (jlinked runtime, AOT cache); needs root.
dist: deps
	$(MVN) -DskipTests -pl server -am package
	scripts/dist

# The installer image of charts/jcri, target/dist/jcri-installer-<version>.oci.tar: an OCI archive built by Jib
# without a container daemon (busybox, charts/installer/jcri-installer, the release archive). The e2e test that runs
# it as a pod builds it when missing.
installer-image: dist
	MVN="$(MVN)" scripts/installer-image

# The Debian package target/dist/jcri_<version>_amd64.deb, from the release that `make dist` staged.
# DEB_VERSION=... overrides the package version (an upgrade test builds the same content twice).
deb: dist
	scripts/deb

# Two packages of one build, the second an upgrade of the first (revision 2): what the guest's DebianPackageTest installs.
deb-upgrade-pair: deb
	DEB_REVISION=2 scripts/deb

clean:
	$(MVN) clean
