# Crash safety of issuing: KILLS `regenquote quote` runs killed with SIGKILL
# at random points (and at the register's fault points), then the register
# and the PDF copies are checked; then KILLS/5 (at least 5) runs of
# `batch --issue -j 2` killed (the parent alone, or with its workers) and
# run again, then each request checked issued once and every number printed
# (scripts/kill-loop.sh says what).  CI runs a short loop: make kill-loop KILLS=30.  The test build issues on the
# script's fixed date and has the fault points.
KILLS ?= 200
.PHONY: kill-loop

kill-loop: deps
	@$(MAKE) --no-print-directory build/regenquote-test
	./scripts/kill-loop.sh $(KILLS) ./build/regenquote-test

# The same against PostgreSQL (a private server, scripts/pg-test.sh), with
# one run in eight under a database crash and restart (pg_ctl restart -m
# immediate).  CI: make kill-loop-pg KILLS=20.
.PHONY: kill-loop-pg
kill-loop-pg: deps
	@$(MAKE) --no-print-directory build/regenquote-test
	KILL_LOOP_PG=killloop ./scripts/pg-test.sh run killloop -- \
	  ./scripts/kill-loop.sh $(KILLS) ./build/regenquote-test
