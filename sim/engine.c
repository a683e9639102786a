/*
 * engine.c - the pending-event set: a radix heap of slots, each a copy of
 * an event's key (at, seq) beside a pointer to the event.
 *
 * Events pop in (at, seq) order; seq is a global insertion counter, so
 * equal times keep FIFO order and runs are deterministic.  Any structure
 * that pops in that order gives the same run; this one was chosen by
 * measuring (gilsim-bench, bench/README-section.md), for three reasons.
 *
 *   - Time never goes backwards: every event is scheduled at or after the
 *     one being processed.  A radix heap exploits that.  Bucket 0 is a
 *     run of slots sorted by (at, seq), all at or before `last`; bucket
 *     i > 0 holds the keys after last whose highest bit differing from
 *     last is bit i - 1, so every key of bucket i is below every key of
 *     bucket i + 1.  Pop takes the head of the run.  When the run is used
 *     up, the first non-empty bucket (a bit mask finds it) becomes the
 *     next run: if it holds at most SMALL slots they are sorted whole and
 *     last becomes the greatest; otherwise last becomes its least key, the
 *     slots at that time form the run and the others move to lower
 *     buckets.  A slot only ever moves down, so at most 64 times; in the
 *     benchmark's scenario 1, about twice.  Scheduling is O(1) after last
 *     (a push on a bucket) and a short insertion at or before it.  A
 *     binary heap of 10,000 timers instead makes about 26 comparisons per
 *     pop (two on each of 13 levels), on branches no predictor learns.
 *   - Ties.  Simulated costs are round numbers of ns, so many events share
 *     a time (the benchmark's scenario 1: about 24 per run).  A new slot
 *     has the greatest seq yet, so it goes after every slot of its time; a
 *     split sorts the group that forms the run (insertion sort: it nearly
 *     always arrives in order).
 *   - The front slot.  Most events are scheduled a little after the one
 *     being processed and are the next to fire (a core's end of slice, the
 *     next step of the thread it runs).  Pushed onto a bucket, such a slot
 *     would come back at once through a refill.  So a slot after last that
 *     is below every key in the buckets, when bucket 0's run is used up or
 *     not, waits in `front` instead: pop takes the run first (its keys are
 *     at or before last, so below front's), then front, then refills.  A
 *     new slot below front takes its place, and the old one goes to its
 *     bucket; a slot at or after front goes to its bucket as before.  last
 *     does not move, so the buckets stay as they were.
 *   - The slots hold the keys, and the events hold no position.  Events
 *     live inside the threads, cores and coroutines that own them,
 *     scattered over memory; the queue reads an event only when it pops
 *     it.  Cancelling an event clears its `pending` flag; moving it
 *     schedules a fresh slot.  The old slot is stale (the event is not
 *     pending, or has a newer seq) and is dropped when popped: a pop more,
 *     no worse than the sift an indexed heap would have made.  Most runs
 *     cancel or move few events (the benchmark's scenario 1: under one in
 *     ten thousand; its scenario 2 moves the network's completion event at
 *     every transfer start and end).  If stale slots ever outnumber
 *     pending events by more than 4096, a schedule sweeps them out
 *     (amortised O(1) each).
 *
 * Costs: schedule O(1), or O(run length) at or before last; cancel O(1)
 * amortised; pop amortised O(bits in the spread of pending times), in
 * practice a few slot moves.
 *
 * Invariants:
 *   1. Slots head..len of bucket 0 are in increasing (at, seq), each with
 *      at <= last; every slot of bucket i > 0 has at > last and
 *      bucket_of(last, at) == i, and bit i - 1 of `full` is set iff
 *      bucket i holds slots.
 *   1a. front.ev is NULL, or last < front.at and front's key is below
 *      the key of every slot in a bucket i > 0 (a tie: front's seq is the
 *      lower, as it was scheduled first).
 *   2. A slot is live iff slot.ev->pending and slot.seq == slot.ev->seq;
 *      each pending event has exactly one live slot, with its at and seq;
 *      n counts them and len counts every slot (head on, in bucket 0;
 *      front).
 *   3. now <= every key held.
 */
#include "engine.h"
#include "mem.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

/* A bucket of at most this many slots is sorted whole when its turn
 * comes, rather than split: cheaper for the small queues of small runs. */
#define SMALL 16

static inline bool live(const gsE_slot *x)
{
  return x->ev->pending && x->ev->seq == x->seq;
}

