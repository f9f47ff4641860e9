#include "commands.h"

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "batch.h"
#include "cli.h"
#include "settings.h"
#include "money.h"
#include "price_table.h"
#include "register.h"
#include "render_pdf.h"

static const char BATCH_HELP[] =
    "Usage: regenquote batch REQUESTS.jsonl|FOLDER [options]\n"
    "\n"
    "Price or issue many requests in one run: a JSON Lines file (one request per\n"
    "line; blank lines and lines starting with # are skipped) or a folder of\n"
    "request files. A request that fails is reported with its line and reason\n"
    "and the rest go on. A summary follows; exit status 1 if any failed.\n"
    "\n"
    "  --issue                    issue numbered quotes into the register, each request\n"
    "                             once: run again, a request already issued is reported\n"
    "                             with its number and not issued again (its\n"
    "                             \"idempotency_key\", or else its content, names it)\n"
    "                             (default: price only, DRAFT PDFs estimate-NNNNNN.pdf)\n"
    "  --format pdf|json|none     what a priced request writes (default pdf)\n"
    "  -j, --jobs N               worker processes (default 1)\n"
    "  --out-dir DIR              where files go (default out/batch, or out with --issue)\n"
    "  --uncompressed             PDFs about 2.8 times larger, made 1.6 times faster\n"
    "  --register FILE|URI  --desk NAME  --prices DIR  --templates DIR  --a4\n"
    "  -q, --quiet                no progress bar and no line per request\n"
    "\n"
    "On a terminal a progress bar shows the count, the rate and the time left.\n"
    "Each line is written as soon as its request is done; an issued number as\n"
    "soon as it is committed. Workers stop with the batch, however it stops\n"
    "(kill -9 included), after the request they are issuing.\n"
    "\n"
    "With --issue, quotes are dated today by the clock: SOURCE_DATE_EPOCH, which\n"
    "fixes the date of priced output, is refused when it is more than a day\n"
    "away from the clock (a quote is a legal estimate; docs/register.md).\n"
    "With --issue the history records the operating-system account running it,\n"
    "which needs the register's front-desk or manager role ('regenquote user --help').\n";

enum { OPT_ISSUE = 400, OPT_FORMAT, OPT_OUT_DIR, OPT_REGISTER, OPT_PRICES, OPT_TEMPLATES,
       OPT_A4, OPT_UNCOMPRESSED, OPT_DESK };

/* What a worker tells the parent about one request (then msg_len bytes). */
struct record {
    size_t index;
    long line;
    int ok;
    int already;                 /* issued by an earlier run: number is that quote */
    int printed;                 /* the worker wrote its line to standard output */
    int64_t total_cents;
    char number[96];
    char path[4200];
    size_t msg_len;
};

/* The line standard output gets for a request that succeeded. */
static void result_line(const struct record *rec, char *buf, size_t size)
{
    if (rec->already) {
        snprintf(buf, size, "%-8zu %s  already issued; not issued again\n", rec->index + 1, rec->number);
        return;
    }
    char t[40];
    money_usd(rec->total_cents, t, sizeof t);
    snprintf(buf, size, "%-8zu %s%s%s%s%s\n", rec->index + 1, rec->number, rec->number[0] ? "  " : "", rec->path,
             rec->path[0] ? "  " : "", t);
}

