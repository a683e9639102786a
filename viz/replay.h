/*
 * replay.h - the recorded stream replayed against the animation's clock.
 *
 * vz_play_seek(p, t) applies every recorded event with time <= t, in
 * order, to a picture of the run: what each core runs, each thread's
 * state and since when, each GIL's holder, the counters, the downloads in
 * flight.  Going back in time starts over from the first event (O(events)
 * once); going forward costs only the events passed.
 *
 * The GIL's inner workings come from the same stream.  The simulation
 * counts each process's drop requests and failed wake-ups in counters
 * (sim/gil.c), because a waiter that times out, or is woken in vain, while
 * still on its way to sleep changes no thread state.  The rest is read
 * off the threads' states, following the handshake drawn at the top of
 * sim/gil.c:
 *
 *   - a thread asks for the GIL when it enters "waiting for GIL", and has
 *     it at the GIL event naming it; each entry into the wait starts a
 *     fresh timed wait of switch_interval (new GIL), whose timer the
 *     animation draws;
 *   - a holder that drops the GIL while a drop request is pending is
 *     forced to switch: its next "waiting for GIL" is the wait on
 *     switch_cond for another thread to take it, not a request of its own;
 *   - the waiter behind a drop request or a failed wake-up is the one of
 *     the process that is asking for the GIL and running at that moment
 *     (the check runs on a core).
 *
 * tests/test_replay.c checks that the counts derived this way equal the
 * simulation's own (gs_results procs[].gil).
 */
#ifndef VZ_REPLAY_H
#define VZ_REPLAY_H

#include "record.h"

typedef struct {
  bool live;            /* created (its THREAD event passed) */
  int state;            /* gs_trace_state, -1 before its first */
  gs_time since, until; /* the current state began, and will end */
  /* GIL acquisition, derived as above */
  bool in_take;         /* between asking for the GIL and getting it */
  bool waiting;         /* in a timed (or, old GIL, untimed) wait on cond */
  bool forced;          /* the current wait is the forced-switch wait */
  gs_time wait_since;   /* this wait began */
  gs_time last_fail;    /* the latest failed wake-up, or -1 */
  uint64_t fails;
} vz_tstate;

typedef struct {
  int holder;           /* tid, or -1 */
  gs_time since;        /* held or free since */
  int last_holder;
  bool drop;            /* drop request pending */
  gs_time drop_since;
  int drop_by;          /* the waiter that asked (-1: not seen) */
  int drop_asked;       /* the holder it asked */
  int forced_tid;       /* dropped with a request pending, not yet waiting */
  gs_time last_fail;    /* the latest failed wake-up of the process, or -1 */
  uint64_t acquisitions, switches, drop_requests, forced_switches, failed_wakeups;
} vz_gstate;

typedef struct {
  int tid;              /* -1 idle */
  gs_time since;
  long ev;              /* index of its latest CORE event, -1 before */
} vz_cstate;

typedef struct vz_play {
  const vz_rec *r;
  size_t next;          /* the next event to apply */
  gs_time now;
  vz_tstate *t;         /* by tid (r->nthr) */
  vz_gstate *g;         /* by pid (r->nprocs) */
  vz_cstate *c;         /* by core (r->ncores) */
  int64_t counter[VZ_MAX_COUNTERS];
  size_t *io;           /* transfers in flight (requested, not done) */
  size_t nio;
  size_t *io_slot;      /* position of each transfer in io, or SIZE_MAX */
} vz_play;

/* A replay at time 0 before any event; NULL when out of memory. */
vz_play *vz_play_new(const vz_rec *r);
void vz_play_free(vz_play *p);
void vz_play_reset(vz_play *p);
/* Apply every event with time <= t (t < 0: none). */
void vz_play_seek(vz_play *p, gs_time t);
/* The time of the first event after now, or -1 at the end. */
gs_time vz_play_next_time(const vz_play *p);
/* CPU time run so far over every core, interpolated between each core's
 * switches (exact at every switch and at the end). */
void vz_play_cpu(const vz_play *p, gs_time *user, gs_time *sys);

#endif
