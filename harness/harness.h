/*
 * harness.h - the public interface of gsh, the real-run harness: it runs a
 * scenario's workload for real on this machine (threads, processes, a C
 * GIL) and measures it, so that `gilsim measure` can set the measurement
 * beside the simulation of the same scenario.
 *
 * What it runs: runtime `c` only (runtime `cpython` is measured by the
 * Python scripts); models sequential, threads and processes; workloads
 * primes (the reference trial division), countdown (a volatile counter
 * loop) and sleep (nanosleep).  With gil `new` or `old` every thread of a
 * process holds that process's C GIL (cgil.h) while it computes.
 *
 * What it measures (into a gs_results, printable by the tool's report
 * code): wall time (CLOCK_MONOTONIC), user and sys CPU of the run's
 * process and its children (getrusage), per-thread CPU, context switches
 * and run-queue wait (RUSAGE_THREAD, /proc/thread-self/schedstat), per
 * worker process the same from wait4, per-task results and timestamps, and
 * the GIL's counters.  Fields only a simulation has (events, per-core busy
 * time, migrations, loop and network figures) stay zero, and `sched` is
 * copied from the scenario although the host's own scheduler ran the work.
 * Times in the results are nanoseconds since the start of the run.
 * Parameters in the results are the scenario's, resolved, with
 * switch_interval and check_interval set to the values the C GIL used.
 *
 * Conventions as in gs.h: functions return a gs_err and leave a sentence in
 * a gs_error; nothing here prints or exits the caller's process.
 */
#ifndef GSH_HARNESS_H
#define GSH_HARNESS_H

#include "gs.h"

#include <stdint.h>

/* How to run; all-zero means the defaults. */
typedef struct {
  /* Confine the run to the first `cores` CPUs this process may use
   * (sched_setaffinity before any thread or child is started, so all of
   * them inherit it).  0: leave the affinity as it is.  More than the
   * process may use is an error (GS_ERR_INVALID).  The results' `cores` is
   * the number of CPUs the run had. */
  int cores;
  /* Work units (trial divisions, decrements) between two GIL check points
   * of a holder; 0: 100.  Runs without a GIL make no check. */
  int64_t check_every;
  /* New GIL switch interval in µs; 0: the scenario's switch_interval
   * parameter (5 ms unless set). */
  int64_t switch_interval_us;
  /* Old GIL: work units between release and re-acquire; 0: the scenario's
   * check_interval parameter (100 unless set). */
  int64_t check_interval;
  /* Test hook: when nonzero, the thread that takes task `crash_task`
   * kills itself with SIGKILL before running it: a worker process in the
   * processes model, the whole measuring process otherwise (so use
   * gsh_run_once for those). */
  int crash;
  uint64_t crash_task;
} gsh_options;

/* ---- Running ------------------------------------------------------------- */

/*
 * One repetition in a fresh child process: fork, run the scenario there
 * (gsh_run_here), send the results back through a pipe, reap the child.
 * Repetitions therefore never add to each other's RUSAGE_CHILDREN, and a
 * run that crashes is reported as an error naming the signal instead of
 * taking the caller down.  On success *out is to be freed with
 * gs_results_free.  Call it from a single-threaded process: the child
 * starts with only the calling thread.
 */
gs_err gsh_run_once(const gs_scenario *sc, const gsh_options *o, gs_results **out,
                    gs_error *err);

/*
 * The same run in the calling process.  It confines the calling process
 * when o->cores > 0, forks worker processes in the processes model (all
 * reaped before it returns, failure or not) and ignores SIGPIPE while it
 * feeds them.  CPU figures are differences of getrusage taken before and
 * after the run.
 */
gs_err gsh_run_here(const gs_scenario *sc, const gsh_options *o, gs_results **out,
                    gs_error *err);

/* ---- CPUs ------------------------------------------------------------------ */

/* How many CPUs the calling process may run on (sched_getaffinity), or -1
 * with a message. */
int gsh_cpus_available(gs_error *err);

/* Confine the calling thread, and every thread and process it starts
 * later, to the first n CPUs of those it may run on now (in a
 * single-threaded process: the process).  GS_ERR_INVALID if n < 1 or n is
 * more than it may run on. */
gs_err gsh_confine_cores(int n, gs_error *err);

#endif
