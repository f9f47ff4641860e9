/* ratelimit — events per minute from one client address (API requests,
 * failed sign-ins): a token bucket per address, refilled continuously; the
 * 256 most recently seen addresses are remembered (the oldest is forgotten
 * first). */
#ifndef RQ_RATELIMIT_H
#define RQ_RATELIMIT_H

struct ratelimit;

/* A limiter of per_minute requests a minute per address (a burst of up to
 * per_minute at once); per_minute <= 0 never limits.  NULL when out of
 * memory; free with ratelimit_free(). */
struct ratelimit *ratelimit_new(int per_minute);

/* Take one request for addr (a numeric address).  Returns 0 when it is
 * allowed, else the whole seconds to wait.  Thread-safe. */
int ratelimit_take(struct ratelimit *rl, const char *addr);

/* The whole seconds addr must wait before ratelimit_take would allow it
 * (0: now), taking nothing.  Thread-safe. */
int ratelimit_wait(struct ratelimit *rl, const char *addr);

/* rl may be NULL. */
void ratelimit_free(struct ratelimit *rl);

#endif
