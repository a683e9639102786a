/*
 * internal.h - what the files of the harness share and nobody else calls:
 * the state of one run, the workers that run tasks, the clock and the CPU
 * samples.  Internal names carry the `gsh__` prefix.
 */
#ifndef GSH_INTERNAL_H
#define GSH_INTERNAL_H

#include "harness.h"
#include "cgil.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Check points per task loop when the caller gives none: CPython's eval
 * breaker is polled about every bytecode; 100 work units of C keep the
 * check below a percent of the work and still far under any interval. */
#define GSH_CHECK_EVERY 100

/* The first error a task met in this process (downloads), with its
 * message; later ones are dropped.  Shared by the threads of a run. */
typedef struct gsh__first_error gsh__first_error;
void gsh__task_error(gsh__first_error *f, const gs_error *err);

/* One run, as gsh_run_here sets it up for the model that executes it. */
typedef struct {
  const gs_scenario *sc;
  const gsh_options *o;
  gs_gil gil;             /* effective: GS_GIL_NONE, GS_GIL_NEW or GS_GIL_OLD */
  int64_t interval_us;    /* new GIL */
  int64_t check_interval; /* old GIL */
  int64_t check_every;    /* units between check points of a GIL holder */
  int64_t t0;             /* CLOCK_MONOTONIC ns when the run started */
  int port;               /* download: the loopback server's TCP port */
  double units_per_ns;    /* convoy: countdown units per ns of CPU (calibrated) */
  gsh__first_error *first; /* the first task error of this process, or NULL */
  gs_results *r;          /* tasks[] allocated; the model fills threads/procs */
  gs_error *err;
} gsh__run;

/* A thread that runs tasks, in whichever process. */
typedef struct {
  const gsh__run *run;
  gsh_gil *gil;           /* its process's GIL, NULL without one */
  gsh_gil_thread gt;
  int tid;                /* index in the results' threads */
  uint64_t tasks;         /* tasks it completed */
} gsh__worker;

/* What the OS says a thread (or a process) has used so far. */
typedef struct {
  int64_t user, sys;      /* ns */
  uint64_t nvcsw, nivcsw;
  int64_t run, wait;      /* ns on a CPU and waiting on a run queue (schedstat) */
  int has_sched;          /* run and wait are known */
} gsh__sample;

/* ---- Clock and samples (sample.c) ---------------------------------------- */

int64_t gsh__now(void); /* CLOCK_MONOTONIC, ns */
/* The calling thread's figures: RUSAGE_THREAD and /proc/thread-self/schedstat. */
void gsh__sample_thread(gsh__sample *s);
/* A process's figures from getrusage(who) or a struct rusage from wait4. */
struct rusage;
void gsh__sample_rusage(const struct rusage *ru, gsh__sample *s);
/* Fill a thread's row from two samples (from = zero for a thread sampled
 * since its creation) and its life span in ns since the run started.
 * Blocked time is what is left of the life span after running and waiting
 * for a CPU, when schedstat gives both. */
void gsh__fill_thread(gs_thread_result *tr, const gsh__sample *from, const gsh__sample *to,
                      int64_t created, int64_t ended);

/* ---- Pipes (pipes.c) ------------------------------------------------------ */

/* read() until n bytes, EOF or an error: the bytes read (n, fewer at EOF),
 * or -1 with errno. */
ssize_t gsh__read_full(int fd, void *buf, size_t n);
/* write() all n bytes: 0, or -1 with errno. */
int gsh__write_full(int fd, const void *buf, size_t n);

/* ---- Tasks (work.c) -------------------------------------------------------- */

/* Run task `task` on the calling thread, which holds w->gil if there is
 * one; out gets its index, value, thread and times. */
void gsh__run_task(gsh__worker *w, size_t task, gs_task_result *out);
/* Countdown units per ns of the calling thread's CPU: a short timed
 * countdown, the fastest of a few tries. */
double gsh__calibrate(void);

/* ---- Models (pool.c, procs.c) ----------------------------------------------- */

/* Each runs every task of run->r once, fills r->threads/nthreads and
 * r->procs/nprocs (the main process's CPU excepted: gsh_run_here adds it),
 * and returns GS_OK or an error with a message in run->err. */
gs_err gsh__run_sequential(gsh__run *run);
gs_err gsh__run_threads(gsh__run *run);
gs_err gsh__run_processes(gsh__run *run);
/* asyncio, download only: one thread fetches every file with
 * gsn_get_all_epoll (pool.c). */
gs_err gsh__run_asyncio(gsh__run *run);

/* Copy a GIL's counters and its holder's per-thread figures. */
void gsh__gil_figures(const gsh_gil *g, gs_gil_stats *st);
void gsh__thread_gil(const gsh_gil_thread *gt, gs_thread_result *tr);

#endif
