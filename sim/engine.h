/*
 * engine.h - the pending-event set of the discrete-event engine.
 *
 * Events are owned by the objects they belong to (a core has one, a thread
 * has its timer); the engine only orders them.  Order is (time, insertion
 * sequence): two events at the same nanosecond fire in the order they were
 * scheduled, which makes every run reproducible.
 */
#ifndef GS_ENGINE_H
#define GS_ENGINE_H

#include "gs.h"

typedef struct gsE_event {
  gs_time at;
  uint64_t seq;
  int32_t idx;   /* position in the heap; -1 when not pending */
  uint8_t kind;  /* what the dispatcher should do with obj */
  void *obj;
} gsE_event;

typedef struct {
  gsE_event **heap;
  size_t n, cap;
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
 * O(log n).  Returns -1 when the heap cannot grow. */
int gsE_schedule(gsE_queue *q, gsE_event *ev, gs_time at);
/* Remove ev if pending.  O(log n). */
void gsE_cancel(gsE_queue *q, gsE_event *ev);
/* Remove and return the earliest event, advancing now; NULL when empty. */
gsE_event *gsE_pop(gsE_queue *q);
static inline int gsE_pending(const gsE_event *ev) { return ev->idx >= 0; }

#endif
