/*
 * net.c - a fluid model of downloads sharing one link.
 *
 * A request waits for a server slot (if the server has a concurrency
 * limit), then for its first-byte latency (drawn from the scenario's
 * distribution, in request order, from the run's one GSL stream), then
 * transfers its bytes.  All transfers in flight get the same rate,
 *     rate = min(conn_bps, link_bps / n_in_flight)
 * recomputed whenever one starts or ends (max-min fairness with equal
 * caps).  Because every transfer moves at the same rate, the model keeps
 * one number, `served` = bytes delivered to *each* transfer since the start,
 * and a transfer that started at served0 with b bytes ends when served
 * reaches served0 + b.
 *
 * A request's own record (its latency event, its place in the server's
 * queue) lives until its transfer starts; from then on the transfer is
 * only its mark, which carries all that its end needs (who waits, bytes,
 * request number), so ending a transfer reads no other record of it.
 *
 * Transfers in flight are ordered by (finish mark, request number): equal
 * marks end in the order they were requested.  `served` never decreases
 * while anything is in flight, so when every transfer has the same size
 * the marks arrive in increasing order (ties aside).  They are kept in two
 * places:
 *   - the run, a FIFO of marks in increasing order: a mark not below the
 *     run's last one is appended, O(1), and the run's head is its least;
 *   - a binary heap for the others (a transfer smaller than the one
 *     started before it), O(log n) each way.
 * The next to end is the lesser of the run's head and the heap's top.
 * With equal sizes the heap holds only the rare tie that arrives after a
 * later request, and every start and end is O(1) on memory read in order;
 * a heap of 100,000 marks instead misses the cache on most of the 17
 * levels of every sift.
 *
 * Requests are carved in order from slabs that double in size (XFER_SLAB
 * up to XFER_SLAB_MAX requests) and recycled through a free list: a few
 * allocations per run rather than one per request, large slabs on huge
 * pages (mem.c), and no slab touched before it is needed.
 */
#include "net.h"
#include "mem.h"
#include "workload.h"
#include "trace.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* A request, from gsN_request to the start of its transfer. */
typedef struct xfer {
  gsK_cursor *who;
  uint64_t id;        /* request number */
  int64_t bytes;
  gsE_event lat;      /* end of the first-byte latency */
  struct xfer *next;  /* FIFO of requests waiting for a server slot; spares */
} xfer;

/* Slabs double in size from XFER_SLAB transfers up to XFER_SLAB_MAX. */
#define XFER_SLAB 256
#define XFER_SLAB_MAX 65536

typedef struct slab {
  struct slab *next;
  size_t n;
  xfer x[];
} slab;

/* A transfer in flight. */
typedef struct {
  double finish;      /* the value of `served` at which it completes */
  uint64_t id;        /* its request number */
  gsK_cursor *who;
  int64_t bytes;
} mark;

typedef struct {
  double conn, link;  /* bytes per ns; 0 = unlimited */
  int limit, slots_used;
  xfer *wait_head, *wait_tail;
  mark *run;          /* run[head..head+nrun): increasing marks */
  size_t head, nrun, cap_run;
  mark *heap;         /* the other transfers in flight, a min-heap */
  size_t nheap, cap;
  size_t n;           /* transfers in flight: nrun + nheap */
  double served;      /* bytes per transfer delivered so far */
  double rate;        /* bytes per ns per transfer now */
  gs_time last;       /* when served was last brought up to date */
  gs_time busy_since;
  gsE_event ev;       /* next completion */
  gs_net_stats st;
  slab *slabs;        /* the newest first */
  size_t carved;      /* transfers of slabs->x handed out */
  xfer *spare;        /* transfers freed, linked by next */
} net;

static xfer *xfer_new(net *n)
{
  xfer *x = n->spare;
  if (x) {
    n->spare = x->next;
  } else {
    if (!n->slabs || n->carved == n->slabs->n) {
      size_t k = n->slabs ? n->slabs->n * 2 : XFER_SLAB;
      if (k > XFER_SLAB_MAX)
        k = XFER_SLAB_MAX;
      slab *b = gs__huge_alloc(sizeof *b + k * sizeof b->x[0]);
      if (!b)
        return NULL;
      b->next = n->slabs;
      b->n = k;
      n->slabs = b;
      n->carved = 0;
    }
    x = &n->slabs->x[n->carved++];
  }
  memset(x, 0, sizeof *x);
  return x;
}

