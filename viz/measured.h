/*
 * measured.h - a trace file read back, to set beside the simulation
 * (gilsim-viz --compare).
 *
 * Any trace that tool/trace.c wrote will do; the one meant is that of
 * `gilsim measure --trace`, whose threads show "running" while a task runs
 * and "blocked" between tasks (tool/measure.c, trace_tasks).  Only the
 * threads' state slices and the metadata are read: a real run knows no
 * cores, GIL or queues.
 */
#ifndef VZ_MEASURED_H
#define VZ_MEASURED_H

#include "gs.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct {
  gs_time start, end;
  int state;          /* gs_trace_state */
} vz_mseg;

typedef struct {
  int pid, tid;       /* the trace's: tid is the simulated tid + 1 */
  char name[64];
  vz_mseg *seg;       /* sorted by start */
  size_t nseg, cap;
} vz_mthread;

typedef struct vz_measured {
  char scenario[128], model[32], gil[16];
  int cores;          /* 0 when the metadata does not say */
  vz_mthread *thr;
  size_t nthr;
  gs_time end;        /* the latest slice end: the run's wall time */
  size_t tasks;       /* "running" slices: one per task in a measured trace */
} vz_measured;

/* Read path; 0, or -1 with a sentence in err. */
int vz_measured_load(const char *path, vz_measured **out, char *err, size_t n);
void vz_measured_free(vz_measured *m);
/* The state of t at time at, or -1 when no slice covers it. */
int vz_mthread_state_at(const vz_mthread *t, gs_time at);
/* "running" slices that ended by time at (tasks finished, measured). */
size_t vz_measured_done(const vz_measured *m, gs_time at);

#endif
