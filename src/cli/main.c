#include <signal.h>

#include "cli.h"

int main(int argc, char **argv)
{
    /* A write past the file-size limit (ulimit -f) must fail with EFBIG,
     * which every writer reports and cleans up after, instead of killing
     * the process with SIGXFSZ and leaving a temporary file behind. */
    signal(SIGXFSZ, SIG_IGN);
    return cli_main(argc, argv);
}
