/*
 * server.c - the download server of the real runs (server.h says what it
 * serves and why it lives in a forked child).
 *
 *   caller (gsn_server_start)              child (serve)
 *   -------------------------              -------------
 *   socket, bind 127.0.0.1:0, listen
 *   socketpair, gsh_child_fork        -->  set up epoll, timers, generator
 *   wait for 'R' (or 'E' + message)   <--  'R'
 *   return; the runs connect               epoll loop until a byte or EOF
 *   gsn_server_stop: send a byte      -->  cut answers in progress, close all
 *   read 'S' + stats, gsh_child_wait  <--  'S' + gsn_server_stats, _exit(0)
 *
 * The child is named gilsim-server (ps, top) and leads its own process
 * group, recorded by child.h so that an interrupted tool kills it; it also
 * dies with the thread that started it (PR_SET_PDEATHSIG).
 *
 * One connection goes READ -> (a valid request) QUEUED -> LATENCY -> SEND
 * -> READ ..., or READ -> (a bad one) SEND -> READ or closed.  QUEUED waits
 * for a slot (server_limit), FIFO; LATENCY waits in a heap of deadlines
 * behind one absolute timerfd; SEND writes the head at once and the body
 * either as fast as the socket takes it (no rate limits) or in 1 ms ticks
 * of a second timerfd, each tick granting every transfer what its token
 * buckets allow (tick()).  Level-triggered epoll: a connection asks for
 * EPOLLIN only while it reads a request and for EPOLLOUT only while it has
 * something to write that the socket refused (or, unpaced, more to write),
 * so nothing wakes the loop for nothing.  Errors and hang-ups are always
 * reported: a client that resets mid-answer is closed and counted at once;
 * one that only half-closes is found at the next send (EPIPE).
 *
 * Connections closed during a batch of events are freed after the batch,
 * so an event later in the same batch never reaches freed memory.
 */
#define _GNU_SOURCE /* accept4, memmem, timerfd, prctl */
#include "server.h"
#include "child.h"
#include "rng.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define IN_CAP 8192                 /* a request head must fit here */
#define TICK_NS 1000000LL           /* pacing period: 1 ms */
/* Credit accrues for at most this long: a server delayed by the host's
 * scheduler catches up for up to 10 ms; beyond that the time is lost
 * (transfers get slower than the model, never faster), and a client that
 * stopped reading gets at most a 10 ms burst when it resumes. */
#define BURST_NS 10000000LL
/* The least a paced transfer sends at once (but its last bytes): one
 * Ethernet-sized segment.  A link carries whole segments anyway, and
 * sending 100-byte slivers every millisecond to each of 100 transfers
 * would cost the server 100,000 send calls a second - a good part of a
 * core that the measured program should have.  With it the server makes
 * about one send per 1448 bytes; a transfer's progress moves in steps of
 * at most 1448 bytes, its end is not delayed (the rest goes out as soon as
 * the credit covers it). */
#define QUANTUM 1448.0
#define CHUNK 65536                 /* bytes of body per send */
#define UNPACED_PER_EVENT (4 * CHUNK) /* then yield to the other connections */
#define ACCEPTS_PER_EVENT 64
#define EVENTS 256
#define WAIT_MS 10000               /* for the child's 'R' and 'S' */

/* ---- shared by both processes ------------------------------------------- */

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

/* The one place a latency is drawn, for the server and gsn_latency_for. */
static gs_time next_latency(gsR_rng *g, const gs_scenario *sc)
{
  return gsR_sample(g, &sc->net.latency);
}

gs_time gsn_latency_for(uint64_t seed, const gs_scenario *sc, uint64_t k)
{
  gsR_rng g;
  if (gsR_init(&g, seed) < 0)
    return -1;
  gs_time x = 0;
  for (uint64_t i = 0; i <= k; i++)
    x = next_latency(&g, sc);
  gsR_free(&g);
  return x;
}

/* ---- the child: connections ----------------------------------------------- */

typedef enum { C_READ, C_QUEUED, C_LATENCY, C_SEND } cstate;

typedef struct conn {
  int fd;
  cstate st;
  uint32_t ev;        /* epoll interest now */
  bool dead;          /* closed; freed after the batch */
  bool rd_eof;        /* the client sent FIN */
  bool close_after;   /* close when this answer is out */
  bool in_service;    /* holds a slot: LATENCY or SEND of a 200 */
  bool transfer;      /* SEND of a 200: counted in ntransfers */
  bool in_act;        /* in the paced list */
  bool blocked;       /* the socket refused bytes; waiting for EPOLLOUT */
  bool in_serve;      /* serve_next is on the stack for it */
  bool sat;           /* tick scratch: its demand is met */
  char in[IN_CAP];
  size_t in_len;
  char head[192];
  size_t head_len, head_off;
  int64_t file;       /* the file of the request in service */
  int64_t body_left;
  double credit;      /* bytes it may still send under conn_bps */
  int64_t accrued;    /* when credit was last brought up to date */
  double grant;       /* tick scratch: bytes granted this tick, < 0 none */
  int64_t deadline;   /* end of its latency */
  size_t hidx;        /* index in the latency heap */
  size_t aidx;        /* index in the paced list */
  struct conn *qnext; /* FIFO of requests waiting for a slot */
  struct conn *lnext, *lprev; /* every open connection */
  struct conn *gnext; /* closed during this batch */
} conn;

