/*
 * engine.h - the pending-event set of the discrete-event engine.
 *
 * Events are owned by the objects they belong to (a core has one, a thread
 * has its timer); the engine only orders them.  Order is (time, insertion
 * sequence): two events at the same nanosecond fire in the order they were
 * scheduled, which makes every run reproducible.
 *
 * An event's memory must stay valid while the queue may still hold a slot
 * for it: until it has fired, or until the queue is freed (a cancelled or
 * moved event leaves a stale slot behind, see engine.c).
 */
#ifndef GS_ENGINE_H
#define GS_ENGINE_H

#include "gs.h"

#include <stdbool.h>

typedef struct gsE_event {
  gs_time at;
  uint64_t seq;   /* insertion number of its current schedule */
  bool pending;   /* scheduled, and neither fired nor cancelled */
  uint8_t kind;   /* what the dispatcher should do with obj */
  void *obj;
} gsE_event;

/* A slot: a copy of an event's key beside a pointer to the event. */
typedef struct {
  gs_time at;
  uint64_t seq;
  gsE_event *ev;
} gsE_slot;

typedef struct {
  gsE_slot *s;
  size_t len, cap;
} gsE_bucket;

#define GSE_BUCKETS 65

typedef struct {
  gsE_bucket b[GSE_BUCKETS]; /* a radix heap relative to `last` (engine.c) */
  gsE_slot front;     /* the next slot after bucket 0's run, if front.ev */
  uint64_t full;      /* bit i - 1 set: bucket i > 0 holds slots */
  size_t head;        /* next slot of bucket 0 to pop */
  gs_time last;       /* the key the buckets are relative to */
  size_t len;         /* slots held, stale ones included */
  size_t n;           /* pending events */
  bool nomem;         /* a bucket could not grow while popping */
  uint64_t seq;       /* insertion counter: the tie-breaker */
  gs_time now;        /* time of the event being processed */
  uint64_t processed; /* events popped so far */
} gsE_queue;

void gsE_init(gsE_queue *q);
void gsE_free(gsE_queue *q);
/* Prepare an event owned by some object (not pending). */
void gsE_event_init(gsE_event *ev, uint8_t kind, void *obj);
/* Schedule ev at time at (>= now), or move it there if it is already
 * pending; either way it counts as a new insertion for tie-breaking.
 * O(1) amortised.  Returns -1 when the queue cannot grow. */
int gsE_schedule(gsE_queue *q, gsE_event *ev, gs_time at);
/* Remove ev if pending.  O(1). */
void gsE_cancel(gsE_queue *q, gsE_event *ev);
/* Remove and return the earliest event, advancing now; NULL when empty
 * (or, with nomem set, when the queue ran out of memory).  Amortised
 * O(log of the time span of the pending events). */
gsE_event *gsE_pop(gsE_queue *q);
static inline bool gsE_pending(const gsE_event *ev) { return ev->pending; }

#endif
