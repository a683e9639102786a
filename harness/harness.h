/*
 * harness.h - the public interface of gsh, the real-run harness: it runs a
 * scenario's workload for real on this machine (threads, processes, a C
 * GIL) and measures it, so that `gilsim measure` can set the measurement
 * beside the simulation of the same scenario.
 *
 * What it runs: runtime `c` only (runtime `cpython` is measured by the
 * Python scripts); models sequential, threads and processes, and asyncio
 * for the download workload only; workloads primes (the reference trial
 * division), countdown (a volatile counter loop), sleep (nanosleep),
 * download and convoy.  With gil `new` or `old` every thread of a process
 * holds that process's C GIL (cgil.h) while it computes, and drops it
 * around blocking calls (sleeps, downloads, the convoy's I/O) as
 * Py_BEGIN_ALLOW_THREADS does.
 *
 * Download: the run starts the loopback server of net/server.h (seeded with
 * sc->seed, serving sc->sizes with sc->net) in the measuring process before
 * any thread or worker exists, and stops it after the last getrusage, so
 * the server's CPU is nobody's.  Each task is one blocking GET
 * (gsn_get_blocking_timed, 30 s stall time-out) with the GIL dropped; its
 * value is the bytes received, which must be the file's size.  asyncio:
 * one thread fetches every file at once with gsn_get_all_epoll (GIL
 * dropped for the whole loop), each task's times those of its file.  The
 * scenario's client CPU per byte (cpu_per_byte) is not modelled in C.
 *
 * Convoy (threads and processes; workers = cpu_threads + 1 to run the I/O
 * thread beside the CPU-bound ones): task 0 makes `ops` operations, each
 * a nanosleep of the latency (constant latencies only: a real blocking
 * call of that length) with the GIL dropped, then op_cpu ns of work with
 * it held; tasks 1..K do `cpu` ns of work each.  Work is a volatile
 * countdown at a rate calibrated on this CPU before the run starts, with
 * GIL check points every check_every units.
 *
 * What it measures (into a gs_results, printable by the tool's report
 * code): wall time (CLOCK_MONOTONIC), user and sys CPU of the run's
 * process and its children (getrusage), per-thread CPU, context switches
 * and run-queue wait (RUSAGE_THREAD, /proc/thread-self/schedstat), per
 * worker process the same from wait4, per-task results and timestamps, and
 * the GIL's counters; for downloads the server's counts of requests, body
 * bytes and most bodies in flight at once (net.requests, net.bytes,
 * net.max_in_flight); for the convoy convoy_ops and convoy_time (task 0's
 * span).  Fields only a simulation has (events, per-core busy time,
 * migrations, the event loop's figures, net.busy) stay zero, and `sched` is
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

#include "cgil.h"
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
/* The workloads' own loops, as a worker without a GIL runs them (for
 * timing them: gilsim calibrate).  The least prime factor of n by trial
 * division; n decrements of a volatile counter. */
uint64_t gsh_least_factor(uint64_t n);
void gsh_countdown(int64_t n);
/* The same loops as a worker holding g runs them: it takes g, reaches a
 * check point (gsh_gil_check) every `every` units (> 0), and drops g at the
 * end.  What a GIL's check points add to each loop, for gilsim calibrate. */
uint64_t gsh_least_factor_gil(uint64_t n, gsh_gil *g, int64_t every);
void gsh_countdown_gil(int64_t n, gsh_gil *g, int64_t every);

/* GS_OK if the harness can run sc (runtime c), else GS_ERR_INVALID and why;
 * runs nothing. */
gs_err gsh_check(const gs_scenario *sc, gs_error *err);
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