typedef struct {
  const gs_scenario *sc;
  int lfd, ep, lat_tfd, tick_tfd, ctl;
  bool paced, ticking, listen_paused, admitting, stop;
  double conn_bps, link_bps;
  int limit, in_service, ntransfers;
  size_t nconns;
  conn *qhead, *qtail;
  conn **heap;
  size_t nheap, capheap;
  int64_t armed;      /* deadline the latency timer is set to; 0 none */
  conn **act, **scratch;
  size_t nact, capact;
  double link_credit;
  int64_t link_at;
  conn *all, *grave;
  gsR_rng rng;
  char *pattern;      /* CHUNK bytes of body */
  gsn_server_stats st;
  gs_error err;       /* a fatal error of the loop */
  bool failed;
} srv;

static void serve_next(srv *S, conn *c);
static void finish_answer(srv *S, conn *c);

static void set_interest(srv *S, conn *c, uint32_t ev)
{
  if (c->dead || c->ev == ev)
    return;
  struct epoll_event e = {.events = ev, .data.ptr = c};
  if (epoll_ctl(S->ep, EPOLL_CTL_MOD, c->fd, &e) == 0)
    c->ev = ev;
}

/* ---- the latency heap ------------------------------------------------------ */

static void hswap(srv *S, size_t a, size_t b)
{
  conn *t = S->heap[a];
  S->heap[a] = S->heap[b];
  S->heap[b] = t;
  S->heap[a]->hidx = a;
  S->heap[b]->hidx = b;
}

static void hup(srv *S, size_t i)
{
  while (i > 0 && S->heap[(i - 1) / 2]->deadline > S->heap[i]->deadline) {
    hswap(S, i, (i - 1) / 2);
    i = (i - 1) / 2;
  }
}

static void hdown(srv *S, size_t i)
{
  for (;;) {
    size_t c = 2 * i + 1;
    if (c >= S->nheap)
      return;
    if (c + 1 < S->nheap && S->heap[c + 1]->deadline < S->heap[c]->deadline)
      c++;
    if (S->heap[i]->deadline <= S->heap[c]->deadline)
      return;
    hswap(S, i, c);
    i = c;
  }
}

static void hremove(srv *S, conn *c)
{
  size_t i = c->hidx;
  S->nheap--;
  if (i != S->nheap) {
    S->heap[i] = S->heap[S->nheap];
    S->heap[i]->hidx = i;
    hdown(S, i);
    hup(S, i);
  }
}

/* Point the latency timer at the earliest deadline (or disarm it). */
static void rearm_latency(srv *S)
{
  int64_t d = S->nheap ? S->heap[0]->deadline : 0;
  if (d == S->armed)
    return;
  struct itimerspec its = {0};
  its.it_value.tv_sec = d / 1000000000LL;
  its.it_value.tv_nsec = d % 1000000000LL;
  timerfd_settime(S->lat_tfd, TFD_TIMER_ABSTIME, &its, NULL);
  S->armed = d;
}

/* ---- the paced list --------------------------------------------------------- */

static void set_ticking(srv *S, bool on)
{
  if (S->ticking == on)
    return;
  struct itimerspec its = {0};
  if (on) {
    its.it_value.tv_nsec = TICK_NS;
    its.it_interval.tv_nsec = TICK_NS;
  }
  timerfd_settime(S->tick_tfd, 0, &its, NULL);
  S->ticking = on;
}

static bool act_add(srv *S, conn *c)
{
  if (S->nact == S->capact) {
    size_t cap = S->capact ? 2 * S->capact : 64;
    conn **a = realloc(S->act, cap * sizeof *a);
    if (!a)
      return false;
    S->act = a;
    conn **s = realloc(S->scratch, cap * sizeof *s);
    if (!s)
      return false;
    S->scratch = s;
    S->capact = cap;
  }
  if (S->nact == 0)
    S->link_at = mono_ns(); /* the link accrues only while someone uses it */
  c->aidx = S->nact;
  S->act[S->nact++] = c;
  c->in_act = true;
  set_ticking(S, true);
  return true;
}

static void act_remove(srv *S, conn *c)
{
  if (!c->in_act)
    return;
  S->nact--;
  if (c->aidx != S->nact) {
    S->act[c->aidx] = S->act[S->nact];
    S->act[c->aidx]->aidx = c->aidx;
  }
  c->in_act = false;
}

/* ---- slots ------------------------------------------------------------------ */

static void start_answer(srv *S, conn *c);
static void conn_close(srv *S, conn *c, bool error);

/* Give free slots to waiting requests, oldest first.  Re-entered when a
 * request it starts ends at once; the outer call keeps going. */
