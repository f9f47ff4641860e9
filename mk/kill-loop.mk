# Crash safety of issuing: KILLS `regenquote quote` runs killed with SIGKILL
# at random points (and at the register's fault points), then the register
# and the PDF copies are checked (scripts/kill-loop.sh says what).  CI runs
# a short loop: make kill-loop KILLS=30.  The test build issues on the
# script's fixed date and has the fault points.
KILLS ?= 200
.PHONY: kill-loop

kill-loop: deps
	@$(MAKE) --no-print-directory build/regenquote-test
	./scripts/kill-loop.sh $(KILLS) ./build/regenquote-test
