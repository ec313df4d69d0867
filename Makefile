# The privacy desk. `make run` and `make test` install what they need.
SHELL := /bin/bash
GO    ?= go
GOBIN := $(CURDIR)/bin
export GOBIN

FUNCTIONS := $(notdir $(wildcard functions/*))
RIE_VERSION := v0.0.0-20261030222936-bef5c4ba774d
NODE_STAMP := infra/local/node_modules/.installed
FUZZTIME ?= 1m

.PHONY: run run-owners test unit validate build build-local invoke lint clean deps tools browser cost fuzz load simulate faults bench bench-cold

## deps: install the local stand-ins (npm ci from the committed lock file)
deps: $(NODE_STAMP)

$(NODE_STAMP): infra/local/package.json infra/local/package-lock.json
	@command -v node >/dev/null || { echo "Node 20 is needed: see README.md"; exit 1; }
	npm ci --prefix infra/local --no-audit --no-fund --loglevel=error
	@touch $@

## tools: the Lambda runtime interface emulator, for make invoke
tools: $(GOBIN)/aws-lambda-rie

$(GOBIN)/aws-lambda-rie:
	$(GO) install github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@$(RIE_VERSION)

## browser: headless Chromium for the browser tests (the Debian package), installed only when missing
browser:
	@if [ -x "$${CHROMIUM:-/usr/bin/chromium}" ]; then exit 0; fi; \
	command -v apt-get >/dev/null || { echo "browser: install Chromium (or set CHROMIUM to its path): the browser tests need it"; exit 1; }; \
	sudo=""; if [ "$$(id -u)" != 0 ] && command -v sudo >/dev/null; then sudo=sudo; fi; \
	echo "browser: installing chromium"; \
	$$sudo apt-get update && $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium

## run: the whole desk on this machine (web form, outbox, SMTP)
run: deps
	@$(GO) build -o bin/local-desk ./infra/local
	@exec bin/local-desk # not go run: it answers Ctrl-C with exit status 1 after the desk stopped cleanly

## run-owners: the local stack with a paper archive whose export and erasure are owners' tasks (infra/local/paper-archive.systems.yaml)
run-owners: deps
	@$(GO) build -o bin/local-desk ./infra/local
	@cat shared/system/systems.yaml infra/local/paper-archive.systems.yaml > bin/systems-owners.yaml
	@SYSTEMS_FILE=bin/systems-owners.yaml exec bin/local-desk

## test: every test (unit, adapter, workflow, end to end) on the stand-ins, then the ASL and template checks
test: deps tools browser lint validate
	STANDINS=required $(GO) test -count=1 ./...

## validate: the state machines with asl-validator; the template with cfn-lint where installed (and always by go test ./infra/local)
validate: deps
	@files=$$(ls workflows/*.asl.json 2>/dev/null || true); \
	if [ -z "$$files" ]; then echo "validate: no workflows yet"; fi; \
	for f in $$files; do \
	  infra/local/node_modules/.bin/asl-validator --no-arn-check --json-path "$$f" || { echo "$$f is not valid ASL"; exit 1; }; \
	done
	@if command -v cfn-lint >/dev/null; then cfn-lint template.yaml && echo "cfn-lint: template.yaml ok"; else echo "cfn-lint not installed: template.yaml is checked by go test ./infra/local"; fi

## build: an arm64 bootstrap per function for Lambda, in build/<function>/
build:
	@for fn in $(FUNCTIONS); do \
	  echo "build $$fn"; \
	  CGO_ENABLED=0 GOOS=linux GOARCH=arm64 $(GO) build -trimpath -tags lambda.norpc -ldflags='-s -w' -o build/$$fn/bootstrap ./functions/$$fn || exit 1; \
	done

## build-local: the same bootstraps for this machine, for make invoke
build-local:
	@for fn in $(FUNCTIONS); do \
	  CGO_ENABLED=0 $(GO) build -trimpath -tags lambda.norpc -o build/local/$$fn/bootstrap ./functions/$$fn || exit 1; \
	done

## invoke FN=intake-web EVENT=events/intake-web-get-form.json: run a built function under the Lambda runtime interface emulator against the running local stack
invoke: tools build-local
	@test -n "$(FN)" -a -n "$(EVENT)" || { echo "usage: make invoke FN=intake-web EVENT=events/intake-web-get-form.json"; exit 2; }
	infra/local/invoke.sh "$(FN)" "$(EVENT)"

## cost: what requests use and cost on AWS, counted on the stand-ins (N=20 requests by default)
cost: deps
	$(GO) run ./infra/cost -n $(or $(N),20)

## load: many requests at once on the local desk (N=1000 web submissions at C=32, 200 mails each delivered 5 times at once): rates beside a raw PutItem floor, then duplicates, lost requests and acknowledgements
load: deps
	$(GO) run ./infra/load -n $(or $(N),1000) -c $(or $(C),32)

## simulate: a year of the desk on a virtual clock (N=10000 requests, SEED=1): each legal clock met or missed, each miss with its cause
simulate:
	$(GO) run ./infra/simulate -n $(or $(N),10000) -seed $(or $(SEED),1)

## faults: the fault campaign (N=30 deletion requests): half the downstream calls fail, the whole local stack is killed and started again twice; every request closed or the team told, the trail complete, no mail or deletion twice, no data left behind a completed request
faults: deps
	$(GO) run ./infra/faults -n $(or $(N),30)

## bench: every performance figure beside its floor, as medians and ratios: cold starts (make bench-cold), the form submission and 20-state workflow benchmarks, the local runtime's memory, make cost (N=32 cold starts; COUNT=5 benchmark runs). Not part of make test
bench: deps tools
	$(GO) run ./infra/bench -n $(or $(N),32) -count $(or $(COUNT),5)

## bench-cold: each function's cold start under the Lambda runtime interface emulator (N=32 starts each) beside its SDK floor and hello, with the ratios; binary sizes likewise
bench-cold: tools
	$(GO) run ./infra/bench/cold -n $(or $(N),32)

## fuzz: every fuzz target, one after the other, FUZZTIME each (make fuzz FUZZTIME=10m); a failing input is kept under testdata/fuzz
fuzz:
	@for pkg in $$(grep -rl --include='*_test.go' '^func Fuzz' shared infra functions | xargs -n1 dirname | sort -u); do \
	  for fn in $$(grep -h '^func Fuzz' $$pkg/*_test.go | sed 's/^func \(Fuzz[A-Za-z0-9_]*\).*/\1/'); do \
	    echo "fuzz ./$$pkg $$fn for $(FUZZTIME)"; \
	    $(GO) test -run '^$$' -fuzz "^$$fn$$" -fuzztime $(FUZZTIME) ./$$pkg || exit 1; \
	  done; \
	done

## lint: gofmt and go vet
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './infra/local/node_modules/*')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

## clean: build output, local data and installed tools
clean:
	rm -rf build bin .local .aws-sam infra/local/node_modules