static void admit(srv *S)
{
  if (S->admitting || S->stop)
    return; /* stopping: the queue is being closed, not served */
  S->admitting = true;
  while (S->qhead && (S->limit == 0 || S->in_service < S->limit)) {
    conn *c = S->qhead;
    S->qhead = c->qnext;
    if (!S->qhead)
      S->qtail = NULL;
    c->qnext = NULL;
    c->in_service = true;
    S->in_service++;
    if ((uint64_t)S->in_service > S->st.max_in_service)
      S->st.max_in_service = (uint64_t)S->in_service;
    gs_time lat = next_latency(&S->rng, S->sc);
    S->st.latency_ns += lat;
    if (lat == 0) {
      start_answer(S, c);
      continue;
    }
    c->st = C_LATENCY;
    c->deadline = mono_ns() + lat;
    if (S->nheap == S->capheap) {
      size_t cap = S->capheap ? 2 * S->capheap : 64;
      conn **h = realloc(S->heap, cap * sizeof *h);
      if (!h) {
        conn_close(S, c, true); /* out of memory: no answer beats a wrong one */
        continue;
      }
      S->heap = h;
      S->capheap = cap;
    }
    c->hidx = S->nheap;
    S->heap[S->nheap++] = c;
    hup(S, c->hidx);
  }
  rearm_latency(S);
  S->admitting = false;
}

static void release_slot(srv *S, conn *c)
{
  if (!c->in_service)
    return;
  c->in_service = false;
  S->in_service--;
  admit(S);
}

/* O(queue length); only a client that leaves while queued pays it. */
static void queue_remove(srv *S, conn *c)
{
  conn **p = &S->qhead, *prev = NULL;
  while (*p && *p != c) {
    prev = *p;
    p = &(*p)->qnext;
  }
  if (!*p)
    return;
  *p = c->qnext;
  if (S->qtail == c)
    S->qtail = prev;
  c->qnext = NULL;
}

/* ---- closing ------------------------------------------------------------------ */

/* Close c now; count it as an error when `error`.  Freed after the batch. */
static void conn_close(srv *S, conn *c, bool error)
{
  if (c->dead)
    return;
  if (error)
    S->st.errors++;
  c->dead = true;
  if (c->st == C_QUEUED)
    queue_remove(S, c);
  if (c->st == C_LATENCY)
    hremove(S, c);
  act_remove(S, c);
  if (c->transfer) {
    c->transfer = false;
    S->ntransfers--;
  }
  epoll_ctl(S->ep, EPOLL_CTL_DEL, c->fd, NULL);
  close(c->fd);
  if (c->lprev)
    c->lprev->lnext = c->lnext;
  else
    S->all = c->lnext;
  if (c->lnext)
    c->lnext->lprev = c->lprev;
  c->gnext = S->grave;
  S->grave = c;
  S->nconns--;
  if (S->listen_paused) {
    struct epoll_event e = {.events = EPOLLIN, .data.ptr = &S->lfd};
    if (epoll_ctl(S->ep, EPOLL_CTL_MOD, S->lfd, &e) == 0)
      S->listen_paused = false;
  }
  release_slot(S, c);
  rearm_latency(S);
}

/* Close after an answer that says "Connection: close": read what the client
 * may still have sent first, because closing with unread input sends a
 * reset that can destroy the end of the answer before the client reads it. */
static void conn_close_gently(srv *S, conn *c)
{
  char sink[4096];
  while (recv(c->fd, sink, sizeof sink, MSG_DONTWAIT) > 0)
    ;
  shutdown(c->fd, SHUT_WR);
  conn_close(S, c, false);
}

/* ---- sending ------------------------------------------------------------------ */

/* Send what is left of the head and up to body_allow bytes of body; mark
 * the connection blocked if the socket takes less.  The body bytes sent,
 * or -1 when the connection failed and was closed. */
static int64_t send_some(srv *S, conn *c, int64_t body_allow)
{
  int64_t sent = 0;
  for (;;) {
    size_t hl = c->head_len - c->head_off;
    int64_t bl = body_allow - sent;
    if (bl > c->body_left)
      bl = c->body_left;
    if (bl > CHUNK)
      bl = CHUNK;
    if (hl == 0 && bl <= 0)
      break;
    struct iovec iov[2];
    int n = 0;
    if (hl)
      iov[n++] = (struct iovec){c->head + c->head_off, hl};
    if (bl > 0)
      iov[n++] = (struct iovec){S->pattern, (size_t)bl};
    struct msghdr m = {.msg_iov = iov, .msg_iovlen = (size_t)n};
    ssize_t w = sendmsg(c->fd, &m, MSG_NOSIGNAL);
    if (w < 0) {
      if (errno == EINTR)
        continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        c->blocked = true;
        break;
      }
      conn_close(S, c, true); /* EPIPE, ECONNRESET: the client is gone */
      return -1;
    }
    size_t h = (size_t)w < hl ? (size_t)w : hl;
    c->head_off += h;
    int64_t b = (int64_t)((size_t)w - h);
    c->body_left -= b;
    sent += b;
    S->st.bytes += (uint64_t)b;
    if ((size_t)w < hl + (size_t)(bl > 0 ? bl : 0)) {
      c->blocked = true; /* a short write: the socket buffer is full */
      break;
    }
  }
  if (c->head_off == c->head_len && c->body_left == 0) {
    finish_answer(S, c);
    return sent;
  }
  uint32_t ev = 0;
  if (c->blocked || !c->in_act)
    ev = EPOLLOUT; /* unpaced answers and error answers go on as the socket allows */
  set_interest(S, c, ev);
  return sent;
}