static int write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n > 0) {
        ssize_t w = write(fd, c, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

static int read_all(int fd, void *p, size_t n)
{
    char *c = p;
    while (n > 0) {
        ssize_t r = read(fd, c, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        c += r;
        n -= (size_t)r;
    }
    return 0;
}

static size_t count_requests(const char *path)
{
    struct batch_reader r;
    struct diag_list dl = { 0 };
    struct batch_item it;
    size_t n = 0;
    if (batch_reader_open(&r, path, &dl) == 0) {
        int rc;
        while ((rc = batch_reader_next(&r, &it, &dl)) != 0)
            n++;
    }
    batch_reader_close(&r);
    diag_list_free(&dl);
    return n;
}

/* Files made durable together in a batch. */
#define GROUP_SIZE 64

/* Sync the queued files, then report their requests (failed, if the sync
 * did).  Returns -1 if the parent cannot be told. */
static int flush_pending(struct outfile_group *g, struct record *pending, size_t *n, int fd)
{
    struct diag_list dl = { 0 };
    char buf[1200] = "";
    int ok = outfile_group_flush(g, &dl) == 0;
    if (!ok && dl.n)
        diag_format(&dl.v[0], buf, sizeof buf);
    diag_list_free(&dl);
    size_t bl = strlen(buf);
    for (size_t i = 0; i < *n; i++) {
        pending[i].ok = ok;
        pending[i].msg_len = ok ? 0 : bl;
        if (!ok)
            pending[i].path[0] = '\0';
        if (write_all(fd, &pending[i], sizeof pending[i]) != 0 || (!ok && bl && write_all(fd, buf, bl) != 0))
            return -1;
    }
    *n = 0;
    return 0;
}

/* Worker k of jobs: process every item whose index % jobs == k; report each
 * on fd.  Issuing, a worker writes each quote's line to standard output
 * itself, in one write(), as soon as it is committed (unless quiet): a
 * parent killed meanwhile loses no number.  The signals that stop a batch
 * (the parent's death included, PR_SET_PDEATHSIG) wait while one request
 * is issued and reported, so a worker stops between requests, never
 * between a commit and its line.  clear: the line first clears the
 * terminal line (the parent's progress bar, on the same terminal).
 * Returns the exit status for the worker. */
static int work(const char *input, int k, int jobs, struct price_table *pt, const char *reg_path,
                const struct batch_opts *o, bool quiet, bool clear, int fd)
{
    struct batch_reader br;
    struct diag_list dl = { 0 };
    struct reg *reg = NULL;
    int status = 0;
    struct batch_opts wo = *o;
    struct outfile_group group = { 0 };
    wo.cache = render_cache_new();
    if (o->mode == BATCH_PRICE_PDF || o->mode == BATCH_PRICE_JSON)
        wo.group = &group;
    o = &wo;
    /* results of files not yet durable wait here until the group is flushed */
    struct record *pending = NULL;
    size_t n_pending = 0;
    if (o->mode == BATCH_ISSUE && register_open(&reg, reg_path, &dl) != 0)
        status = 1;
    if (status == 0 && batch_reader_open(&br, input, &dl) != 0)
        status = 1;
    if (status) {
        char buf[1200];
        for (size_t i = 0; i < dl.n; i++)
            fprintf(stderr, "regenquote: %s\n", diag_format(&dl.v[i], buf, sizeof buf));
        diag_list_free(&dl);
        register_close(reg);
        render_cache_free(wo.cache);
        return status;
    }
    struct batch_item it;
    size_t index = 0;
    int rc;
    char *msg = NULL;
    size_t msg_cap = 0;
    sigset_t stop, unblocked;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGHUP);
    sigprocmask(SIG_SETMASK, NULL, &unblocked);
    while ((rc = batch_reader_next(&br, &it, &dl)) != 0) {
        size_t my = index++;
        if ((int)(my % (size_t)jobs) != k) {
            diag_list_free(&dl);
            continue;
        }
        if (o->mode == BATCH_ISSUE)
            sigprocmask(SIG_BLOCK, &stop, NULL);
        struct record rec = { .index = my, .line = it.line };
        struct batch_result res = { 0 };
        if (rc > 0) {
            it.index = my;
            rec.ok = batch_process(pt, reg, o, &it, &res, &dl) == 0;
        }
        rec.already = res.already_issued;
        rec.total_cents = res.total_cents;
        snprintf(rec.number, sizeof rec.number, "%s", res.number);
        snprintf(rec.path, sizeof rec.path, "%s", res.path);
        bool unreported = false;
        if (o->mode == BATCH_ISSUE && rec.ok && !quiet) {
            char line[4400];
            size_t at = clear ? (size_t)snprintf(line, sizeof line, "\r\033[K") : 0;
            result_line(&rec, line + at, sizeof line - at);
            rec.printed = write_all(STDOUT_FILENO, line, strlen(line)) == 0;
            /* a number nobody sees: issue no more (a rerun reports this one) */
            unreported = !rec.printed;
            if (unreported)
                diag_error(&dl, NULL, NULL, "cannot write to standard output: %s; %s is issued but not shown, "
                           "and this worker stops: run the batch again to see it", strerror(errno), rec.number);
        }
        /* messages, one line each: why a request failed, or why its number
         * is not shown (a success's warnings are the price tables' business) */
        if (rec.ok && !unreported)
            diag_list_free(&dl);
        size_t len = 0;
        for (size_t i = 0; i < dl.n; i++) {
            char buf[1200];
            diag_format(&dl.v[i], buf, sizeof buf);
            size_t bl = strlen(buf);
            if (len + bl + 2 > msg_cap) {
                msg_cap = (len + bl + 2) * 2;
                char *nm = realloc(msg, msg_cap);
                if (!nm)
                    break;
                msg = nm;
            }
            memcpy(msg + len, buf, bl);
            len += bl;
            msg[len++] = '\n';
        }
        rec.msg_len = len;
        diag_list_free(&dl);
        if (wo.group && rec.ok) {
            struct record *np = realloc(pending, (n_pending + 1) * sizeof *np);
            if (!np) {
                status = 1;
                break;
            }
            pending = np;
            pending[n_pending++] = rec;
            if (n_pending >= GROUP_SIZE && flush_pending(&group, pending, &n_pending, fd) != 0) {
                status = 1;
                break;
            }
            continue;
        }
        if (write_all(fd, &rec, sizeof rec) != 0 || (len && write_all(fd, msg, len) != 0) || unreported) {
            status = 1;
            break;
        }
        if (o->mode == BATCH_ISSUE)
            sigprocmask(SIG_SETMASK, &unblocked, NULL); /* a stop that came meanwhile happens here */
    }
    if (status == 0 && n_pending && flush_pending(&group, pending, &n_pending, fd) != 0)
        status = 1;
    outfile_group_abort(&group);
    free(pending);
    free(msg);
    batch_reader_close(&br);
    register_close(reg);
    render_cache_free(wo.cache);
    return status;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void progress(size_t done, size_t total, double t0, bool final)
{
    double el = now_s() - t0;
    double rate = el > 0 ? (double)done / el : 0;
    int width = 30, fill = total ? (int)((double)width * (double)done / (double)total) : width;
    char bar[40];
    for (int i = 0; i < width; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[width] = '\0';
    double left = rate > 0 && total > done ? (double)(total - done) / rate : 0;
    fprintf(stderr, "\r[%s] %zu/%zu  %.0f/s  %d:%02d left ", bar, done, total, rate, (int)left / 60,
            (int)left % 60);
    if (final)
        fputc('\n', stderr);
    fflush(stderr);
}

int cmd_batch(int argc, char **argv)
{
    static const struct option opts[] = {
        { "help", no_argument, NULL, 'h' },
        { "issue", no_argument, NULL, OPT_ISSUE },
        { "format", required_argument, NULL, OPT_FORMAT },
        { "jobs", required_argument, NULL, 'j' },
        { "out-dir", required_argument, NULL, OPT_OUT_DIR },
        { "register", required_argument, NULL, OPT_REGISTER },
        { "desk", required_argument, NULL, OPT_DESK },
        { "prices", required_argument, NULL, OPT_PRICES },
        { "templates", required_argument, NULL, OPT_TEMPLATES },
        { "a4", no_argument, NULL, OPT_A4 },
        { "uncompressed", no_argument, NULL, OPT_UNCOMPRESSED },
        { "quiet", no_argument, NULL, 'q' },
        { NULL, 0, NULL, 0 },
    };
    bool issue = false, quiet = false, a4 = false, uncompressed = false;
    const char *format = "pdf", *out_dir = NULL, *reg_opt = NULL, *prices = NULL,
               *templates = NULL, *desk = NULL;
    long jobs = 1;
    int c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":hj:q", opts, NULL)) != -1) {
        switch (c) {
        case 'h': fputs(BATCH_HELP, stdout); return 0;
        case OPT_ISSUE: issue = true; break;
        case OPT_FORMAT: format = optarg; break;
        case 'j': {
            char *end;
            jobs = strtol(optarg, &end, 10);
            if (*end || jobs < 1 || jobs > 64)
                return cli_usage_error("batch", "--jobs takes a number from 1 to 64, not '%s'", optarg);
            break;
        }
        case OPT_OUT_DIR: out_dir = optarg; break;
        case OPT_REGISTER: reg_opt = optarg; break;
        case OPT_DESK: desk = optarg; break;
        case OPT_PRICES: prices = optarg; break;
        case OPT_TEMPLATES: templates = optarg; break;
        case OPT_A4: a4 = true; break;
        case OPT_UNCOMPRESSED: uncompressed = true; break;
        case 'q': quiet = true; break;
        case ':': return cli_usage_error("batch", "option '%s' needs a value", argv[optind - 1]);
        default: return cli_usage_error("batch", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind >= argc)
        return cli_usage_error("batch", "give a JSON Lines file or a folder of requests");
    const char *input = argv[optind++];
    if (optind < argc)
        return cli_usage_error("batch", "unexpected argument '%s'", argv[optind]);
    struct batch_opts bo = { .a4 = a4, .actor = settings_os_account(), .desk = settings_desk(desk),
                             .uncompressed = uncompressed };
    if (issue)
        bo.mode = BATCH_ISSUE;
    else if (!strcmp(format, "pdf"))
        bo.mode = BATCH_PRICE_PDF;
    else if (!strcmp(format, "json"))
        bo.mode = BATCH_PRICE_JSON;
    else if (!strcmp(format, "none"))
        bo.mode = BATCH_PRICE_ONLY;
    else
        return cli_usage_error("batch", "unknown format '%s'; expected pdf, json or none", format);
    if ((issue ? cli_issue_date(&bo.issued) : cli_today(&bo.issued)) != 0)
        return EXIT_USAGE;
    bo.out_dir = out_dir ? out_dir : issue ? settings_out_dir(NULL) : "out/batch";
    bo.templates_dir = settings_templates_dir(templates);
    const char *reg_path = settings_register_path(reg_opt);

    struct diag_list dl = { 0 };
    struct price_table pt;
    if (cli_load_tables(&pt, prices, bo.issued) != 0) {
        price_table_free(&pt);
        return EXIT_DATA;
    }
    struct stat st;
    if (bo.mode != BATCH_PRICE_ONLY && stat(bo.out_dir, &st) != 0) {
        if (!strcmp(bo.out_dir, "out/batch"))
            mkdir("out", 0700);
        if (mkdir(bo.out_dir, 0700) != 0) {
            fprintf(stderr, "regenquote: %s: cannot create the folder: %s\n", bo.out_dir, strerror(errno));
            price_table_free(&pt);
            return EXIT_DATA;
        }
    }
    if (issue) {
        /* open once here: creates and migrates the register, repairs copies */
        struct reg *r = NULL;
        int fixed = 0;
        struct cli_caller who;
        bool may = false;
        if (register_open(&r, reg_path, &dl) == 0) {
            cli_caller(r, reg_path, &who);
            may = cli_require(&who, ACTION_ISSUE, "batch") == 0;
        }
        if (!may || register_repair_desk(r, bo.out_dir, bo.desk, false, 60, &fixed, &dl) != 0) {
            cli_print_diags(&dl, 20);
            diag_list_free(&dl);
            register_close(r);
            price_table_free(&pt);
            return EXIT_DATA;
        }
        register_close(r);
    }
    struct batch_reader probe;
    if (batch_reader_open(&probe, input, &dl) != 0) {
        cli_print_diags(&dl, 5);
        diag_list_free(&dl);
        batch_reader_close(&probe);
        price_table_free(&pt);
        return EXIT_DATA;
    }
    batch_reader_close(&probe);
    bool bar = !quiet && isatty(STDERR_FILENO);
    size_t total = bar ? count_requests(input) : 0;

    /* workers */
    struct pollfd pfd[64];
    pid_t pids[64];
    pid_t parent = getpid();
    int nw = 0;
    fflush(stdout);
    fflush(stderr);
    for (int k = 0; k < jobs; k++) {
        int fds[2];
        if (pipe(fds) != 0) {
            fprintf(stderr, "regenquote: cannot start workers: %s\n", strerror(errno));
            break;
        }
        pid_t pid = fork();
        if (pid < 0) {
            close(fds[0]);
            close(fds[1]);
            fprintf(stderr, "regenquote: cannot start workers: %s\n", strerror(errno));
            break;
        }
        if (pid == 0) {
            /* a worker dies with the batch, however the batch dies (kill -9
             * included): SIGTERM when the parent is gone, and at once if it
             * went before this line */
            signal(SIGTERM, SIG_DFL);
            signal(SIGINT, SIG_DFL);
            signal(SIGHUP, SIG_DFL);
            if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() != parent)
                _exit(1);
            close(fds[0]);
            for (int i = 0; i < nw; i++)
                close(pfd[i].fd);
            int st_code = work(input, k, (int)jobs, &pt, reg_path, &bo, quiet, bar && isatty(STDOUT_FILENO), fds[1]);
            close(fds[1]);
            price_table_free(&pt);
            _exit(st_code);
        }
        close(fds[1]);
        pfd[nw].fd = fds[0];
        pfd[nw].events = POLLIN;
        pids[nw++] = pid;
    }
    double t0 = now_s(), last_bar = 0;
    size_t done = 0, failed = 0, already = 0;
    int open_fds = nw;
    char *msg = NULL;
    while (open_fds > 0) {
        if (poll(pfd, (nfds_t)nw, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        for (int i = 0; i < nw; i++) {
            if (pfd[i].fd < 0 || !(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            struct record rec;
            if (read_all(pfd[i].fd, &rec, sizeof rec) != 0) {
                close(pfd[i].fd);
                pfd[i].fd = -1;
                open_fds--;
                continue;
            }
            free(msg);
            msg = malloc(rec.msg_len + 1);
            if (!msg || (rec.msg_len && read_all(pfd[i].fd, msg, rec.msg_len) != 0)) {
                close(pfd[i].fd);
                pfd[i].fd = -1;
                open_fds--;
                continue;
            }
            msg[rec.msg_len] = '\0';
            done++;
            if (bar)
                fputs("\r\033[K", stderr);
            failed += !rec.ok;
            for (char *line = msg; *line;) {
                char *nl = strchr(line, '\n');
                fprintf(stderr, "regenquote: %.*s\n", (int)(nl ? nl - line : (long)strlen(line)), line);
                line = nl ? nl + 1 : line + strlen(line);
            }
            if (rec.ok && !quiet && !rec.printed) {
                /* each line as soon as it is known, never held in a buffer */
                char line[4400];
                result_line(&rec, line, sizeof line);
                fputs(line, stdout);
                fflush(stdout);
            }
            already += rec.ok && rec.already;
            if (bar && (now_s() - last_bar > 0.1 || done == total)) {
                fflush(stdout);
                progress(done, total, t0, false);
                last_bar = now_s();
            }
        }
    }
    free(msg);
    int worker_failed = 0;
    for (int i = 0; i < nw; i++) {
        int wst;
        if (waitpid(pids[i], &wst, 0) > 0 && (!WIFEXITED(wst) || WEXITSTATUS(wst) != 0))
            worker_failed++;
    }
    if (bar)
        progress(done, total ? total : done, t0, true);
    double el = now_s() - t0;
    fflush(stdout);
    char again[64] = "";
    if (already)
        snprintf(again, sizeof again, ", %zu already issued (not again)", already);
    fprintf(stderr, "regenquote: %zu request%s, %zu %s%s, %zu failed, in %.2f s (%.0f per second)\n", done,
            done == 1 ? "" : "s", done - failed - already, issue ? "issued" : "priced", again, failed, el,
            el > 0 ? (double)done / el : 0.0);
    if (worker_failed)
        fprintf(stderr, "regenquote: %d worker%s stopped early\n", worker_failed, worker_failed == 1 ? "" : "s");
    price_table_free(&pt);
    return failed || worker_failed || nw == 0 ? EXIT_DATA : 0;
}