static void xfer_free(net *n, xfer *x)
{
  x->next = n->spare;
  n->spare = x;
}

size_t gsN_transfer_size(void) { return sizeof(xfer) + 2 * 2 * sizeof(mark); }

int gsN_init(gsK_sim *s)
{
  if (s->sc->workload != GS_WL_DOWNLOAD)
    return GS_OK;
  net *n = calloc(1, sizeof *n);
  if (!n)
    return GS_ERR_NOMEM;
  n->conn = s->sc->net.conn_bps / 1e9;
  n->link = s->sc->net.link_bps / 1e9;
  n->limit = s->sc->net.server_limit;
  gsE_event_init(&n->ev, GSK_EV_NET, n);
  s->net = n;
  return GS_OK;
}

void gsN_free(gsK_sim *s)
{
  net *n = s->net;
  if (!n)
    return;
  while (n->slabs) {
    slab *b = n->slabs;
    n->slabs = b->next;
    free(b);
  }
  free(n->run);
  free(n->heap);
  free(n);
  s->net = NULL;
}

/* ---- transfers in flight, by (finish, start number) -------------------- */

static inline bool mark_before(const mark *a, const mark *b)
{
  return a->finish < b->finish || (a->finish == b->finish && a->id < b->id);
}

static void hswap(net *n, size_t a, size_t b)
{
  mark t = n->heap[a];
  n->heap[a] = n->heap[b];
  n->heap[b] = t;
}

static void hup(net *n, size_t i)
{
  while (i > 0 && mark_before(&n->heap[i], &n->heap[(i - 1) / 2])) {
    hswap(n, i, (i - 1) / 2);
    i = (i - 1) / 2;
  }
}

static void hdown(net *n, size_t i)
{
  for (;;) {
    size_t c = 2 * i + 1;
    if (c >= n->nheap)
      return;
    if (c + 1 < n->nheap && mark_before(&n->heap[c + 1], &n->heap[c]))
      c++;
    if (!mark_before(&n->heap[c], &n->heap[i]))
      return;
    hswap(n, i, c);
    i = c;
  }
}

/* Make room for one more mark at the run's end: slide the run down when
 * half of the array lies before its head, else double the array.  Every
 * mark is moved O(1) times on average. */
static bool run_room(net *n)
{
  if (n->head + n->nrun < n->cap_run)
    return true;
  if (n->head > 0 && n->head >= n->cap_run / 2) {
    memmove(n->run, n->run + n->head, n->nrun * sizeof *n->run);
    n->head = 0;
    return true;
  }
  size_t cap = n->cap_run ? 2 * n->cap_run : 64;
  mark *r = gs__huge_realloc(n->run, n->cap_run * sizeof *r, cap * sizeof *r);
  if (!r)
    return false;
  n->run = r;
  n->cap_run = cap;
  return true;
}

static bool heap_room(net *n)
{
  if (n->nheap < n->cap)
    return true;
  size_t cap = n->cap ? 2 * n->cap : 64;
  mark *h = gs__huge_realloc(n->heap, n->cap * sizeof *h, cap * sizeof *h);
  if (!h)
    return false;
  n->heap = h;
  n->cap = cap;
  return true;
}

/* Add a transfer in flight. */
static bool add(net *n, const mark *m)
{
  if (n->nrun == 0 || !mark_before(m, &n->run[n->head + n->nrun - 1])) {
    if (!run_room(n))
      return false;
    n->run[n->head + n->nrun++] = *m;
  } else {
    if (!heap_room(n))
      return false;
    n->heap[n->nheap++] = *m;
    hup(n, n->nheap - 1);
  }
  n->n++;
  return true;
}

/* The next transfer to end (n->n > 0). */
static inline const mark *first(const net *n)
{
  if (n->nheap == 0)
    return &n->run[n->head];
  if (n->nrun == 0 || mark_before(&n->heap[0], &n->run[n->head]))
    return &n->heap[0];
  return &n->run[n->head];
}

/* Remove first(n), which is m. */
static void remove_first(net *n, const mark *m)
{
  if (n->nheap > 0 && m == &n->heap[0]) {
    n->heap[0] = n->heap[--n->nheap];
    if (n->nheap)
      hdown(n, 0);
  } else {
    n->head++;
    if (--n->nrun == 0)
      n->head = 0;
  }
  n->n--;
}

/* ---- the fluid model --------------------------------------------------- */

static void advance(gsK_sim *s, net *n)
{
  gs_time now = gsK_now(s);
  if (n->n > 0 && isfinite(n->rate))
    n->served += n->rate * (double)(now - n->last);
  n->last = now;
}

