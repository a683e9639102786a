/*
 * client.c - the C download clients (client.h says what they do).
 *
 * The two share the request they send and the parser of the answer's head;
 * they differ in how they wait.  The blocking client leaves waiting to the
 * kernel: SO_RCVTIMEO ends a recv() that got nothing for timeout_s, which
 * is exactly a stall.  The event-loop client keeps every connection's state
 * (connecting, sending, reading the head, reading the body) in an array
 * and drives them all from one epoll_wait; a stall there is a connection
 * whose last progress is older than timeout_s, looked for every
 * min(timeout_s / 4, 100 ms) so the scan costs O(n) a period, not a wake-up.
 *
 * Bodies are read into a 64 KiB scratch buffer and dropped: the runs
 * measure the transfer, not what is done with the bytes.
 */
#define _GNU_SOURCE /* memmem */
#include "client.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define HEAD_CAP 4096    /* an answer's head must fit here */
#define SCRATCH 65536    /* body bytes per recv */
#define SPARE_FDS 16     /* descriptors the epoll client leaves to others */
#define CHECK_MAX_NS 100000000LL

static int64_t mono_ns(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static gs_err fail(gs_error *err, gs_err code, const char *fmt, ...)
{
  if (err) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
  }
  return code;
}

static struct sockaddr_in loopback(int port)
{
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

static int request_text(char *buf, size_t cap, int port, int64_t index)
{
  return snprintf(buf, cap,
                  "GET /file/%lld HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n\r\n",
                  (long long)index, port);
}

static gs_err stalled(gs_error *err, int64_t index, double timeout_s)
{
  return fail(err, GS_ERR_IO, "download of file %lld stalled: no data for %g s", (long long)index,
              timeout_s);
}

/*
 * Parse the head of an answer in b[0..len): 0 when incomplete, 1 when
 * complete with *head_len, *status and *length (the Content-Length), -1
 * when malformed or not something these clients can read (message in err).
 */
static int parse_answer(const char *b, size_t len, int64_t index, size_t *head_len, int *status,
                        int64_t *length, gs_error *err)
{
  const char *end = memmem(b, len, "\r\n\r\n", 4);
  if (!end) {
    if (len >= HEAD_CAP) {
      fail(err, GS_ERR_IO, "download of file %lld: the answer's head is over %d bytes",
           (long long)index, HEAD_CAP);
      return -1;
    }
    return 0;
  }
  *head_len = (size_t)(end - b) + 4;
  const char *stop = end + 2;
  const char *eol = memmem(b, (size_t)(stop - b), "\r\n", 2);
  /* "HTTP/1.x NNN reason" */
  if (eol - b < 12 || memcmp(b, "HTTP/1.", 7) != 0 || (b[7] != '0' && b[7] != '1') ||
      b[8] != ' ' || b[9] < '1' || b[9] > '5' || b[10] < '0' || b[10] > '9' || b[11] < '0' ||
      b[11] > '9' || (eol - b > 12 && b[12] != ' ')) {
    fail(err, GS_ERR_IO, "download of file %lld: not an HTTP/1.x answer", (long long)index);
    return -1;
  }
  int st = (b[9] - '0') * 100 + (b[10] - '0') * 10 + (b[11] - '0');
  *status = st;
  if (st != 200) {
    const char *reason = b + 12;
    while (reason < eol && *reason == ' ')
      reason++;
    fail(err, GS_ERR_IO, "download of file %lld: server answered %d %.*s", (long long)index, st,
         (int)(eol - reason), reason);
    return -1;
  }
  *length = -1;
  for (const char *q = eol + 2; q < stop;) {
    const char *le = memmem(q, (size_t)(stop - q), "\r\n", 2);
    const char *colon = memchr(q, ':', (size_t)(le - q));
    if (colon && (size_t)(colon - q) == 14 && strncasecmp(q, "Content-Length", 14) == 0) {
      char num[32];
      size_t nl = (size_t)(le - colon - 1);
      if (nl >= sizeof num)
        nl = sizeof num - 1;
      memcpy(num, colon + 1, nl);
      num[nl] = '\0';
      char *e;
      long long v = strtoll(num, &e, 10);
      while (*e == ' ' || *e == '\t')
        e++;
      if (e == num || *e || v < 0) {
        fail(err, GS_ERR_IO, "download of file %lld: bad Content-Length", (long long)index);
        return -1;
      }
      *length = v;
    } else if (colon && (size_t)(colon - q) == 17 && strncasecmp(q, "Transfer-Encoding", 17) == 0) {
      fail(err, GS_ERR_IO, "download of file %lld: chunked answers are not supported",
           (long long)index);
      return -1;
    }
    q = le + 2;
  }
  if (*length < 0) {
    fail(err, GS_ERR_IO, "download of file %lld: the answer has no Content-Length",
         (long long)index);
    return -1;
  }
  return 1;
}

static gs_err check_length(int64_t index, int64_t length, int64_t expect, gs_error *err)
{
  if (expect >= 0 && length != expect)
    return fail(err, GS_ERR_IO, "download of file %lld: server sends %lld bytes, expected %lld",
                (long long)index, (long long)length, (long long)expect);
  return GS_OK;
}

static gs_err cut_short(gs_error *err, int64_t index, int64_t got, int64_t length)
{
  return fail(err, GS_ERR_IO, "download of file %lld: connection closed after %lld of %lld bytes",
              (long long)index, (long long)got, (long long)length);
}

/* ---- the blocking client ------------------------------------------------------ */

static gs_err blocking(int port, int64_t index, int64_t expect, double timeout_s,
                       gsn_get_result *res, gs_error *err)
{
  char head[HEAD_CAP];
  char *body = NULL;
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return fail(err, errno == EMFILE || errno == ENFILE ? GS_ERR_LIMIT : GS_ERR_IO,
                "cannot open a socket: %s", strerror(errno));
  gs_err e = GS_OK;
  if (timeout_s > 0) {
    struct timeval tv = {.tv_sec = (time_t)timeout_s};
    tv.tv_usec = (suseconds_t)((timeout_s - (double)tv.tv_sec) * 1e6);
    if (tv.tv_sec == 0 && tv.tv_usec == 0)
      tv.tv_usec = 1; /* a zero timeval would mean "no time-out" */
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  }
  struct sockaddr_in a = loopback(port);
  res->start_ns = mono_ns();
  while (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
    if (errno == EINTR)
      continue;
    if (errno == EINPROGRESS || errno == EAGAIN) /* SO_SNDTIMEO ran out */
      e = fail(err, GS_ERR_IO, "cannot connect to 127.0.0.1:%d: no answer for %g s", port,
               timeout_s);
    else
      e = fail(err, GS_ERR_IO, "cannot connect to 127.0.0.1:%d: %s", port, strerror(errno));
    goto out;
  }
  char req[128];
  int rl = request_text(req, sizeof req, port, index);
  for (int off = 0; off < rl;) {
    ssize_t w = send(fd, req + off, (size_t)(rl - off), MSG_NOSIGNAL);
    if (w < 0) {
      if (errno == EINTR)
        continue;
      e = errno == EAGAIN || errno == EWOULDBLOCK
              ? stalled(err, index, timeout_s)
              : fail(err, GS_ERR_IO, "download of file %lld: sending the request failed: %s",
                     (long long)index, strerror(errno));
      goto out;
    }
    off += (int)w;
  }

  size_t hl = 0, have = 0;
  int64_t length = 0;
  for (;;) {
    ssize_t r = recv(fd, head + have, sizeof head - have, 0);
    if (r < 0) {
      if (errno == EINTR)
        continue;
      e = errno == EAGAIN || errno == EWOULDBLOCK
              ? stalled(err, index, timeout_s)
              : fail(err, GS_ERR_IO, "download of file %lld: %s", (long long)index,
                     strerror(errno));
      goto out;
    }
    if (r == 0) {
      e = fail(err, GS_ERR_IO, "download of file %lld: connection closed before the answer",
               (long long)index);
      goto out;
    }
    if (have == 0)
      res->first_byte_ns = mono_ns();
    have += (size_t)r;
    int p = parse_answer(head, have, index, &hl, &res->status, &length, err);
    if (p < 0) {
      e = GS_ERR_IO;
      goto out;
    }
    if (p > 0)
      break;
  }
  if ((e = check_length(index, length, expect, err)) != GS_OK)
    goto out;
  /* What came with the head is body already (never more than the body:
   * the server sends nothing after it until asked again). */
  res->bytes = (int64_t)(have - hl) < length ? (int64_t)(have - hl) : length;
  if (res->bytes < length && !(body = malloc(SCRATCH))) {
    e = fail(err, GS_ERR_NOMEM, "download of file %lld: out of memory", (long long)index);
    goto out;
  }
  while (res->bytes < length) {
    int64_t want = length - res->bytes;
    ssize_t r = recv(fd, body, want < SCRATCH ? (size_t)want : SCRATCH, 0);
    if (r < 0) {
      if (errno == EINTR)
        continue;
      e = errno == EAGAIN || errno == EWOULDBLOCK
              ? stalled(err, index, timeout_s)
              : fail(err, GS_ERR_IO, "download of file %lld: %s", (long long)index,
                     strerror(errno));
      goto out;
    }
    if (r == 0) {
      e = cut_short(err, index, res->bytes, length);
      goto out;
    }
    res->bytes += r;
  }
  res->finish_ns = mono_ns();
out:
  free(body);
  close(fd);
  return e;
}

gs_err gsn_get_blocking_timed(int port, int64_t index, int64_t expect_bytes, double timeout_s,
                              gsn_get_result *res, gs_error *err)
{
  gsn_get_result r = {0};
  gs_err e = blocking(port, index, expect_bytes, timeout_s, &r, err);
  if (res)
    *res = r;
  return e;
}

gs_err gsn_get_blocking(int port, int64_t index, int64_t expect_bytes, double timeout_s,
                        int64_t *got, gs_error *err)
{
  gsn_get_result r = {0};
  gs_err e = blocking(port, index, expect_bytes, timeout_s, &r, err);
  if (got)
    *got = r.bytes;
  return e;
}

/* ---- the event-loop client ------------------------------------------------------- */

typedef enum { E_CONNECT, E_SEND, E_HEAD, E_BODY, E_DONE } estate;

typedef struct {
  int fd;
  estate st;
  int64_t last;       /* last progress, ns */
  int req_off, req_len;
  char req[128];      /* the request: at most ~90 bytes */
  size_t have;        /* head bytes so far */
  int64_t length;     /* Content-Length */
  char head[HEAD_CAP];
} eget;

/* Make room for n more descriptors, raising the soft limit if need be. */
static gs_err reserve_fds(size_t n, gs_error *err)
{
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
    return GS_OK; /* cannot tell; let socket() say */
  rlim_t need = (rlim_t)n + SPARE_FDS + 64; /* 64: what is open already, roughly */
  if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
    rlim_t want = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > need ? need : rl.rlim_max;
    struct rlimit nl = {.rlim_cur = want, .rlim_max = rl.rlim_max};
    if (want < need || setrlimit(RLIMIT_NOFILE, &nl) < 0)
      return fail(err, GS_ERR_LIMIT,
                  "cannot download %zu files at once: that needs about %llu descriptors and "
                  "RLIMIT_NOFILE allows %llu (hard limit %llu)",
                  n, (unsigned long long)need, (unsigned long long)rl.rlim_cur,
                  (unsigned long long)rl.rlim_max);
  }
  return GS_OK;
}

