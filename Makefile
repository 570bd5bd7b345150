# The two commands of README.md: `make demo` and `make test`. Both install what is missing first.
SWIFT ?= swift
LANTERN = .build/debug/lantern

.PHONY: deps build demo test clean

deps:
	@./scripts/install-deps.sh

build: deps
	$(SWIFT) build

# Until `lantern serve` exists, the demo is the command-line tour of the demo tenant.
demo: build
	$(LANTERN) demo

test: deps
	$(SWIFT) test

clean:
	rm -rf .build lantern-data
