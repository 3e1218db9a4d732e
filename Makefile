# nsnet — build, test, lint, demo. See README.md.
GO      ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
# On amd64 and arm64 the binary starts at internal/procs' entry point, which starts
# the runtime with GOMAXPROCS=1 unless the environment sets it (one P is
# cheaper for a one-command process; -batch, up and down take the default
# back). See internal/procs.
ENTRY   := $(if $(filter amd64 arm64,$(shell $(GO) env GOARCH)),-E github.com/nsnet/nsnet/internal/procs.entry)
LDFLAGS := -s -w -X main.version=$(VERSION) $(ENTRY)
STATICCHECK_VERSION := v0.8.2
export CGO_ENABLED := 0

.PHONY: all build test oracles unit integration lint demo clean size cover

all: build

# Packages off every measured path (listing, -batch, CNI, topology, the
# monitor): ping/capture, ethtool, generic netlink, the up/down journal and
# the -d tracer are built without inlining, about 57 KB less binary.
COLD_PKGS := pkt ethtool genl journal internal/nltrace
GCFLAGS   := $(foreach p,$(COLD_PKGS),-gcflags=github.com/nsnet/nsnet/$(p)=-l)

# The linker writes its output through a shared memory mapping, which leaves
# the file in the page cache as 4 KB pages; a copy written with write(2)
# sits there in large folios, and every start of the binary maps its text
# by fault-around faster (0.3 ms a process on the bench VM; see "Issue 12:
# per-process cost, third pass" in docs/BENCHMARKS.md). So bin/nsnet is a
# copy of the linked file, as an installed binary would be.
build:
	$(GO) build -trimpath $(GCFLAGS) -ldflags '$(LDFLAGS)' -o bin/.nsnet.link ./cmd/nsnet
	cp bin/.nsnet.link bin/.nsnet.copy && mv -f bin/.nsnet.copy bin/nsnet && rm -f bin/.nsnet.link

# The README's test command: the oracle programs the integration tests
# compare against (installed when missing, see tests/oracles.sh), lint, unit
# tests, then the root-only integration tests (each in its own sandbox; the
# host is compared before and after).
test: oracles lint unit cover integration

oracles:
	@sh tests/oracles.sh

unit:
	$(GO) test -count=1 $$($(GO) list ./... | grep -v /tests)

integration:
	$(GO) test -count=1 -timeout 15m ./tests/

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) ./...

# Unit coverage without root of rtnl, nat, plan and cmd/nsnet against
# issue 13's bars (85, 85, 90, 60 %); as root the tests run as nobody.
cover:
	@GO=$(GO) sh tests/cover.sh

# A walkthrough in a throw-away sandbox: nothing on the host changes.
demo: build
	$(GO) run ./examples/demo bin/nsnet

# docs/seed-topology.svg: the demo's topology as a picture (README shows it).
.PHONY: topology-svg
topology-svg: build
	$(GO) run ./examples/demo bin/nsnet docs/seed-topology.svg

clean:
	rm -rf bin

# The stripped release binary's size against the target (3.6 MB) and against
# SIZE_REF (the newest tag, or the commit before HEAD when there is none),
# each built by its own `make build`.
SIZE_REF ?= $(shell git describe --tags --abbrev=0 2>/dev/null || echo HEAD~1)
size: build
	@sh tests/size.sh bin/nsnet "$(SIZE_REF)"

# Issue 6: nsnet (one process per step, and -batch) against iproute2, nft and
# the Go netlink libraries, with the harness in ../shared/bench (called in
# place). Root only; everything runs in the harness's sandboxes; results go to
# /tmp/nsnet-bench/<date>. Not part of test or CI. Shorter:
#   make bench BENCH_N="1 10" BENCH_REPS=1     (more knobs: bench/bench.sh)
BENCH_N    ?= 1 10 100 1000
BENCH_REPS ?= 5
.PHONY: bench
bench: build
	BENCH_N="$(BENCH_N)" BENCH_REPS="$(BENCH_REPS)" NSNET=bin/nsnet bench/bench.sh
	BENCH_REPS="$(BENCH_REPS)" NSNET=bin/nsnet bench/topobench.sh
	$(MAKE) bench-cni

# Issue 14 alone: CNI ADD+DEL per container, nsnet against the reference
# plugins (bridge + host-local + portmap), driven by libcni (bin/cnidriver,
# test-only), N = 1, 10, 100 sequential and 20 parallel, in a sandbox.
.PHONY: bench-cni
bench-cni: build
	$(GO) build -o bin/cnidriver ./tests/cnidriver
	BENCH_REPS="$(CNI_BENCH_REPS)" NSNET=bin/nsnet DRIVER=bin/cnidriver bench/cnibench.sh
CNI_BENCH_REPS ?= 3

# Issue 18 alone: `nsnet -j topology` against the ip loop over 100 namespaces.
.PHONY: bench-topology
bench-topology: build
	BENCH_REPS="$(BENCH_REPS)" NSNET=bin/nsnet bench/topobench.sh
