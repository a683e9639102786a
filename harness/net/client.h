/*
 * client.h - the C download clients of the real runs: one blocking GET per
 * call (what a thread or a process of the threads/processes/sequential
 * models does, like urllib.request.urlopen), and an event-loop client that
 * fetches many files at once on one thread with non-blocking sockets and
 * epoll (the asyncio model, written in C).
 *
 * Both speak just enough HTTP/1.1 for server.h's server: `GET /file/<i>`,
 * one connection per file, `Connection: close`, a 200 with Content-Length
 * (no chunked bodies).  Both connect to 127.0.0.1 only.  A body of another
 * length than expected, a status other than 200, a refused connection and
 * a stall are errors with a sentence naming the file:
 *   "cannot connect to 127.0.0.1:PORT: Connection refused"
 *   "download of file 3 stalled: no data for 10 s"
 *   "download of file 3: server answered 404 Not Found"
 *   "download of file 3: connection closed after 1000 of 5000 bytes"
 * All are GS_ERR_IO (GS_ERR_LIMIT when descriptors run out, GS_ERR_NOMEM).
 *
 * A stall is a time-out without progress, not a deadline for the whole
 * download: timeout_s bounds each wait for data (0 or less: wait forever).
 * Nothing here prints.
 */
#ifndef GSN_CLIENT_H
#define GSN_CLIENT_H

#include "gs.h"

#include <stddef.h>
#include <stdint.h>

/* What happened to one download.  Times are CLOCK_MONOTONIC ns (subtract
 * the run's start); 0 for a point not reached. */
typedef struct {
  int64_t start_ns;      /* just before connect */
  int64_t first_byte_ns; /* the first byte of the answer arrived */
  int64_t finish_ns;     /* the last byte of the body arrived */
  int64_t bytes;         /* body bytes received */
  int status;            /* HTTP status, 0 before the head arrived */
} gsn_get_result;

/*
 * Download file `index` from the server on 127.0.0.1:port on a blocking
 * socket (SO_RCVTIMEO / SO_SNDTIMEO = timeout_s): send the GET, read the
 * head, read exactly Content-Length bytes.  expect_bytes >= 0: that must
 * be the length (else an error); < 0: any length.  *got (when not NULL)
 * gets the body bytes received, also on error.
 */
gs_err gsn_get_blocking(int port, int64_t index, int64_t expect_bytes, double timeout_s,
                        int64_t *got, gs_error *err);

/* The same, filling *res (when not NULL) with its times as well. */
gs_err gsn_get_blocking_timed(int port, int64_t index, int64_t expect_bytes, double timeout_s,
                              gsn_get_result *res, gs_error *err);

/*
 * Download files 0..n-1 concurrently on the calling thread: n non-blocking
 * connections opened at once, one epoll loop.  sizes[i] >= 0 is file i's
 * expected length (< 0: any).  per_file[i] (n of them, when not NULL) gets
 * each file's times and bytes, also for the files done before an error.
 * On the first error every connection is closed and the error returned.
 * Needs n + a few descriptors: if RLIMIT_NOFILE's soft limit is lower it
 * is raised toward the hard limit (for the calling process, for good),
 * and GS_ERR_LIMIT names both limits when even that is not enough.
 * Stalls are found within timeout_s plus a quarter of it (at most 100 ms
 * more): the loop looks for them periodically rather than per connection.
 */
gs_err gsn_get_all_epoll(int port, size_t n, const int64_t *sizes, double timeout_s,
                         gsn_get_result *per_file, gs_error *err);

#endif
