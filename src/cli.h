/* cli — the command-line front end: option parsing, messages, exit codes.
 * The only module that prints to stdout/stderr; all work is done by the
 * core modules.  Exit status: 0 success, 1 bad input or data, 2 usage. */
#ifndef RQ_CLI_H
#define RQ_CLI_H

#define RQ_VERSION "0.1.0"

int cli_main(int argc, char **argv);

#endif
