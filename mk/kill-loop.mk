# Crash safety of issuing: KILLS `regenquote quote` runs killed with SIGKILL
# at random points (and at the register's fault points), then the register
# and the PDF copies are checked (scripts/kill-loop.sh says what).  CI runs
# a short loop: make kill-loop KILLS=30.
KILLS ?= 200
.PHONY: kill-loop

kill-loop: deps
	@$(MAKE) --no-print-directory regenquote build/regenquote-fault
	./scripts/kill-loop.sh $(KILLS) ./regenquote ./build/regenquote-fault

# The same against PostgreSQL (a private server, scripts/pg-test.sh), with
# one run in eight under a database crash and restart (pg_ctl restart -m
# immediate).  CI: make kill-loop-pg KILLS=20.
.PHONY: kill-loop-pg
kill-loop-pg: deps
	@$(MAKE) --no-print-directory regenquote build/regenquote-fault
	KILL_LOOP_PG=killloop ./scripts/pg-test.sh run killloop -- \
	  ./scripts/kill-loop.sh $(KILLS) ./regenquote ./build/regenquote-fault