static void begin_send(srv *S, conn *c, const char *head, int len)
{
  c->st = C_SEND;
  c->head_len = len > 0 && (size_t)len < sizeof c->head ? (size_t)len : 0;
  memcpy(c->head, head, c->head_len);
  c->head_off = 0;
  c->blocked = false;
  send_some(S, c, c->in_act ? 0 : UNPACED_PER_EVENT);
}

/* The end of a request's latency: the head goes out now, the body as the
 * rates allow. */
static void start_answer(srv *S, conn *c)
{
  int64_t size = S->sc->sizes[c->file];
  c->st = C_SEND; /* out of the queue and the heap, whatever happens next */
  c->grant = -1;  /* a tick under way granted its previous answer, not this one */
  char head[192];
  int n = snprintf(head, sizeof head,
                   "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                   "Content-Length: %lld\r\nConnection: %s\r\n\r\n",
                   (long long)size, c->close_after ? "close" : "keep-alive");
  c->body_left = size;
  c->transfer = true;
  S->ntransfers++;
  if ((uint64_t)S->ntransfers > S->st.max_transfers)
    S->st.max_transfers = (uint64_t)S->ntransfers;
  if (S->paced && size > 0) {
    /* Credit accrues from now: after the first tick it has had exactly
     * rate x (tick - now), as a fluid transfer would. */
    c->credit = 0;
    c->accrued = mono_ns();
    if (!act_add(S, c)) {
      conn_close(S, c, true); /* out of memory: better no answer than an unpaced one */
      return;
    }
  }
  begin_send(S, c, head, n);
}

static void finish_answer(srv *S, conn *c)
{
  if (c->st != C_SEND)
    return;
  c->st = C_READ;
  act_remove(S, c);
  if (c->transfer) {
    c->transfer = false;
    S->ntransfers--;
    S->st.served++;
  }
  if (c->close_after) {
    conn_close_gently(S, c); /* releases the slot */
    return;
  }
  release_slot(S, c);
  serve_next(S, c);
}

/* ---- requests ------------------------------------------------------------------- */

typedef struct {
  int status;    /* 200, 400, 404, 405 */
  int64_t index; /* 200: the file */
  bool close;    /* close the connection after the answer */
} request;

static bool span_is(const char *p, const char *e, const char *lit)
{
  size_t n = strlen(lit);
  return (size_t)(e - p) == n && memcmp(p, lit, n) == 0;
}

static bool span_is_nocase(const char *p, const char *e, const char *lit)
{
  size_t n = strlen(lit);
  return (size_t)(e - p) == n && strncasecmp(p, lit, n) == 0;
}

static void trim(const char **p, const char **e)
{
  while (*p < *e && (**p == ' ' || **p == '\t'))
    (*p)++;
  while (*e > *p && ((*e)[-1] == ' ' || (*e)[-1] == '\t'))
    (*e)--;
}

/*
 * Parse one request head from b[0..len): 0 when it is not complete yet,
 * else 1 with *used its length and *r what to answer.  Only what this
 * server needs is checked: the request line, header syntax, Connection,
 * and that no body is announced (it would have to be skipped; no client
 * of the runs sends one).
 */
static int parse_head(const char *b, size_t len, size_t ntasks, size_t *used, request *r)
{
  const char *end = memmem(b, len, "\r\n\r\n", 4);
  if (!end)
    return 0;
  *used = (size_t)(end - b) + 4;
  const char *stop = end + 2; /* the head's lines end before here */
  *r = (request){.status = 400, .index = -1, .close = true};

  const char *eol = memmem(b, (size_t)(stop - b), "\r\n", 2);
  const char *sp1 = memchr(b, ' ', (size_t)(eol - b));
  const char *sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(eol - sp1 - 1)) : NULL;
  if (!sp1 || !sp2 || sp1 == b || sp2 == sp1 + 1 || sp2 + 1 == eol ||
      memchr(sp2 + 1, ' ', (size_t)(eol - sp2 - 1)))
    return 1;
  bool http10;
  if (span_is(sp2 + 1, eol, "HTTP/1.1"))
    http10 = false;
  else if (span_is(sp2 + 1, eol, "HTTP/1.0"))
    http10 = true;
  else
    return 1;
  bool close = http10;

  for (const char *q = eol + 2; q < stop;) {
    const char *le = memmem(q, (size_t)(stop - q), "\r\n", 2);
    const char *colon = memchr(q, ':', (size_t)(le - q));
    if (!colon || colon == q || *q == ' ' || *q == '\t')
      return 1; /* no name, or an obsolete folded line */
    const char *v = colon + 1, *ve = le;
    trim(&v, &ve);
    if (span_is_nocase(q, colon, "Connection")) {
      for (const char *t = v; t < ve;) {
        const char *comma = memchr(t, ',', (size_t)(ve - t));
        const char *te = comma ? comma : ve, *ts = t;
        trim(&ts, &te);
        if (span_is_nocase(ts, te, "close"))
          close = true;
        else if (span_is_nocase(ts, te, "keep-alive") && http10)
          close = false;
        t = comma ? comma + 1 : ve;
      }
    } else if (span_is_nocase(q, colon, "Content-Length")) {
      if (!span_is(v, ve, "0"))
        return 1;
    } else if (span_is_nocase(q, colon, "Transfer-Encoding")) {
      return 1;
    }
    q = le + 2;
  }

  if (!span_is(b, sp1, "GET")) {
    r->status = 405;
    return 1; /* and close: a body may follow that we would not skip */
  }
  r->close = close;
  r->status = 404;
  static const char prefix[] = "/file/";
  const char *t = sp1 + 1, *te = sp2;
  size_t np = sizeof prefix - 1;
  if ((size_t)(te - t) <= np || memcmp(t, prefix, np) != 0 || te - t - (ptrdiff_t)np > 18)
    return 1;
  int64_t idx = 0;
  for (const char *d = t + np; d < te; d++) {
    if (*d < '0' || *d > '9')
      return 1;
    idx = idx * 10 + (*d - '0');
  }
  if ((uint64_t)idx >= ntasks)
    return 1;
  r->status = 200;
  r->index = idx;
  return 1;
}

