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

/* cmd_init.c: create a register (the only command that does), and write
 * a consistent, private copy of one. */
int cmd_init(int argc, char **argv);
int cmd_backup(int argc, char **argv);

/* cmd_register.c: the register's commands, front ends over issue.h and
 * register.h. */
int cmd_quote(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_reprint(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_revise(int argc, char **argv);
int cmd_void(int argc, char **argv);
int cmd_accept(int argc, char **argv);
int cmd_notice(int argc, char **argv);
/* cmd_sign.c: accept with a signature, reprint --accepted (cmd_register.c hands over) */
int cmd_accept_signed(int argc, char **argv);
int cmd_reprint_accepted(int argc, char **argv);
/* cmd_send.c: how the estimate reaches the patient */
int cmd_deliver(int argc, char **argv);
int cmd_consent(int argc, char **argv);
int cmd_send(int argc, char **argv);
int cmd_repair(int argc, char **argv);

/* cmd_register_copy.c: `register copy`, a whole register moved between
 * stores (register_copy() in register.h). */
int cmd_register(int argc, char **argv);
/* cmd_user.c: `user add|passwd|disable|list`, the register's staff accounts. */
int cmd_user(int argc, char **argv);
/* cmd_audit.c: `audit verify|list`, the register's audit trail.  verify
 * exits 1 when the chain is broken. */
int cmd_audit(int argc, char **argv);

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

/* cmd_bill.c: `bill VERB`, the final bill against the estimate (argv[1] is
 * the verb: add, check, explain, packet, letter; docs/bills.md).  `bill
 * check` exits 3 when a provider is billed $400.00 or more above its
 * estimate. */
int cmd_bill(int argc, char **argv);
/* `list --dispute-window`: quotes whose bills are flagged and whose dispute
 * window is open, with days left (format table, csv or json). */
int bill_list_dispute_window(const char *register_path, const char *format);

/* cmd_serve.c: runs regenquote-serve (src/server), which alone loads the
 * HTTP server's libraries; replaces this process. */
int cmd_serve(int argc, char **argv);

#endif
