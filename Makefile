# Indberet — see README.md.
#   make run      build, start a local PostgreSQL in .data/pg, migrate, load demo data, serve on :8080
#   make test     every test (they start their own throwaway PostgreSQL; browser tests need chromium)
#   make screenshots  browser tests, saving full-page PNGs of the screens in docs/screens
#   make db-stop  stop the local PostgreSQL
#   make bench    measure the real server on the national data set (BENCH_SCALE=25, EXPLAIN=1)
#   make backup-test  restore a base backup of the local PostgreSQL and compare every table's rows
#   make schema   regenerate migrations/schema.sql after a new migration (make verify checks it)
#   make verify   check that generated code and migrations/schema.sql are current, every file gofmt'ed
#   make lint     staticcheck (a go tool of go.mod)
#   make spec     copy the specification (DOMAIN.md, CODES.md, the code lists) from ../shared/spec

GO      ?= go
BIN     := bin/indberet
GOFLAGS ?=
SCREENS := docs/screens
BENCH_SCALE ?= 25
EXPLAIN ?=
SPEC    ?= ../shared/spec

.DEFAULT_GOAL := help

.PHONY: help build run test screenshots db-stop bench backup-test generate schema verify lint vet fmt spec

help: ## list the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

build: ## build the binary bin/indberet
	$(GO) build $(GOFLAGS) -o $(BIN) .

# The demo data (users with the published password) goes into DATABASE_URL's database only
# when told so, `make run DEMO_FLAGS=--allow-database-url`, never because DATABASE_URL happens
# to be set in the shell, and never into a database with real data: a refusal (a user added
# by `indberet user add` counts) is shown, and the server starts without the demo data.
DEMO_FLAGS ?=

run: build ## run the system with a local database (set DATABASE_URL to use another)
	./$(BIN) migrate
	-./$(BIN) demo $(DEMO_FLAGS)
	./$(BIN) serve

test: ## run every test (the browser tests in app/e2e too)
	$(GO) vet ./...
	$(GO) test $(GOFLAGS) -count=1 ./...

screenshots: ## run the browser tests, saving full-page PNGs in docs/screens
	mkdir -p $(SCREENS)
	INDBERET_SCREENSHOTS="$(CURDIR)/$(SCREENS)" $(GO) test $(GOFLAGS) -count=1 -run '^TestBrowser' ./app/e2e/

db-stop: build ## stop the local PostgreSQL cluster in .data/pg
	./$(BIN) localdb stop

bench: ## measure the server on generated data in .data/bench (BENCH_SCALE=25; EXPLAIN=1 prints the plans); writes bench-results.md
	$(GO) run $(GOFLAGS) ./tenant/generate/bench -scale $(BENCH_SCALE) $(if $(EXPLAIN),-explain) $(BENCH_FLAGS)

backup-test: ## backup drill: base backup of .data/pg restored into a new cluster, every table's rows compared (exit 1 on a difference)
	$(GO) run $(GOFLAGS) ./tenant/pgcluster/backuptest -dir .data/pg

generate: ## regenerate the templ views
	$(GO) tool templ generate -path views

# migrations/schema.sql is the schema after every migration, as pg_dump prints it of a fresh
# migrate in a throwaway cluster (migrations/schema_test.go writes it with -update).
schema: ## regenerate migrations/schema.sql, the schema after every migration
	$(GO) test $(GOFLAGS) -count=1 -timeout 600s -run '^TestSchemaSQL$$' ./migrations -args -update

verify: generate ## check that generated code and migrations/schema.sql are up to date, and formatting
	git diff --exit-code -- views
	test -z "$$(gofmt -l $$(git ls-files '*.go'))"
	$(GO) test $(GOFLAGS) -count=1 -timeout 600s -run '^TestSchemaSQL$$' ./migrations

lint: ## run staticcheck (go tool, version in go.mod) on every package
	$(GO) tool staticcheck ./...

# The specification is kept beside the repository (SPEC); the repository holds copies, so that
# the rule ids the code cites resolve inside it. TestSpecCopiesEqualShared (spec_test.go) fails
# while a copy differs.
spec: ## copy the specification from ../shared/spec (SPEC=dir): DOMAIN.md and CODES.md to docs/, the code lists to tenant/codes/data/
	cp $(SPEC)/DOMAIN.md $(SPEC)/CODES.md docs/
	cp $(SPEC)/*.csv tenant/codes/data/

include Makefile.assets