/* Bucket of a key at >= last: 0 if equal, else 1 + its highest bit that
 * differs from last. */
static inline int bucket_of(gs_time last, gs_time at)
{
  uint64_t x = (uint64_t)at ^ (uint64_t)last;
  return x ? 64 - __builtin_clzll(x) : 0;
}

/* Growing and sweeping are rare: kept out of line, so that the common
 * paths save few registers. */
static __attribute__((cold, noinline)) bool grow(gsE_bucket *b)
{
  size_t cap = b->cap ? 2 * b->cap : 16;
  gsE_slot *s = gs__huge_realloc(b->s, b->cap * sizeof *s, cap * sizeof *s);
  if (!s)
    return false;
  b->s = s;
  b->cap = cap;
  return true;
}

/* Append x to bucket i. */
static inline bool push(gsE_queue *q, int i, const gsE_slot *x)
{
  gsE_bucket *b = &q->b[i];
  if (b->len == b->cap && !grow(b))
    return false;
  b->s[b->len++] = *x;
  if (i > 0)
    q->full |= (uint64_t)1 << (i - 1);
  return true;
}

static inline bool before(const gsE_slot *a, const gsE_slot *b)
{
  return a->at < b->at || (a->at == b->at && a->seq < b->seq);
}

static int by_key(const void *a, const void *b)
{
  return before(a, b) ? -1 : before(b, a);
}

/* Order k slots by (at, seq).  They nearly always come nearly in order:
 * insertion sort, unless the group turns out far from sorted. */
static void sort_slots(gsE_slot *s, size_t k)
{
  size_t moved = 0;
  for (size_t i = 1; i < k; i++) {
    gsE_slot x = s[i];
    size_t j = i;
    while (j > 0 && before(&x, &s[j - 1])) {
      s[j] = s[j - 1];
      j--;
      if (++moved > 8 * k) {
        qsort(s, k, sizeof *s, by_key);
        return;
      }
    }
    s[j] = x;
  }
}

/* Drop the stale slots of every bucket, keeping bucket 0's order.  O(len). */
static __attribute__((cold, noinline)) void sweep(gsE_queue *q)
{
  size_t total = 0;
  for (int i = 0; i < GSE_BUCKETS; i++) {
    gsE_bucket *b = &q->b[i];
    size_t k = 0;
    for (size_t j = i == 0 ? q->head : 0; j < b->len; j++)
      if (live(&b->s[j]))
        b->s[k++] = b->s[j];
    b->len = k;
    total += k;
    if (i > 0 && k == 0)
      q->full &= ~((uint64_t)1 << (i - 1));
  }
  q->head = 0;
  if (q->front.ev) {
    if (live(&q->front))
      total++;
    else
      q->front.ev = NULL;
  }
  q->len = total;
}

void gsE_init(gsE_queue *q)
{
  for (int i = 0; i < GSE_BUCKETS; i++)
    q->b[i] = (gsE_bucket){NULL, 0, 0};
  q->front = (gsE_slot){0, 0, NULL};
  q->full = 0;
  q->head = 0;
  q->last = 0;
  q->len = q->n = 0;
  q->nomem = false;
  q->seq = 0;
  q->now = 0;
  q->processed = 0;
}

/* The owners of the events may already be gone: touch only the slots. */
void gsE_free(gsE_queue *q)
{
  for (int i = 0; i < GSE_BUCKETS; i++) {
    free(q->b[i].s);
    q->b[i] = (gsE_bucket){NULL, 0, 0};
  }
  q->front.ev = NULL;
  q->full = 0;
  q->head = 0;
  q->len = q->n = 0;
}

void gsE_event_init(gsE_event *ev, uint8_t kind, void *obj)
{
  ev->at = 0;
  ev->seq = 0;
  ev->pending = false;
  ev->kind = kind;
  ev->obj = obj;
}

/* Bucket 0 is full: drop its popped slots, or grow it. */
static __attribute__((cold, noinline)) bool make_room(gsE_queue *q)
{
  gsE_bucket *b0 = &q->b[0];
  if (q->head == 0)
    return grow(b0);
  memmove(b0->s, b0->s + q->head, (b0->len - q->head) * sizeof *b0->s);
  b0->len -= q->head;
  q->head = 0;
  return true;
}

