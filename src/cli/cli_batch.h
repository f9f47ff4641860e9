/* cli_batch — `regenquote batch`: many requests, several worker processes,
 * a progress bar on a terminal, a summary.  Front end over batch.h. */
#ifndef RQ_CLI_BATCH_H
#define RQ_CLI_BATCH_H

int cli_batch(int argc, char **argv);

#endif
