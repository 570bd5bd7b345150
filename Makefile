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

# The Swift tests, then every plugin's specs (`lantern plugin test`) and checks (`lantern plugin check`).
test: deps
	$(SWIFT) test
	$(SWIFT) build --product lantern
	$(LANTERN) plugin test plugins
	$(LANTERN) plugin check plugins

clean:
	rm -rf .build lantern-data
