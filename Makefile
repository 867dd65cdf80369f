# MensaKiosk. `make run` starts the kiosk in demo mode (built with the demo
# tag; `make build` and `make package` build the production kiosk, which has
# no demo); `make test` runs every test. Both install what they need (system
# packages through apt-get when missing, Go modules).
SHELL := /bin/bash
GO ?= go
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
# Fyne: every UI change from another goroutine must go through fyne.Do; the
# tag makes a mistake a data race the race detector finds.
TAGS := migrated_fynedo
# The demo (cmd/kiosk/demo.go: embedded reference server, fault proxy, demo
# Comune and panel) is in the kiosk only with this tag: `make run` and the
# tests build it, the production kiosk never links it.
DEMO := demo
# Tags of every kiosk build: no_emoji leaves out Fyne's colour emoji font,
# which Fyne 2.7 parses again for each text style and theme scope (about
# 8 MiB of the kiosk's heap; cmd/kiosk/emojifont.go).
KIOSK_TAGS := no_emoji
FUZZTIME ?= 4s
BIN := bin

.PHONY: run demo test check unit race server-stores fuzz e2e bench build deps modules clean central package package-test fyne-package deps-package

# The version lives in FyneApp.toml only; the commit is stamped into the
# binaries (this machine's Go has -buildvcs=false in its settings).
VERSION := $(shell awk -F'"' '/^[[:space:]]*Version[[:space:]]*=/ {print $$2; exit}' FyneApp.toml)
RELEASE := $(shell awk -F'=' '/^[[:space:]]*Build[[:space:]]*=/ {gsub(/[[:space:]]/, "", $$2); print $$2; exit}' FyneApp.toml)
COMMIT := $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)$(shell git diff --quiet HEAD -- 2>/dev/null || echo -dirty)
LDFLAGS := -X mensakiosk.commit=$(COMMIT)
APP_ID := $(shell awk -F'"' '/^[[:space:]]*ID[[:space:]]*=/ {print $$2; exit}' FyneApp.toml)
APP_NAME := $(shell awk -F'"' '/^[[:space:]]*Name[[:space:]]*=/ {print $$2; exit}' FyneApp.toml)
NFPM := github.com/goreleaser/nfpm/v2/cmd/nfpm@v2.48.0
FYNE := fyne.io/tools/cmd/fyne@v1.7.4
PKG_DIR ?= $(BIN)/packages

# make run             the canteen door (badge taps)
# make run ROLE=counter the town-hall counter (family account, pagoPA top-up)
ROLE ?= canteen
run: deps-run modules
	$(GO) build -tags $(TAGS),$(KIOSK_TAGS),$(DEMO) -o $(BIN)/kiosk-demo ./cmd/kiosk
	$(BIN)/kiosk-demo -demo -role $(ROLE) $(ARGS)

build: deps-run modules
	$(GO) build -tags $(TAGS),$(KIOSK_TAGS) -ldflags '$(LDFLAGS)' -o $(BIN)/kiosk ./cmd/kiosk
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN)/badgetool ./cmd/badgetool
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN)/central ./cmd/central

# Debian packages into $(PKG_DIR) (docs/install.md): mensakiosk (the kiosk,
# cgo, Fyne's native Wayland driver for cage) for this machine's
# architecture; mensakiosk-central and mensakiosk-badgetool (static) for
# amd64 and arm64. nfpm builds them from assets/packaging/.
# PKG_VERSION/PKG_RELEASE override the package's version (the upgrade test).
PKG_VERSION ?= $(VERSION)
PKG_RELEASE ?= $(RELEASE)
HOST_ARCH := $(shell $(GO) env GOARCH)
package: deps-package modules
	rm -rf $(BIN)/pkg && mkdir -p $(PKG_DIR)
	$(GO) build -tags $(TAGS),$(KIOSK_TAGS),wayland -trimpath -ldflags '-s -w $(LDFLAGS)' -o $(BIN)/pkg/$(HOST_ARCH)/mensakiosk ./cmd/kiosk
	set -e; for arch in amd64 arm64; do \
	  for cmd in central badgetool; do \
	    CGO_ENABLED=0 GOARCH=$$arch $(GO) build -trimpath -ldflags '-s -w $(LDFLAGS)' -o $(BIN)/pkg/$$arch/$$cmd ./cmd/$$cmd; \
	  done; \
	  VERSION=$(PKG_VERSION) RELEASE=$(PKG_RELEASE) ARCH=$$arch BIN=$(BIN)/pkg/$$arch \
	    $(GO) run $(NFPM) package -f assets/packaging/mensakiosk-central.yaml -p deb -t $(PKG_DIR)/; \
	done
	VERSION=$(PKG_VERSION) RELEASE=$(PKG_RELEASE) ARCH=arm64 BIN=$(BIN)/pkg/arm64 \
	  $(GO) run $(NFPM) package -f assets/packaging/badgetool.yaml -p deb -t $(PKG_DIR)/
	VERSION=$(PKG_VERSION) RELEASE=$(PKG_RELEASE) ARCH=$(HOST_ARCH) BIN=$(BIN)/pkg/$(HOST_ARCH) \
	  $(GO) run $(NFPM) package -f assets/packaging/mensakiosk.yaml -p deb -t $(PKG_DIR)/
	@ls -l $(PKG_DIR)