/* Answer an error at once: no slot, no latency, no pacing. */
static void answer_error(srv *S, conn *c, int status)
{
  const char *what = status == 404 ? "404 Not Found"
                     : status == 405 ? "405 Method Not Allowed\r\nAllow: GET"
                                     : "400 Bad Request";
  if (status == 404)
    S->st.not_found++;
  else
    S->st.bad_requests++;
  char head[192];
  int n = snprintf(head, sizeof head, "HTTP/1.1 %s\r\nContent-Length: 0\r\nConnection: %s\r\n\r\n",
                   what, c->close_after ? "close" : "keep-alive");
  c->body_left = 0;
  begin_send(S, c, head, n);
}

/* Handle the requests c has buffered, one at a time, while each is answered
 * at once; then wait for more input (or close, after the client's EOF). */
static void serve_next(srv *S, conn *c)
{
  if (c->in_serve)
    return; /* the call below us on the stack goes on */
  c->in_serve = true;
  while (!c->dead && c->st == C_READ) {
    size_t used = 0;
    request r;
    if (!parse_head(c->in, c->in_len, S->sc->ntasks, &used, &r)) {
      if (c->in_len == IN_CAP) {
        /* A head too large for the buffer: a 400, and the rest unread. */
        c->in_len = 0;
        c->close_after = true;
        answer_error(S, c, 400);
        continue;
      }
      if (c->rd_eof) {
        /* The client has said all it will: a part of a request is an error. */
        conn_close(S, c, c->in_len > 0);
        break;
      }
      set_interest(S, c, EPOLLIN);
      break;
    }
    memmove(c->in, c->in + used, c->in_len - used);
    c->in_len -= used;
    c->close_after = r.close;
    if (r.status != 200) {
      answer_error(S, c, r.status);
      continue;
    }
    S->st.requests++;
    c->file = r.index;
    c->st = C_QUEUED;
    set_interest(S, c, 0);
    if (S->qtail)
      S->qtail->qnext = c;
    else
      S->qhead = c;
    S->qtail = c;
    admit(S);
  }
  c->in_serve = false;
}

static void on_readable(srv *S, conn *c)
{
  if (c->st != C_READ || c->rd_eof)
    return;
  for (;;) {
    ssize_t n = recv(c->fd, c->in + c->in_len, IN_CAP - c->in_len, 0);
    if (n > 0) {
      c->in_len += (size_t)n;
      break;
    }
    if (n == 0) {
      c->rd_eof = true;
      set_interest(S, c, 0); /* EOF stays readable: do not spin on it */
      break;
    }
    if (errno == EINTR)
      continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK)
      return;
    conn_close(S, c, c->in_len > 0);
    return;
  }
  serve_next(S, c);
}

/* ---- pacing ------------------------------------------------------------------- */

/*
 * One tick: bring every paced transfer's credit up to date (conn_bps x the
 * time since its last update, at most BURST_NS worth), share the link's
 * credit among those that can take bytes by max-min fairness (equal shares,
 * a transfer needing less than its share leaves the rest to the others),
 * and send each its grant once it reaches a QUANTUM (or the rest of its
 * body).  Credit not sent stays: shares too small to send accumulate on
 * the link until they are worth a segment, equal for all, so the transfers
 * then send together.  Bytes the sockets refuse stay as credit too.
 * O(transfers) a tick, a few passes more when demands differ.
 */