/* Insert x (the newest seq) into the sorted run of bucket 0. */
static bool insert_run(gsE_queue *q, const gsE_slot *x)
{
  gsE_bucket *b0 = &q->b[0];
  if (b0->len == b0->cap && !make_room(q))
    return false;
  size_t j = b0->len++;
  while (j > q->head && b0->s[j - 1].at > x->at) {
    b0->s[j] = b0->s[j - 1];
    j--;
  }
  b0->s[j] = *x;
  return true;
}

/* x is after last: into front if it is below every other key after last
 * (1a), else onto its bucket. */
static inline bool to_front_or_bucket(gsE_queue *q, const gsE_slot *x)
{
  int i = bucket_of(q->last, x->at);
  if (!q->front.ev) {
    /* Every key of bucket k > i is above x's (bit k - 1 is set in it and
     * clear in last and x), so x is below them all if its bucket is below
     * the first one that holds slots. */
    if (!q->full || i <= __builtin_ctzll(q->full)) {
      q->front = *x;
      return true;
    }
    return push(q, i, x);
  }
  if (x->at < q->front.at) {
    gsE_slot old = q->front;
    if (!push(q, bucket_of(q->last, old.at), &old))
      return false;
    q->front = *x;
    return true;
  }
  return push(q, i, x);
}

int gsE_schedule(gsE_queue *q, gsE_event *ev, gs_time at)
{
  assert(at >= q->now);
  if (q->len - q->n > q->n + 4096)
    sweep(q);
  gsE_slot x = {at, q->seq, ev};
  if (!(at <= q->last ? insert_run(q, &x) : to_front_or_bucket(q, &x)))
    return -1;
  q->seq++;
  q->len++;
  /* A pending event's old slot becomes stale: its seq no longer matches. */
  if (!ev->pending)
    q->n++;
  ev->pending = true;
  ev->at = at;
  ev->seq = x.seq;
  return 0;
}

void gsE_cancel(gsE_queue *q, gsE_event *ev)
{
  if (!ev->pending)
    return;
  ev->pending = false;
  q->n--;
}

/* Bucket 0 is used up: split the first bucket that holds slots, relative
 * to its least key.  false when every bucket is empty (or one could not
 * grow: nomem). */
static bool refill(gsE_queue *q)
{
  gsE_bucket *b0 = &q->b[0];
  b0->len = 0;
  q->head = 0;
  if (!q->full)
    return false;
  int i = 1 + __builtin_ctzll(q->full);
  gsE_bucket *bi = &q->b[i];
  q->full &= ~((uint64_t)1 << (i - 1));
  if (bi->len <= SMALL) {
    /* Few: they become the sorted run, up to the greatest of them. */
    gsE_bucket t = *b0;
    *b0 = *bi;
    *bi = t;
    sort_slots(b0->s, b0->len);
    q->last = b0->s[b0->len - 1].at;
    return true;
  }
  gs_time m = bi->s[0].at;
  for (size_t j = 1; j < bi->len; j++)
    if (bi->s[j].at < m)
      m = bi->s[j].at;
  q->last = m;
  /* Every slot goes to a lower bucket, so bi itself does not change. */
  for (size_t j = 0; j < bi->len; j++)
    if (!push(q, bucket_of(m, bi->s[j].at), &bi->s[j])) {
      q->nomem = true;
      return false;
    }
  bi->len = 0;
  sort_slots(b0->s, b0->len);
  return true;
}

gsE_event *gsE_pop(gsE_queue *q)
{
  gsE_bucket *b0 = &q->b[0];
  for (;;) {
    while (q->head < b0->len) {
      gsE_slot *x = &b0->s[q->head++];
      q->len--;
      /* The next pop reads the next slot's event, owned by some thread,
       * core or request anywhere in memory: ask for it now, while this
       * event is processed (timing only). */
      if (q->head < b0->len)
        __builtin_prefetch(b0->s[q->head].ev);
      if (!live(x))
        continue;
      gsE_event *ev = x->ev;
      ev->pending = false;
      q->n--;
      q->now = ev->at;
      q->processed++;
      return ev;
    }
    if (q->front.ev) {
      gsE_event *ev = q->front.ev;
      bool ok = live(&q->front);
      q->front.ev = NULL;
      q->len--;
      if (!ok)
        continue;
      ev->pending = false;
      q->n--;
      q->now = ev->at;
      q->processed++;
      return ev;
    }
    if (!refill(q)) {
      if (!q->nomem)
        q->last = q->now; /* empty: nothing is relative to last */
      return NULL;
    }
  }
}
