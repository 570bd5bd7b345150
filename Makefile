# The two commands of README.md: `make demo` and `make test`. Both install what is missing first.
SWIFT ?= swift
LANTERN = .build/debug/lantern

.PHONY: deps build demo test bench bench-quick clean

deps:
	@./scripts/install-deps.sh

build: deps
	$(SWIFT) build

# The demo server: creates the demo tenant once, prints its tokens and curl lines to try, serves until Ctrl-C.
demo: build
	$(LANTERN) serve --demo

# The Swift tests, then every plugin's specs (`lantern plugin test`) and checks (`lantern plugin check`).
test: deps
	$(SWIFT) test
	$(SWIFT) build --product lantern
	$(LANTERN) plugin test plugins
	$(LANTERN) plugin check plugins

# Speed and memory against their floors (issue 6); only a release build gives figures that mean anything.
bench: deps
	$(SWIFT) build -c release --product lantern
	.build/release/lantern bench

# The short run CI smokes: every key, smaller samples, under a minute once built.
bench-quick: deps
	$(SWIFT) build -c release --product lantern
	.build/release/lantern bench --quick

clean:
	rm -rf .build lantern-data
