/* cli_register — the register's commands: quote, list, show, reprint,
 * revise, void, accept, repair.  Front ends over issue.h and register.h. */
#ifndef RQ_CLI_REGISTER_H
#define RQ_CLI_REGISTER_H

int cli_quote(int argc, char **argv);
int cli_list(int argc, char **argv);
int cli_show(int argc, char **argv);
int cli_reprint(int argc, char **argv);
int cli_revise(int argc, char **argv);
int cli_void(int argc, char **argv);
int cli_accept(int argc, char **argv);
int cli_repair(int argc, char **argv);

#endif
