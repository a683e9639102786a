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
 * reaches served0 + b.  Those finish marks sit in a heap, so starting or
 * ending a transfer costs O(log n), not O(n), however many are in flight;
 * each heap entry carries its mark, so sifting reads only the heap.
 * Requests are carved from slabs and recycled: one allocation per
 * XFER_SLAB requests rather than one each.
 */
#include "net.h"
#include "workload.h"
#include "trace.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct xfer {
  gsK_cursor *who;
  uint64_t id;
  int64_t bytes;
  double finish;      /* value of `served` at which it completes */
  gsE_event lat;      /* end of the first-byte latency */
  struct xfer *next;  /* FIFO of requests waiting for a server slot; spares */
} xfer;

#define XFER_SLAB 256

typedef struct slab {
  struct slab *next;
  xfer x[XFER_SLAB];
} slab;

/* A transfer in flight, by its finish mark (a copy of x->finish). */
typedef struct {
  double finish;
  xfer *x;
} mark;

typedef struct {
  double conn, link;  /* bytes per ns; 0 = unlimited */
  int limit, slots_used;
  xfer *wait_head, *wait_tail;
  mark *heap;         /* transfers in flight, by finish */
  size_t n, cap;
  double served;      /* bytes per transfer delivered so far */
  double rate;        /* bytes per ns per transfer now */
  gs_time last;       /* when served was last brought up to date */
  gs_time busy_since;
  gsE_event ev;       /* next completion */
  gs_net_stats st;
  slab *slabs;
  xfer *spare;        /* unused transfers, linked by next */
} net;

static xfer *xfer_new(net *n)
{
  if (!n->spare) {
    slab *b = malloc(sizeof *b);
    if (!b)
      return NULL;
    b->next = n->slabs;
    n->slabs = b;
    for (size_t i = XFER_SLAB; i-- > 0;) {
      b->x[i].next = n->spare;
      n->spare = &b->x[i];
    }
  }
  xfer *x = n->spare;
  n->spare = x->next;
  memset(x, 0, sizeof *x);
  return x;
}

static void xfer_free(net *n, xfer *x)
{
  x->next = n->spare;
  n->spare = x;
}

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
  free(n->heap);
  free(n);
  s->net = NULL;
}

/* ---- heap of transfers by finish mark --------------------------------- */

static void hswap(net *n, size_t a, size_t b)
{
  mark t = n->heap[a];
  n->heap[a] = n->heap[b];
  n->heap[b] = t;
}

static void hup(net *n, size_t i)
{
  while (i > 0 && n->heap[(i - 1) / 2].finish > n->heap[i].finish) {
    hswap(n, i, (i - 1) / 2);
    i = (i - 1) / 2;
  }
}

static void hdown(net *n, size_t i)
{
  for (;;) {
    size_t c = 2 * i + 1;
    if (c >= n->n)
      return;
    if (c + 1 < n->n && n->heap[c + 1].finish < n->heap[c].finish)
      c++;
    if (n->heap[i].finish <= n->heap[c].finish)
      return;
    hswap(n, i, c);
    i = c;
  }
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
  double left = n->heap[0].finish - n->served;
  gs_time at = gsK_now(s);
  if (isfinite(r) && left > 0) {
    double dt = ceil(left / r);
    at += dt > 9e18 ? (gs_time)9e18 : (gs_time)dt;
  }
  if (gsE_schedule(&s->q, &n->ev, at) < 0)
    gsK_fail(s, GS_ERR_NOMEM, "out of memory growing the event queue");
}

static void start_latency(gsK_sim *s, net *n, xfer *x)
{
  n->slots_used++;
  gs_time lat = gsR_sample(&s->rng, &s->sc->net.latency);
  if (gsE_schedule(&s->q, &x->lat, gsK_now(s) + lat) < 0)
    gsK_fail(s, GS_ERR_NOMEM, "out of memory growing the event queue");
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
  if (n->n == n->cap) {
    size_t cap = n->cap ? 2 * n->cap : 64;
    mark *h = realloc(n->heap, cap * sizeof *h);
    if (!h) {
      xfer_free(n, x);
      gsK_fail(s, GS_ERR_NOMEM, "out of memory starting a transfer");
      return;
    }
    n->heap = h;
    n->cap = cap;
  }
  x->finish = n->served + (double)x->bytes;
  n->heap[n->n++] = (mark){x->finish, x};
  hup(n, n->n - 1);
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
  while (n->n > 0 && n->heap[0].finish - n->served <= eps) {
    xfer *x = n->heap[0].x;
    n->heap[0] = n->heap[--n->n];
    if (n->n)
      hdown(n, 0);
    n->st.bytes += (uint64_t)x->bytes;
    gs_trace_event ev = {.kind = GS_TR_IO_END, .pid = x->who->owner->proc->pid,
                         .tid = x->who->owner->tid, .id = x->id, .count = x->bytes};
    gsT_emit(s, &ev);
    gsT_counter(s, "transfers in flight", (int64_t)n->n);
    n->slots_used--;
    if (n->n == 0)
      n->st.busy += gsK_now(s) - n->busy_since;
    gsW_notify(s, x->who);
    xfer_free(n, x);
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
