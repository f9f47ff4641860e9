/* commands — one function per `regenquote COMMAND`, each in its own file,
 * listed in cli.c's command table (so help and dispatch cannot disagree).
 * argv[0] is the command's name; each returns the exit status: 0 success,
 * 1 bad input or data (the message names the file and field), 2 usage. */
#ifndef RQ_COMMANDS_H
#define RQ_COMMANDS_H

/* cmd_price.c: compute and show an estimate; nothing is issued. */
int cmd_price(int argc, char **argv);
/* cmd_catalog.c: what a plan can contain, with ids and prices. */
int cmd_catalog(int argc, char **argv);
/* cmd_validate.c: check price tables, every problem at once. */
int cmd_validate(int argc, char **argv);

/* cmd_register.c: the register's commands, front ends over issue.h and
 * register.h. */
int cmd_quote(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_reprint(int argc, char **argv);
int cmd_revise(int argc, char **argv);
int cmd_void(int argc, char **argv);
int cmd_accept(int argc, char **argv);
int cmd_repair(int argc, char **argv);

/* cmd_register_copy.c: `register copy`, a whole register moved between
 * stores (register_copy() in register.h). */
int cmd_register(int argc, char **argv);

/* cmd_batch.c: many requests, several worker processes, a progress bar on a
 * terminal, a summary.  Front end over batch.h. */
int cmd_batch(int argc, char **argv);

/* cmd_prices.c: `prices VERB`, finance tools for the price tables (argv[1]
 * is the verb):
 *   prices diff OLD NEW          what changed between two catalogs, and what to check
 *   prices export --csv          the catalog's items[] as CSV
 *   prices import FILE.csv       edited items back into catalog.json
 *   prices show [--on DATE]      the prices in force on a date
 *   prices sheet [--lang en|es]  the front desk's price list as a PDF
 * For diff, 0 whether or not there are differences. */
int cmd_prices(int argc, char **argv);

/* cmd_serve.c: runs regenquote-serve (src/server), which alone loads the
 * HTTP server's libraries; replaces this process. */
int cmd_serve(int argc, char **argv);

#endif
