/*
 * engine.c - the pending-event set: a binary min-heap of event pointers.
 *
 * Each event stores its own heap index, so a pending event can be moved or
 * cancelled in O(log n) without searching; this matters because a core's
 * completion event is rescheduled every time its thread is preempted or
 * its slice changes.  Keys compare (at, seq); seq is a global insertion
 * counter, so equal times keep FIFO order and runs are deterministic.
 *
 * Invariants:
 *   1. heap[i]->idx == i for every i < n.
 *   2. key(heap[parent(i)]) < key(heap[i]) (keys are unique thanks to seq).
 *   3. an event not in the heap has idx == -1.
 */
#include "engine.h"

#include <stdlib.h>

static inline int before(const gsE_event *a, const gsE_event *b)
{
  return a->at < b->at || (a->at == b->at && a->seq < b->seq);
}

static void place(gsE_queue *q, size_t i, gsE_event *ev)
{
  q->heap[i] = ev;
  ev->idx = (int32_t)i;
}

static void sift_up(gsE_queue *q, size_t i)
{
  gsE_event *ev = q->heap[i];
  while (i > 0) {
    size_t p = (i - 1) / 2;
    if (!before(ev, q->heap[p]))
      break;
    place(q, i, q->heap[p]);
    i = p;
  }
  place(q, i, ev);
}

static void sift_down(gsE_queue *q, size_t i)
{
  gsE_event *ev = q->heap[i];
  for (;;) {
    size_t c = 2 * i + 1;
    if (c >= q->n)
      break;
    if (c + 1 < q->n && before(q->heap[c + 1], q->heap[c]))
      c++;
    if (!before(q->heap[c], ev))
      break;
    place(q, i, q->heap[c]);
    i = c;
  }
  place(q, i, ev);
}

void gsE_init(gsE_queue *q)
{
  q->heap = NULL;
  q->n = q->cap = 0;
  q->seq = 0;
  q->now = 0;
  q->processed = 0;
}

void gsE_free(gsE_queue *q)
{
  for (size_t i = 0; i < q->n; i++)
    q->heap[i]->idx = -1;
  free(q->heap);
  q->heap = NULL;
  q->n = q->cap = 0;
}

void gsE_event_init(gsE_event *ev, uint8_t kind, void *obj)
{
  ev->at = 0;
  ev->seq = 0;
  ev->idx = -1;
  ev->kind = kind;
  ev->obj = obj;
}

int gsE_schedule(gsE_queue *q, gsE_event *ev, gs_time at)
{
  ev->seq = q->seq++;
  if (ev->idx >= 0) {
    /* Moving earlier can only go up, later only down (seq also grew). */
    gs_time old = ev->at;
    ev->at = at;
    if (at < old)
      sift_up(q, (size_t)ev->idx);
    else
      sift_down(q, (size_t)ev->idx);
    return 0;
  }
  if (q->n == q->cap) {
    size_t cap = q->cap ? 2 * q->cap : 64;
    gsE_event **h = realloc(q->heap, cap * sizeof *h);
    if (!h)
      return -1;
    q->heap = h;
    q->cap = cap;
  }
  ev->at = at;
  q->heap[q->n] = ev;
  ev->idx = (int32_t)q->n;
  q->n++;
  sift_up(q, q->n - 1);
  return 0;
}

void gsE_cancel(gsE_queue *q, gsE_event *ev)
{
  if (ev->idx < 0)
    return;
  size_t i = (size_t)ev->idx;
  ev->idx = -1;
  q->n--;
  if (i == q->n)
    return;
  gsE_event *last = q->heap[q->n];
  place(q, i, last);
  if (i > 0 && before(last, q->heap[(i - 1) / 2]))
    sift_up(q, i);
  else
    sift_down(q, i);
}

gsE_event *gsE_pop(gsE_queue *q)
{
  if (q->n == 0)
    return NULL;
  gsE_event *ev = q->heap[0];
  ev->idx = -1;
  q->n--;
  if (q->n > 0) {
    place(q, 0, q->heap[q->n]);
    sift_down(q, 0);
  }
  q->now = ev->at;
  q->processed++;
  return ev;
}
