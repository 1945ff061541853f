# Ticketly: `make run` brings up the real local stack and the four services; `make test`
# runs every test against that stack. See README.md.
SHELL := /bin/bash
STACK := deploy/local/stack.sh
SERVICES := deploy/local/services.sh
WEB := deploy/local/components/web.sh
GOTEST_FLAGS ?= -race -count=1 -timeout 20m

.PHONY: run stack test test-unit down status bench urls chaos fuzz

run: stack ## install what is missing, start the stack and the services, load demo data, start the web app, print the URLs
	@$(SERVICES) up
	@deploy/local/demo.sh
	@$(WEB) up
	@deploy/local/urls.sh

stack:
	@$(STACK) up

test: stack ## everything needed, then all tests (the stack is reused if it runs)
	go vet ./...
	cd tools && go vet ./...
	@$(SERVICES) up
	go test $(GOTEST_FLAGS) ./...
	cd tools && FERRETDB_SMOKE_URL=mongodb://127.0.0.1:27017/ FERRETDB_SMOKE_DEBUG_URL=http://127.0.0.1:27018 go test -count=1 ./...
	deploy/local/rulestest.sh
	deploy/local/deploytest.sh
	deploy/local/promtest.sh
	deploy/local/fuzz.sh bounded
	@$(SERVICES) up
	deploy/local/demo.sh
	deploy/local/webtest.sh
	deploy/local/chaos.sh --short

test-unit: ## tests that need no running stack (integration tests skip under -short)
	go test -short -race -count=1 ./...
	cd tools && go test -short -race -count=1 ./...

down: ## stop the web app, the services and the stack (only what they started, by PID)
	@$(WEB) down
	@$(SERVICES) down
	@$(STACK) down

status:
	@$(STACK) status; $(SERVICES) status; $(WEB) status

urls:
	@deploy/local/urls.sh

chaos: run ## kill -9 / restart each component under traffic; nothing lost, nothing sold twice (SPEC section 7)
	@deploy/local/chaos.sh

fuzz: run ## schemathesis over every operation of the four OpenAPI documents, with valid tokens, for longer (make test runs a bounded pass)
	@deploy/local/fuzz.sh long

bench: run ## benchmarks against the running platform (numbers are reported, never asserted)
	@deploy/local/bench.sh