# Fyne's own package (a tar.xz with the binary, desktop entry and icon under
# usr/local) from the same binary. The Fyne tool reads FyneApp.toml beside the
# main package and resolves its Icon from there, and bumps Build in it after
# packaging, so it gets FyneApp.toml's values as flags instead of a copy or a link.
fyne-package: package
	mkdir -p $(PKG_DIR)
	cd $(PKG_DIR) && $(GO) run $(FYNE) package --os linux --release \
	  --src $(CURDIR)/cmd/kiosk --exe $(CURDIR)/$(BIN)/pkg/$(HOST_ARCH)/mensakiosk \
	  --icon $(CURDIR)/assets/icon.png --name $(APP_NAME) --app-id $(APP_ID) \
	  --app-version $(VERSION) --app-build $(RELEASE)

# Build the packages, inspect them, verify the units, then install, upgrade,
# remove and purge both on this machine (as root; see scripts/package-test.sh).
package-test: deps-package modules
	GO=$(GO) E2E_TAGS=e2e,$(TAGS) scripts/package-test.sh

deps-package:
	@scripts/ensure-deps.sh package

# The reference central server on loopback. A Comune's IT person imports its
# roster and makes kiosk tokens with the same binary (see docs/central.md):
#   make central CENTRAL_DATA=/var/lib/mensakiosk-central CENTRAL_ADDR=127.0.0.1:8700
CENTRAL_ADDR ?= 127.0.0.1:8700
CENTRAL_DATA ?= central-data
central: modules
	$(GO) build -o $(BIN)/central ./cmd/central
	$(BIN)/central -addr $(CENTRAL_ADDR) -data $(CENTRAL_DATA) $(ARGS)

deps-run:
	@scripts/ensure-deps.sh run

deps:
	@scripts/ensure-deps.sh test

modules:
	@$(GO) mod download

test: deps modules check race server-stores fuzz e2e package-test
	@echo "make test: all passed"

# Formatting, vet and staticcheck, without cgo (the fast inner loop's build).
check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt would change: $$out"; exit 1; fi
	CGO_ENABLED=0 $(GO) vet -tags ci,$(TAGS) ./...
	CGO_ENABLED=0 $(GO) vet -tags ci,$(TAGS),$(DEMO) ./cmd/kiosk
	CGO_ENABLED=0 $(GO) run $(STATICCHECK) -tags ci,$(TAGS) ./...
	CGO_ENABLED=0 $(GO) run $(STATICCHECK) -tags ci,$(TAGS),$(DEMO) ./cmd/kiosk

# The fast inner loop: no cgo, Fyne's software driver.
unit:
	CGO_ENABLED=0 $(GO) test -tags ci,$(TAGS),$(DEMO) ./...

# Every package under the race detector (needs cgo; the `ci` tag keeps the
# kiosk on Fyne's software driver here, the e2e test builds the real one).
race:
	$(GO) test -race -tags ci,$(TAGS),$(DEMO) -timeout 15m ./...

# The reference server's tests once more on each other store, chosen by
# MENSAKIOSK_TEST_STORE (central/server/teststore_test.go, servertest): on
# PostgreSQL (internal/pgtest starts a throwaway cluster), and on bbolt with
# every transaction run twice (as PostgreSQL reruns one after a conflict).
# Without -race: `race` ran the same code under it; the store's own
# concurrency is kvpg's tests'.
server-stores:
	MENSAKIOSK_TEST_STORE=postgres CGO_ENABLED=0 $(GO) test -tags ci,$(TAGS) -timeout 15m ./central/server ./central/server/servertest
	MENSAKIOSK_TEST_STORE=bbolt-rerun CGO_ENABLED=0 $(GO) test -tags ci,$(TAGS) -timeout 15m ./central/server