static void tick(srv *S)
{
  uint64_t expirations;
  if (read(S->tick_tfd, &expirations, sizeof expirations) < 0 && errno != EAGAIN)
    return;
  if (S->nact == 0) {
    set_ticking(S, false);
    return;
  }
  int64_t now = mono_ns();
  double burst = (double)BURST_NS * 1e-9;
  if (S->link_bps > 0) {
    /* Room for a quantum per transfer, or shares would never reach one. */
    S->link_credit += S->link_bps * (double)(now - S->link_at) * 1e-9;
    S->link_credit =
        fmin(S->link_credit, fmax(S->link_bps * burst, 2 * QUANTUM * (double)S->nact));
    S->link_at = now;
  }
  size_t n = S->nact, k = 0;
  double total = 0;
  /* Work on a snapshot: sends below may end answers and start others,
   * which changes (and may grow) the list.  act_add grows `scratch`
   * beside `act`; while we hold the snapshot it allocates a new one. */
  conn **list = S->scratch;
  S->scratch = NULL;
  memcpy(list, S->act, n * sizeof *S->act);
  for (size_t i = 0; i < n; i++) {
    conn *c = list[i];
    if (S->conn_bps > 0) {
      c->credit += S->conn_bps * (double)(now - c->accrued) * 1e-9;
      c->credit = fmin(c->credit, fmax(S->conn_bps * burst, 2 * QUANTUM));
      c->accrued = now;
    }
    c->sat = false;
    c->grant = -1;
    if (c->blocked)
      continue;
    c->grant = (double)c->body_left;
    if (S->conn_bps > 0 && c->credit < c->grant) {
      if (c->credit < QUANTUM) {
        c->grant = -1; /* it will not send this tick: no share of the link */
        continue;
      }
      c->grant = c->credit;
    }
    total += c->grant;
    k++;
  }
  if (S->link_bps > 0 && k > 0 && total > S->link_credit) {
    /* Water-filling: satisfy every demand below the equal share of what is
     * left, recompute the share, until none is below it. */
    double left = S->link_credit;
    bool more = true;
    while (more && k > 0) {
      more = false;
      double share = left / (double)k;
      for (size_t i = 0; i < n; i++) {
        conn *c = list[i];
        if (c->grant >= 0 && !c->sat && c->grant <= share) {
          c->sat = true;
          left -= c->grant;
          k--;
          more = true;
        }
      }
    }
    double share = k > 0 ? left / (double)k : 0;
    for (size_t i = 0; i < n; i++) {
      conn *c = list[i];
      if (c->grant >= 0 && !c->sat)
        c->grant = share;
    }
  }
  for (size_t i = 0; i < n; i++) {
    conn *c = list[i];
    /* An earlier send of this tick may have closed it or ended its answer. */
    if (c->dead || !c->in_act || c->blocked || c->grant < fmin(QUANTUM, (double)c->body_left))
      continue;
    int64_t sent = send_some(S, c, (int64_t)c->grant);
    if (sent > 0) {
      if (S->conn_bps > 0)
        c->credit -= (double)sent;
      if (S->link_bps > 0)
        S->link_credit -= (double)sent;
    }
  }
  if (S->scratch)
    free(list); /* the list grew meanwhile: keep the new, larger one */
  else
    S->scratch = list;
}

/* ---- the loop ------------------------------------------------------------------ */

static void on_accept(srv *S)
{
  for (int i = 0; i < ACCEPTS_PER_EVENT; i++) {
    int fd = accept4(S->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED)
        continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK)
        return;
      S->st.errors++;
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        /* Out of descriptors: stop listening (the backlog holds the rest)
         * until a connection closes, instead of spinning on the error. */
        struct epoll_event e = {.events = 0, .data.ptr = &S->lfd};
        if (epoll_ctl(S->ep, EPOLL_CTL_MOD, S->lfd, &e) == 0)
          S->listen_paused = true;
      }
      return;
    }
    int one = 1;
    /* Heads and bodies go in separate writes: without this, Nagle's
     * algorithm and delayed ACKs could hold a small answer back 40 ms. */
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    conn *c = calloc(1, sizeof *c);
    struct epoll_event e = {.events = EPOLLIN};
    e.data.ptr = c;
    if (!c || epoll_ctl(S->ep, EPOLL_CTL_ADD, fd, &e) < 0) {
      S->st.errors++;
      free(c);
      close(fd);
      continue;
    }
    c->fd = fd;
    c->ev = EPOLLIN;
    c->st = C_READ;
    c->lnext = S->all;
    if (S->all)
      S->all->lprev = c;
    S->all = c;
    S->nconns++;
    S->st.connections++;
    if (S->nconns > S->st.max_connections)
      S->st.max_connections = S->nconns;
  }
}

static void on_conn(srv *S, conn *c, uint32_t ev)
{
  if (c->dead)
    return;
  if (ev & EPOLLIN)
    on_readable(S, c);
  if (c->dead)
    return;
  if (ev & (EPOLLERR | EPOLLHUP)) {
    /* A reset or a full hang-up: nothing more can be sent. */
    conn_close(S, c, c->st != C_READ || c->in_len > 0);
    return;
  }
  if ((ev & EPOLLOUT) && c->st == C_SEND) {
    c->blocked = false;
    /* Paced: only the rest of the head now; the body waits for a tick. */
    send_some(S, c, c->in_act ? 0 : UNPACED_PER_EVENT);
  }
}

static void on_latency(srv *S)
{
  uint64_t expirations;
  if (read(S->lat_tfd, &expirations, sizeof expirations) < 0 && errno != EAGAIN)
    return;
  S->armed = 0; /* fired (or about to): set it again below */
  int64_t now = mono_ns();
  while (S->nheap && S->heap[0]->deadline <= now) {
    conn *c = S->heap[0];
    hremove(S, c);
    start_answer(S, c);
  }
  rearm_latency(S);
}

