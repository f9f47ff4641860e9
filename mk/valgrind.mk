# The command line under valgrind memcheck: every command, failing runs
# included, must finish with no memory error and no definite or indirect
# leak (scripts/valgrind-cli.sh; Criterion itself ignores valgrind errors),
# on SQLite and on a private PostgreSQL server (scripts/pg-test.sh).
.PHONY: check-valgrind

check-valgrind: deps
	@$(MAKE) --no-print-directory regenquote build/regenquote-test
	./scripts/pg-test.sh run valgrind -- ./scripts/valgrind-cli.sh ./regenquote ./build/regenquote-test