/* One step of connection i after an event (or right after connect).
 * GS_OK, or an error for this file. */
static gs_err advance(int ep, int port, size_t i, eget *g, uint32_t ev, char *scratch,
                      int64_t expect, gsn_get_result *r, size_t *done, gs_error *err)
{
  int64_t idx = (int64_t)i;
  if (g->st == E_CONNECT) {
    if (!(ev & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
      return GS_OK;
    int soerr = 0;
    socklen_t sl = sizeof soerr;
    getsockopt(g->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
    if (soerr)
      return fail(err, GS_ERR_IO, "cannot connect to 127.0.0.1:%d: %s", port, strerror(soerr));
    g->st = E_SEND;
    g->last = mono_ns();
  }
  if (g->st == E_SEND) {
    while (g->req_off < g->req_len) {
      ssize_t w = send(g->fd, g->req + g->req_off, (size_t)(g->req_len - g->req_off), MSG_NOSIGNAL);
      if (w < 0) {
        if (errno == EINTR)
          continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
          return GS_OK; /* EPOLLOUT will come back */
        return fail(err, GS_ERR_IO, "download of file %lld: sending the request failed: %s",
                    (long long)idx, strerror(errno));
      }
      g->req_off += (int)w;
      g->last = mono_ns();
    }
    g->st = E_HEAD;
    struct epoll_event e = {.events = EPOLLIN, .data.u64 = i};
    epoll_ctl(ep, EPOLL_CTL_MOD, g->fd, &e);
    return GS_OK; /* the answer comes after the latency: wait for EPOLLIN */
  }
  /* E_HEAD or E_BODY: read what is there, once; level-triggered epoll
   * brings us back for the rest, after the other connections had a turn. */
  char *dst = g->st == E_HEAD ? g->head + g->have : scratch;
  size_t cap = g->st == E_HEAD ? HEAD_CAP - g->have : SCRATCH;
  if (g->st == E_BODY && (int64_t)cap > g->length - r->bytes)
    cap = (size_t)(g->length - r->bytes);
  ssize_t n;
  do
    n = recv(g->fd, dst, cap, 0);
  while (n < 0 && errno == EINTR);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK)
      return GS_OK;
    return fail(err, GS_ERR_IO, "download of file %lld: %s", (long long)idx, strerror(errno));
  }
  int64_t now = mono_ns();
  if (n == 0) {
    if (g->st == E_HEAD)
      return fail(err, GS_ERR_IO, "download of file %lld: connection closed before the answer",
                  (long long)idx);
    return cut_short(err, idx, r->bytes, g->length);
  }
  g->last = now;
  if (g->st == E_HEAD) {
    if (g->have == 0)
      r->first_byte_ns = now;
    g->have += (size_t)n;
    size_t hl;
    int p = parse_answer(g->head, g->have, idx, &hl, &r->status, &g->length, err);
    if (p < 0)
      return GS_ERR_IO;
    if (p == 0)
      return GS_OK;
    gs_err e = check_length(idx, g->length, expect, err);
    if (e != GS_OK)
      return e;
    r->bytes = (int64_t)(g->have - hl) < g->length ? (int64_t)(g->have - hl) : g->length;
    g->st = E_BODY;
  } else {
    r->bytes += n;
  }
  if (r->bytes == g->length) {
    r->finish_ns = now;
    g->st = E_DONE;
    epoll_ctl(ep, EPOLL_CTL_DEL, g->fd, NULL);
    close(g->fd);
    g->fd = -1;
    (*done)++;
  }
  return GS_OK;
}

gs_err gsn_get_all_epoll(int port, size_t n, const int64_t *sizes, double timeout_s,
                         gsn_get_result *per_file, gs_error *err)
{
  if (n == 0)
    return GS_OK;
  gs_err e = reserve_fds(n, err);
  if (e != GS_OK)
    return e;
  eget *g = calloc(n, sizeof *g);
  gsn_get_result *res = calloc(n, sizeof *res);
  char *scratch = malloc(SCRATCH);
  struct epoll_event *evs = calloc(n < 256 ? n : 256, sizeof *evs);
  int ep = epoll_create1(EPOLL_CLOEXEC);
  size_t done = 0;
  if (g)
    for (size_t i = 0; i < n; i++)
      g[i].fd = -1;
  if (!g || !res || !scratch || !evs || ep < 0) {
    e = ep < 0 ? fail(err, GS_ERR_IO, "cannot create an epoll instance: %s", strerror(errno))
               : fail(err, GS_ERR_NOMEM, "out of memory starting %zu downloads", n);
    goto out;
  }
  struct sockaddr_in a = loopback(port);
  /* Open every connection at once, as n coroutines started together do. */
  for (size_t i = 0; i < n; i++) {
    eget *c = &g[i];
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->fd < 0) {
      e = fail(err, errno == EMFILE || errno == ENFILE ? GS_ERR_LIMIT : GS_ERR_IO,
               "cannot open a socket for file %zu: %s", i, strerror(errno));
      goto out;
    }
    c->req_len = request_text(c->req, sizeof c->req, port, (int64_t)i);
    res[i].start_ns = c->last = mono_ns();
    int rc;
    do
      rc = connect(c->fd, (struct sockaddr *)&a, sizeof a);
    while (rc < 0 && errno == EINTR);
    if (rc < 0 && errno != EINPROGRESS) {
      e = fail(err, GS_ERR_IO, "cannot connect to 127.0.0.1:%d: %s", port, strerror(errno));
      goto out;
    }
    struct epoll_event ev = {.events = EPOLLOUT, .data.u64 = i};
    if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev) < 0) {
      e = fail(err, GS_ERR_IO, "cannot watch the socket of file %zu: %s", i, strerror(errno));
      goto out;
    }
  }

  int64_t tmo = timeout_s > 0 ? (int64_t)(timeout_s * 1e9) : 0;
  int64_t period = tmo / 4 < CHECK_MAX_NS ? tmo / 4 : CHECK_MAX_NS;
  if (tmo > 0 && period < 1000000)
    period = 1000000;
  int64_t next_check = mono_ns() + period;
  while (done < n) {
    int wait_ms = -1;
    if (tmo > 0) {
      int64_t left = next_check - mono_ns();
      wait_ms = left <= 0 ? 0 : (int)((left + 999999) / 1000000);
    }
    int k = epoll_wait(ep, evs, n < 256 ? (int)n : 256, wait_ms);
    if (k < 0) {
      if (errno == EINTR)
        continue;
      e = fail(err, GS_ERR_IO, "epoll_wait failed: %s", strerror(errno));
      goto out;
    }
    for (int j = 0; j < k; j++) {
      size_t i = (size_t)evs[j].data.u64;
      if (g[i].st == E_DONE)
        continue;
      e = advance(ep, port, i, &g[i], evs[j].events, scratch, sizes ? sizes[i] : -1, &res[i],
                  &done, err);
      if (e != GS_OK)
        goto out;
    }
    if (tmo > 0 && mono_ns() >= next_check) {
      int64_t now = mono_ns();
      for (size_t i = 0; i < n; i++)
        if (g[i].st != E_DONE && now - g[i].last >= tmo) {
          e = g[i].st == E_CONNECT
                  ? fail(err, GS_ERR_IO, "cannot connect to 127.0.0.1:%d: no answer for %g s",
                         port, timeout_s)
                  : stalled(err, (int64_t)i, timeout_s);
          goto out;
        }
      next_check = now + period;
    }
  }
out:
  if (g)
    for (size_t i = 0; i < n; i++)
      if (g[i].fd >= 0)
        close(g[i].fd); /* closing an fd also takes it out of the epoll set */
  if (per_file && res)
    memcpy(per_file, res, n * sizeof *res);
  if (ep >= 0)
    close(ep);
  free(evs);
  free(scratch);
  free(res);
  free(g);
  return e;
}
