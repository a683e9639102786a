/*
 * server.h - gsn, the download server of the real runs: an HTTP/1.1 server
 * on 127.0.0.1 that serves a download scenario's files with the network the
 * scenario describes (first-byte latency, per-connection bandwidth, a shared
 * link, a server concurrency limit), for the length of one measurement.
 *
 * What it serves: `GET /file/<i> HTTP/1.1` answers 200 with
 * `Content-Length: sc->sizes[i]` and that many bytes of a fixed pattern;
 * keep-alive by default (several requests, one at a time, on a connection;
 * pipelined requests wait their turn), `Connection: close` honoured; HTTP/1.0
 * closes unless it asks for keep-alive.  An index outside [0, ntasks) or any
 * other path gets 404, a method other than GET 405, a malformed request (or
 * a head over 8 KiB, or one announcing a body) 400 and the connection is
 * closed.  Error answers are immediate: they draw no latency, take no slot.
 *
 * The network, as sim/net.c models it:
 *   - server_limit > 0: at most that many requests in service (from the
 *     start of their latency to their last byte); the others wait, FIFO, in
 *     order of arrival, before their latency starts;
 *   - first-byte latency: request number k (counting valid file requests
 *     from 0, in order of arrival at the server) waits latency_k =
 *     gsn_latency_for(seed, sc, k) between taking its slot and the first
 *     byte of its answer.  That is the k-th draw of gsR_sample(&sc->net.latency)
 *     from a gsR_rng seeded with `seed` - the stream the simulator uses: for
 *     the download workload a run's only generator draws exactly one latency
 *     per request, in request order, and nothing else.  Pass the seed the
 *     simulation used (sc->seed after --seed).  The limit of the
 *     correspondence: "request order" is the simulator's event order, and on
 *     a real machine requests that start at the same instant (threads or
 *     coroutines started together) reach the server in whichever order the
 *     scheduler lets them, so request k here may be another file than the
 *     simulator's request k.  The multiset of latencies is the same; which
 *     file gets which one is not, unless requests are made one at a time.
 *     The latency starts when the server has read the request, so the
 *     client's connect and send (tens of µs on loopback) come on top;
 *   - bandwidth: the body (not the ~100 bytes of head) of every transfer is
 *     paced at min(conn_bps, its max-min fair share of link_bps among the
 *     transfers that can take bytes - a client that stops reading leaves
 *     its share to the others, where the simulator's link counts every
 *     transfer in flight), 0 = unlimited.  Credit accrues continuously and
 *     is spent in 1 ms ticks, in sends of at least one 1448-byte segment
 *     (or the body's last bytes), so a transfer ends within about a tick
 *     of its fluid-model time; only its progress moves in segment steps.
 *
 * Why a forked child and not a thread: the runners measure their own CPU
 * with getrusage(RUSAGE_SELF), and serving costs CPU (sys time of every
 * send, a wake-up per millisecond while pacing) that is the server's, not
 * the program under measurement's.  In a child process it is counted
 * nowhere until the child is reaped by gsn_server_stop - call that after
 * the measurement's last getrusage.  It also keeps the caller
 * single-threaded, which gsh_run_once needs to fork safely.  Stopping a
 * child costs one message on a socketpair and a waitpid.  If the caller
 * dies without stopping it, the server is sent SIGKILL (PR_SET_PDEATHSIG;
 * it is a child of child.h, in a process group of its own), and if it
 * only stops listening, the socketpair reads EOF and the server exits.
 * If the server dies during a run, the clients' errors follow from it:
 * gsn_server_stop then says how it ended ("download server (pid N) was
 * killed by signal 9 (Killed)"), which callers report first.
 *
 * Costs: one epoll loop; per connection one 8 KiB buffer and one fd (the
 * child raises its RLIMIT_NOFILE soft limit to the hard limit); while
 * transfers are paced, one wake-up per ms and O(transfers) work per tick.
 *
 * Nothing here prints.  Errors are a gs_err and a sentence in a gs_error.
 */
#ifndef GSN_SERVER_H
#define GSN_SERVER_H

#include "gs.h"

#include <stdint.h>

typedef struct gsn_server gsn_server;

typedef struct {
  uint64_t connections;     /* connections accepted */
  uint64_t requests;        /* valid file requests received (each drew one latency) */
  uint64_t served;          /* of those, answered to the last byte */
  uint64_t bytes;           /* body bytes sent (heads not counted) */
  uint64_t max_in_service;  /* most requests holding a slot at once (latency or transfer) */
  uint64_t max_transfers;   /* most bodies being sent at once (sim: max_in_flight) */
  uint64_t max_connections; /* most connections open at once */
  uint64_t not_found;       /* 404 answers */
  uint64_t bad_requests;    /* 400 and 405 answers */
  uint64_t errors;          /* answers cut short (client gone, send failed, server
                               stopped first), failed accepts, requests cut off by EOF */
  int64_t latency_ns;       /* sum of the first-byte latencies drawn */
} gsn_server_stats;

/*
 * Start a server for sc's files (sc->sizes[0..ntasks)) and sc->net, with
 * the latency stream seeded by `seed`.  It listens on 127.0.0.1 and an
 * ephemeral port, and the child has set up its loop, before this returns.
 * sc is read during the call only: the child works on its own copy of the
 * caller's memory.  NULL on failure with a message in err.  Start and stop
 * from the same process; processes it forks meanwhile may use the server
 * but must not stop it.
 */
gsn_server *gsn_server_start(const gs_scenario *sc, uint64_t seed, gs_error *err);

/* The TCP port it listens on (host byte order). */
int gsn_server_port(const gsn_server *s);

/* The server's process id (to tell its CPU from the run's, or in tests). */
long gsn_server_pid(const gsn_server *s);

/*
 * Stop the server: answers still in progress are cut (counted in errors),
 * every connection closed; the child is reaped.  Fills *out (when not
 * NULL) with its statistics and frees s.  An error when the server died
 * (naming the signal) or did not answer within 10 s (then it is killed);
 * s is freed either way.  NULL s: GS_OK, nothing to do.
 */
gs_err gsn_server_stop(gsn_server *s, gsn_server_stats *out, gs_error *err);

/*
 * The first-byte latency (ns) of request k of a server started with seed
 * `seed` for sc: the k-th draw (from 0) of gsR_sample(&sc->net.latency) on a
 * gsR_rng seeded with `seed`.  The server draws its latencies through the
 * same function in a running stream.  Costs k + 1 draws; -1 when the
 * generator cannot be allocated.
 */
gs_time gsn_latency_for(uint64_t seed, const gs_scenario *sc, uint64_t k);

#endif