# Each fuzz target briefly; run longer by hand: make fuzz FUZZTIME=10m
fuzz:
	@FUZZTIME=$(FUZZTIME) GO=$(GO) TAGS=ci,$(TAGS) scripts/fuzz.sh

# The real kiosk binary (cgo, GLFW) under Xvfb in demo mode: a tap, the
# counter, the window's close button, 20 quits in a row, stderr under a C
# locale, and the walk through every screen of both roles (its screenshots
# are kept under bin/e2e-artifacts/<time>, or $$E2E_ARTIFACTS).
e2e: deps
	$(GO) test -tags e2e,$(TAGS),$(DEMO) -run TestEndToEnd -timeout 20m -v ./cmd/kiosk

# Tap latency against a bare commit (cmd/kiosk); the real GUI's memory over
# 5,000 taps and 200 counter sessions on 50,000 pupils against a one-label
# Fyne window (SOAK_TAPS, SOAK_SESSIONS to change); sync push/pull rates
# against a bare commit, over real HTTP with durable commits on both sides; a
# kiosk's push before and after another kiosk's 10,000 rejected events.
# The server's kv stores: kvpg (PostgreSQL) against kvbolt in the same run
# (an Update of 500 Gets and Puts, a 10,000-key scan, a hot counter,
# durable commits from 8 goroutines on a cluster with fsync on).
# Load (cmd/loadgen): 100, 300 and 1,000 kiosks, each syncing with the
# kiosk's client every 30 s and a second after each of its 30 meals, during
# the 20-minute lunch rush compressed to 20 s (×60), against a reference
# server on bbolt in-process on loopback (docs/central.md "Load"); ~90 s.
# LOADGEN_ARGS changes it, e.g. the rush's first minute in real time:
#   make bench LOADGEN_ARGS='-kiosks 1000 -rush 20m -window 60s -drain 10s'
LOADGEN_ARGS ?= -kiosks 100,300,1000 -meals 30 -rush 20s -drain 5s
# The stores compared: one server on bbolt, one on PostgreSQL, two on one
# PostgreSQL database (a throwaway cluster with fsync on, internal/pgtest),
# 1,000 and 2,000 kiosks in the rush's first minute in real time; ~10 min.
LOADGEN_STORES_ARGS ?= -store bbolt,postgres,postgres:2 -kiosks 1000,2000 -meals 30 -rush 20m -window 60s -drain 10s -max 25m
bench: modules
	@scripts/ensure-deps.sh test
	CGO_ENABLED=0 $(GO) test -tags ci,$(TAGS) -run '^$$' -bench 'ImportComune' -benchtime 1x -timeout 30m ./central/server
	CGO_ENABLED=0 $(GO) test -tags ci,$(TAGS) -run '^$$' -bench 'ComuniFront' -benchtime 5000x -timeout 10m ./central/server
	CGO_ENABLED=0 $(GO) test -tags ci,$(TAGS),$(DEMO) -run '^$$' -bench . -benchtime 1x -timeout 60m ./cmd/kiosk
	@scripts/ensure-deps.sh test
	CGO_ENABLED=0 $(GO) test -tags ci,$(TAGS) -run '^$$' -bench . -benchtime 20x -timeout 10m ./central/server/kv/...
	$(GO) test -tags e2e,$(TAGS),$(DEMO) -run '^$$' -bench SoakGUI -benchtime 1x -timeout 60m ./cmd/kiosk
	CGO_ENABLED=0 $(GO) test -tags ci,$(TAGS) -run '^$$' -bench 'BareCommit|Push10k|FirstPull50k' -benchtime 3x -timeout 30m ./central/synctest
	CGO_ENABLED=0 $(GO) test -tags ci,$(TAGS) -run '^$$' -bench 'BareCommit|EmptyDeltaPull|TopUp|FamilyView' -benchtime 200x -timeout 30m ./central/synctest
	CGO_ENABLED=0 $(GO) test -tags ci,$(TAGS) -run '^$$' -bench 'PushBesideAFlood' -benchtime 1x -timeout 30m ./central/synctest
	CGO_ENABLED=0 $(GO) run ./cmd/loadgen $(LOADGEN_ARGS)
	CGO_ENABLED=0 $(GO) run ./cmd/loadgen $(LOADGEN_STORES_ARGS)

clean:
	rm -rf $(BIN)