static void bury(srv *S)
{
  while (S->grave) {
    conn *c = S->grave;
    S->grave = c->gnext;
    free(c);
  }
}

/* Write all n bytes on the control socket; -1 if the caller is gone. */
static int ctl_write(int fd, const void *buf, size_t n)
{
  const char *p = buf;
  while (n > 0) {
    ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
    if (w < 0) {
      if (errno == EINTR)
        continue;
      return -1;
    }
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

static void child_fail(int ctl, const char *fmt, ...)
{
  gs_error e;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(e.msg, sizeof e.msg, fmt, ap);
  va_end(ap);
  char tag = 'E';
  if (ctl_write(ctl, &tag, 1) == 0)
    ctl_write(ctl, &e, sizeof e);
}

static int watch(srv *S, int fd, void *tag)
{
  struct epoll_event e = {.events = EPOLLIN, .data.ptr = tag};
  return epoll_ctl(S->ep, EPOLL_CTL_ADD, fd, &e);
}

/* The child: set up, say 'R', serve until told to stop, send the stats. */
static _Noreturn void serve(const gs_scenario *sc, uint64_t seed, int lfd, int ctl)
{
  prctl(PR_SET_NAME, "gilsim-server");
  srv S0 = {0}, *S = &S0;
  S->sc = sc;
  S->lfd = lfd;
  S->ctl = ctl;
  S->ep = S->lat_tfd = S->tick_tfd = -1;
  S->conn_bps = sc->net.conn_bps;
  S->link_bps = sc->net.link_bps;
  S->paced = S->conn_bps > 0 || S->link_bps > 0;
  S->limit = sc->net.server_limit;

  /* One descriptor per connection: take all the kernel allows this child. */
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  if (gsR_init(&S->rng, seed) < 0 || !(S->pattern = malloc(CHUNK))) {
    child_fail(ctl, "download server: out of memory");
    _exit(1);
  }
  for (int i = 0; i < CHUNK; i++)
    S->pattern[i] = (char)('a' + i % 26);
  S->ep = epoll_create1(EPOLL_CLOEXEC);
  S->lat_tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  S->tick_tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (S->ep < 0 || S->lat_tfd < 0 || S->tick_tfd < 0 || watch(S, lfd, &S->lfd) < 0 ||
      watch(S, ctl, &S->ctl) < 0 || watch(S, S->lat_tfd, &S->lat_tfd) < 0 ||
      watch(S, S->tick_tfd, &S->tick_tfd) < 0) {
    child_fail(ctl, "download server: cannot set up its event loop: %s", strerror(errno));
    _exit(1);
  }
  char tag = 'R';
  if (ctl_write(ctl, &tag, 1) < 0)
    _exit(1);

  struct epoll_event evs[EVENTS];
  while (!S->stop && !S->failed) {
    int n = epoll_wait(S->ep, evs, EVENTS, -1);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      snprintf(S->err.msg, sizeof S->err.msg, "download server: epoll_wait failed: %s",
               strerror(errno));
      S->failed = true;
      break;
    }
    for (int i = 0; i < n; i++) {
      void *p = evs[i].data.ptr;
      if (p == &S->lfd)
        on_accept(S);
      else if (p == &S->ctl)
        S->stop = true; /* a byte, or EOF: the caller has gone */
      else if (p == &S->lat_tfd)
        on_latency(S);
      else if (p == &S->tick_tfd)
        tick(S);
      else
        on_conn(S, p, evs[i].events);
    }
    bury(S);
  }

  /* Whatever is still being answered is cut short. */
  while (S->all)
    conn_close(S, S->all, S->all->st != C_READ || S->all->in_len > 0);
  bury(S);
  if (S->failed) {
    tag = 'E';
    if (ctl_write(ctl, &tag, 1) == 0)
      ctl_write(ctl, &S->err, sizeof S->err);
  } else {
    tag = 'S';
    if (ctl_write(ctl, &tag, 1) == 0)
      ctl_write(ctl, &S->st, sizeof S->st);
  }
  free(S->heap);
  free(S->act);
  free(S->scratch);
  free(S->pattern);
  gsR_free(&S->rng);
  _exit(S->failed ? 1 : 0);
}

/* ---- the caller's side ------------------------------------------------------------ */

struct gsn_server {
  pid_t pid;
  int port;
  int ctl; /* our end of the socketpair */
};

/* Read exactly n bytes within ms milliseconds: 0, 1 at EOF, -1 on error,
 * -2 on time-out. */
static int read_within(int fd, void *buf, size_t n, int ms)
{
  char *p = buf;
  int64_t until = mono_ns() + (int64_t)ms * 1000000;
  while (n > 0) {
    int64_t left = (until - mono_ns()) / 1000000;
    if (left < 0)
      return -2;
    struct pollfd pf = {.fd = fd, .events = POLLIN};
    int r = poll(&pf, 1, (int)left + 1);
    if (r < 0 && errno != EINTR)
      return -1;
    if (r <= 0)
      continue;
    ssize_t got = recv(fd, p, n, 0);
    if (got == 0)
      return 1;
    if (got < 0) {
      if (errno == EINTR || errno == EAGAIN)
        continue;
      return -1;
    }
    p += got;
    n -= (size_t)got;
  }
  return 0;
}

/* Reap the child; describe how it ended when it did not exit with 0. */
static gs_err reap(pid_t pid, gs_error *err)
{
  int status;
  if (gsh_child_wait(pid, &status) < 0)
    return GS_OK; /* ECHILD: someone reaped it for us; its reply decides */
  if (WIFSIGNALED(status))
    return fail(err, GS_ERR_IO, "download server (pid %ld) was killed by signal %d (%s)",
                (long)pid, WTERMSIG(status), strsignal(WTERMSIG(status)));
  if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
    return fail(err, GS_ERR_IO, "download server (pid %ld) exited with status %d", (long)pid,
                WEXITSTATUS(status));
  return GS_OK;
}

/* Read the child's reply: `want` ('R' or 'S') and its payload, or 'E' and
 * a message.  Kills and reaps the child on anything but `want`. */
static gs_err reply(gsn_server *s, char want, void *payload, size_t n, gs_error *err)
{
  char tag = 0;
  int r = read_within(s->ctl, &tag, 1, WAIT_MS);
  if (r == 0 && tag == want && (n == 0 || read_within(s->ctl, payload, n, WAIT_MS) == 0))
    return GS_OK;
  gs_err e;
  gs_error msg;
  if (r == 0 && tag == 'E' && read_within(s->ctl, &msg, sizeof msg, WAIT_MS) == 0) {
    msg.msg[sizeof msg.msg - 1] = '\0';
    e = fail(err, GS_ERR_IO, "%s", msg.msg);
  } else if (r == -2) {
    e = fail(err, GS_ERR_IO, "download server (pid %ld) did not answer within %d s; killed it",
             (long)s->pid, WAIT_MS / 1000);
    gsh_child_kill(s->pid);
  } else {
    e = fail(err, GS_ERR_IO, "download server (pid %ld) ended without a reply", (long)s->pid);
  }
  gs_error why;
  if (reap(s->pid, &why) != GS_OK && r != -2 && tag != 'E')
    e = fail(err, GS_ERR_IO, "%s", why.msg);
  return e;
}

gsn_server *gsn_server_start(const gs_scenario *sc, uint64_t seed, gs_error *err)
{
  const gs_net *nt = &sc->net;
  if (!(nt->conn_bps >= 0) || !(nt->link_bps >= 0) || isinf(nt->conn_bps) ||
      isinf(nt->link_bps) || nt->server_limit < 0 || (sc->ntasks > 0 && !sc->sizes)) {
    fail(err, GS_ERR_INVALID, "download server: the scenario's network or sizes are invalid");
    return NULL;
  }
  for (size_t i = 0; i < sc->ntasks; i++)
    if (sc->sizes[i] < 0) {
      fail(err, GS_ERR_INVALID, "download server: file %zu has a negative size", i);
      return NULL;
    }
  gsn_server *s = calloc(1, sizeof *s);
  if (!s) {
    fail(err, GS_ERR_NOMEM, "download server: out of memory");
    return NULL;
  }
  int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK); /* never INADDR_ANY */
  socklen_t alen = sizeof a;
  int sp[2] = {-1, -1};
  if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof a) < 0 || listen(lfd, SOMAXCONN) < 0 ||
      getsockname(lfd, (struct sockaddr *)&a, &alen) < 0 ||
      socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0) {
    fail(err, GS_ERR_IO, "download server: cannot listen on 127.0.0.1: %s", strerror(errno));
    if (lfd >= 0)
      close(lfd);
    free(s);
    return NULL;
  }
  s->port = ntohs(a.sin_port);
  pid_t pid = gsh_child_fork();
  if (pid < 0) {
    fail(err, GS_ERR_IO, "download server: fork failed: %s", strerror(errno));
    close(lfd);
    close(sp[0]);
    close(sp[1]);
    free(s);
    return NULL;
  }
  if (pid == 0) {
    close(sp[0]);
    serve(sc, seed, lfd, sp[1]);
  }
  close(lfd);
  close(sp[1]);
  s->pid = pid;
  s->ctl = sp[0];
  if (reply(s, 'R', NULL, 0, err) != GS_OK) {
    close(s->ctl);
    free(s);
    return NULL;
  }
  return s;
}

int gsn_server_port(const gsn_server *s)
{
  return s->port;
}

long gsn_server_pid(const gsn_server *s)
{
  return (long)s->pid;
}

gs_err gsn_server_stop(gsn_server *s, gsn_server_stats *out, gs_error *err)
{
  if (!s)
    return GS_OK;
  gsn_server_stats st = {0};
  char b = 'Q';
  gs_err e;
  if (send(s->ctl, &b, 1, MSG_NOSIGNAL) < 0 && errno != EPIPE && errno != ECONNRESET) {
    e = fail(err, GS_ERR_IO, "download server: cannot tell it to stop: %s", strerror(errno));
    gsh_child_kill(s->pid);
    reap(s->pid, NULL);
  } else if ((e = reply(s, 'S', &st, sizeof st, err)) == GS_OK) {
    e = reap(s->pid, err);
  }
  if (out)
    *out = st;
  close(s->ctl);
  free(s);
  return e;
}
