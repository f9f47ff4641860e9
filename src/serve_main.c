/* regenquote-serve: the front desk's HTTP server, which `regenquote serve`
 * runs (execv, same process).  A separate program so that only the server
 * loads libmicrohttpd and the TLS libraries it brings. */
#include "cli_serve.h"

int main(int argc, char **argv)
{
    return cli_serve(argc, argv);
}
