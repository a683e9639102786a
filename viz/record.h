/*
 * record.h - one simulated run, recorded for the animation.
 *
 * gilsim-viz never asks the simulation anything but the trace stream: the
 * run goes through gs_run_traced once, every gs_trace_event is copied
 * into memory (names copied too: they live only during the callback), and
 * the animation replays that array against its own clock (replay.h).  The
 * trace file of `gilsim run --trace` is written from the same stream, so
 * the two always agree.
 *
 * After the run one pass over the array adds indexes that need the
 * future of the stream, never anything the stream does not say:
 *   - for each state change, when the thread's next change comes (the
 *     countdown of a sleep or a blocking I/O);
 *   - for each core event, the core's next event (to interpolate its busy
 *     time between switches);
 *   - for each thread and core, the list of its events (the timelines);
 *   - for each download, when its first byte arrived: the trace says when
 *     a request began and ended and how many transfers were in flight;
 *     with the scenario's link and connection rates that fixes the fluid
 *     model's "bytes per transfer served" curve, and a transfer's start is
 *     the point of that curve its size back from its end (net.c).
 */
#ifndef VZ_RECORD_H
#define VZ_RECORD_H

#include "gs.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One recorded event (40 bytes).  Fields by kind (gs_trace_kind):
 *   PROC      a = pid, b = parent pid
 *   THREAD    a = pid, b = tid
 *   STATE     a = pid, b = tid, c = gs_trace_state, x = time of the
 *             thread's next state change (or the end of the run)
 *   CORE      a = core, b = tid (-1 idle), c = index of this core's next
 *             event (-1: none), x = user ns, y = sys ns the core ran so far
 *   GIL       a = pid, b = holder tid (-1 free)
 *   IO_BEGIN  a = pid, b = tid, c = transfer index (vz_xfer)
 *   IO_END    a = pid, b = tid, c = transfer index
 *   COUNTER   c = counter index (vz_rec.counter_names), x = value; or
 *             c = VZ_C_GIL_DROP / VZ_C_GIL_FAILED, a = pid, for the
 *             per-process counters "GIL drop request, pid N" and
 *             "GIL failed wake-ups, pid N" */
typedef struct {
  gs_time at;
  int64_t x, y;
  int32_t a, b, c;
  uint8_t kind;
} vz_ev;

enum { VZ_C_GIL_DROP = -2, VZ_C_GIL_FAILED = -3 };

typedef struct {
  bool known;
  int parent;
  char name[32];
  bool has_gil;       /* its GIL was ever taken */
} vz_proc;

typedef struct {
  bool known;
  int pid;
  char name[32];
  uint32_t *idx;      /* indexes of its STATE events, in time order */
  size_t nidx;
} vz_thread;

typedef struct {
  uint32_t *idx;      /* indexes of the core's CORE events */
  size_t nidx;
} vz_core;

/* A download: requested, first byte (after the server queue and the
 * first-byte latency), done. */
typedef struct {
  uint64_t id;
  int pid, tid;
  int64_t bytes;
  gs_time requested, first_byte, done;
  double served0;     /* the fluid model's bytes-per-transfer at first_byte */
} vz_xfer;

/* The fluid model's curve: from `at` on, each transfer in flight gets
 * `rate` bytes per ns, and had been served `served` bytes at `at`. */
typedef struct {
  gs_time at;
  double served, rate;
} vz_netpt;

#define VZ_MAX_EVENTS ((size_t)50 * 1000 * 1000) /* 2 GB of vz_ev */
#define VZ_MAX_COUNTERS 16

typedef struct vz_rec {
  vz_ev *ev;
  size_t nev, cap;
  bool truncated;     /* more than VZ_MAX_EVENTS: the rest was dropped */
  gs_time end;        /* wall time of the run (or the last event, if later) */

  vz_proc *procs;     /* by pid */
  size_t nprocs;
  vz_thread *thr;     /* by tid */
  size_t nthr;
  vz_core *cores;
  int ncores;

  char counter_names[VZ_MAX_COUNTERS][48];
  int ncounters;
  /* Indexes of the counters the animation draws, or -1 if never seen. */
  int ctr_runnable, ctr_ready, ctr_await, ctr_xfers;
  /* When an awaiting coroutine's sleep or I/O ended (the "awaiting
   * coroutines" counter went down), in time order. */
  gs_time *wakes;
  size_t nwakes;

  vz_xfer *xfer;
  size_t nxfer;
  vz_netpt *net;
  size_t nnet;

  gs_results *res;    /* the run's results (owned) */
  gs_gil gil;         /* effective GIL */
  gs_time switch_interval;
  bool oom;           /* memory ran out while recording */
} vz_rec;

/* Run sc with tracing, record the stream and build the indexes.  On
 * failure returns the library's error (GS_ERR_NOMEM when recording ran
 * out of memory) with err->msg set, and *out is NULL. */
gs_err vz_record(const gs_scenario *sc, vz_rec **out, gs_error *err);
void vz_rec_free(vz_rec *r);

/* The counter index of name, or -1. */
int vz_counter_index(const vz_rec *r, const char *name);
/* Bytes per transfer the fluid model had served at t. */
double vz_net_served(const vz_rec *r, gs_time t);
/* The first coroutine wake-up after t, or -1. */
gs_time vz_next_wake(const vz_rec *r, gs_time t);
/* Fraction of x received at t, 0 to 1 (0 before its first byte). */
double vz_xfer_progress(const vz_rec *r, const vz_xfer *x, gs_time t);

#endif