static void reprogram(gsK_sim *s, net *n)
{
  if (n->n == 0) {
    gsE_cancel(&s->q, &n->ev);
    return;
  }
  double r = INFINITY;
  if (n->conn > 0)
    r = n->conn;
  if (n->link > 0 && n->link / (double)n->n < r)
    r = n->link / (double)n->n;
  n->rate = r;
  double left = first(n)->finish - n->served;
  gs_time at = gsK_now(s);
  if (isfinite(r) && left > 0) {
    double dt = ceil(left / r);
    at = gsK_later(at, dt > 9e18 ? (gs_time)9e18 : (gs_time)dt);
  }
  gsK_schedule(s, &n->ev, at);
}

static void start_latency(gsK_sim *s, net *n, xfer *x)
{
  n->slots_used++;
  gs_time lat = gsR_sample(&s->rng, &s->sc->net.latency);
  gsK_schedule(s, &x->lat, gsK_later(gsK_now(s), lat));
}

void gsN_request(gsK_sim *s, gsK_cursor *cur, int64_t bytes)
{
  net *n = s->net;
  xfer *x = xfer_new(n);
  if (!x) {
    gsK_fail(s, GS_ERR_NOMEM, "out of memory starting a request");
    return;
  }
  x->who = cur;
  x->bytes = bytes;
  x->id = n->st.requests;
  gs_trace_event ev = {.kind = GS_TR_IO_BEGIN, .pid = cur->owner->proc->pid, .tid = cur->owner->tid,
                       .id = x->id, .count = bytes};
  gsT_emit(s, &ev);
  gsE_event_init(&x->lat, GSK_EV_NET_LATENCY, x);
  n->st.requests++;
  if (n->limit > 0 && n->slots_used >= n->limit) {
    if (n->wait_tail)
      n->wait_tail->next = x;
    else
      n->wait_head = x;
    n->wait_tail = x;
    return;
  }
  start_latency(s, n, x);
}

void gsN_latency_done(gsK_sim *s, void *obj)
{
  net *n = s->net;
  xfer *x = obj;
  advance(s, n);
  if (n->n == 0)
    n->busy_since = gsK_now(s);
  mark m = {n->served + (double)x->bytes, x->id, x->who, x->bytes};
  xfer_free(n, x);
  if (!add(n, &m)) {
    gsK_fail(s, GS_ERR_NOMEM, "out of memory starting a transfer");
    return;
  }
  if (n->n > n->st.max_in_flight)
    n->st.max_in_flight = n->n;
  gsT_counter(s, "transfers in flight", (int64_t)n->n);
  reprogram(s, n);
}

void gsN_event(gsK_sim *s)
{
  net *n = s->net;
  advance(s, n);
  /* Everything within one nanosecond of transfer of its end is done. */
  double eps = isfinite(n->rate) ? n->rate : INFINITY;
  while (n->n > 0) {
    const mark *f = first(n);
    if (f->finish - n->served > eps)
      break;
    mark m = *f;
    remove_first(n, f);
    /* The waiter is touched next, when this transfer's notification
     * readies it; it lies anywhere among the coroutines or threads, so
     * its memory is asked for one completion ahead, while the run goes
     * on (a prefetch changes nothing but timing). */
    if (n->n > 0)
      __builtin_prefetch(first(n)->who, 1);
    n->st.bytes += (uint64_t)m.bytes;
    if (s->trace) {
      gs_trace_event ev = {.kind = GS_TR_IO_END, .pid = m.who->owner->proc->pid,
                           .tid = m.who->owner->tid, .id = m.id, .count = m.bytes};
      gsT_emit(s, &ev);
    }
    gsT_counter(s, "transfers in flight", (int64_t)n->n);
    n->slots_used--;
    if (n->n == 0)
      n->st.busy += gsK_now(s) - n->busy_since;
    gsW_notify(s, m.who);
    if (n->wait_head) {
      xfer *w = n->wait_head;
      n->wait_head = w->next;
      if (!n->wait_head)
        n->wait_tail = NULL;
      w->next = NULL;
      start_latency(s, n, w);
    }
  }
  if (n->n == 0)
    n->served = 0; /* keep the marks small; nothing is in flight */
  reprogram(s, n);
}

void gsN_stats(gsK_sim *s, gs_net_stats *out)
{
  net *n = s->net;
  if (n)
    *out = n->st;
}
