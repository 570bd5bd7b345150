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

# The Swift tests, then every plugin's specs through `lantern plugin test` (exit status 1 on a failure).
test: deps
	$(SWIFT) test
	$(SWIFT) build --product lantern
	$(LANTERN) plugin test plugins

clean:
	rm -rf .build lantern-data
