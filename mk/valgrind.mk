# The command line under valgrind memcheck: every command, failing runs
# included, must finish with no memory error and no definite or indirect
# leak (scripts/valgrind-cli.sh; Criterion itself ignores valgrind errors).
.PHONY: check-valgrind

check-valgrind: deps
	@$(MAKE) --no-print-directory regenquote build/regenquote-test
	./scripts/valgrind-cli.sh ./regenquote ./build/regenquote-test
