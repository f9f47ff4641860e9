/* infile — opening a file to read, never waiting on it.
 *
 * The files regenquote finds by name — the price tables, the templates, the
 * font, the logo, the requests in a batch folder — must be regular files.
 * A FIFO among them would block the reader forever (and a server's reload
 * with it); a device could be endless.  infile_open() opens with O_NONBLOCK
 * (so opening a FIFO never waits for a writer), checks the kind with fstat
 * and refuses anything else at once; reads then block as usual.  A file the
 * user names on the command line (a request) may also be a pipe or a
 * terminal, read to its end: infile_open_named(). */
#ifndef RQ_INFILE_H
#define RQ_INFILE_H

#include <stdio.h>

#include "diag.h"

/* Open path to read; it must be a regular file.  noun goes into the message
 * when it cannot be opened ("cannot open NOUN: why", or "cannot open: why"
 * for NULL); what is the kind expected ("a JSON file"), with advice when
 * there is some.  Returns a stream for fclose(), or NULL with one
 * diagnostic about path: cannot open, "is a directory; expected WHAT", or
 * "is a FIFO, a device or a socket, not a regular file; expected WHAT". */
FILE *infile_open(const char *path, const char *noun, const char *what, struct diag_list *dl);

/* The same for a file the user named: a pipe, a FIFO or a terminal is read
 * too (a request on /dev/stdin); only a folder is refused. */
FILE *infile_open_named(const char *path, const char *noun, const char *what, struct diag_list *dl);

#endif
