/*
 * trace.h - writing a run's trace events (gs_run_traced) as a Chrome
 * trace-event JSON file, the format ui.perfetto.dev and chrome://tracing
 * open.
 *
 * The writer is fed only by the library's trace callback, so a trace file
 * shows exactly what the simulation did.  It streams: every event goes to
 * the file as it arrives, and only the open slices (one per thread, core
 * and GIL, plus the I/O in flight) are held in memory.  The file is written
 * under a temporary name in the destination's directory and renamed onto
 * the destination only when the run and every write succeeded, so a
 * destination is never left half-written.
 *
 * Layout of the trace (pids and tids are the trace's, not the simulation's):
 *   pid 2000000 "CPU cores" one thread per core, tid = core + 1 ("core N"),
 *                           with a slice per stretch a thread ran there,
 *                           named "worker-1 (pid 1)"; the counters
 *                           ("runnable threads", "transfers in flight")
 *   pid P (simulated pid)   process_name = the simulated process's name;
 *     tid T + 1             one per simulated thread T (tid 0 exists in the
 *                           simulation), its state slices tiling its life
 *                           (named by gs_trace_state_name) and its I/O as
 *                           async "transfer" slices (cat "io")
 *     tid 2000000 + P       "GIL holder": slices named after the thread
 *                           holding the process's GIL (only for processes
 *                           whose GIL was ever taken)
 * Times are microseconds with three decimals, i.e. exact nanoseconds.
 * Slices are complete events ("X"), written when they end; slices of zero
 * length are left out.
 */
#ifndef GS_TOOL_TRACE_H
#define GS_TOOL_TRACE_H

#include "gs.h"

#include <stdbool.h>

/* Pid and tid numbering of the trace (see above).  The cores get a pid past
 * every simulated one (at most 1 + GS_MAX_WORKERS) rather than 0: Perfetto
 * treats pid 0 as the kernel's idle process and asks synthesized traces to
 * avoid it (google/perfetto#394).  Sorted first all the same.  The GIL
 * tracks' tids start past every thread's (at most 2 + GS_MAX_WORKERS);
 * trace.c checks both against the limit at compile time, and viz/ reads
 * traces with these same numbers. */
#define GS_TRACEW_CORES_PID 2000000
#define GS_TRACEW_GIL_TID_BASE 2000000

/* What the trace's "metadata" object says about the run. */
typedef struct {
  const char *scenario; /* the scenario's name */
  uint64_t seed;
  int cores;            /* also the number of core tracks */
  const char *model;    /* gs_model_name */
  const char *gil;      /* gs_gil_name of the effective GIL */
} gs_tracew_info;

typedef struct gs_tracew gs_tracew;

/* Start a trace for path: create the temporary file beside it and write
 * the header and the core tracks.  On failure returns NULL, with errno set
 * and err->msg = "cannot write trace 'PATH': REASON" (path a directory
 * included).  The strings of info are copied. */
gs_tracew *gs_tracew_open(const char *path, const gs_tracew_info *info, gs_error *err);

/* Write one trace event; ctx is the gs_tracew, so that this is directly the
 * gs_trace_fn to hand to gs_run_traced.  Events must come in time order.
 * A write error is remembered and reported by gs_tracew_close; later
 * events are then ignored. */
void gs_tracew_event(void *ctx, const gs_trace_event *ev);

/* Finish and free w.  commit: close every open slice at end (or at the last
 * event's time, if later), write the closing part, flush and sync, and
 * rename the file onto the destination; returns 0, or -1 with errno set and
 * err->msg saying what failed (the temporary file is then removed).
 * !commit: remove the temporary file and return 0 (for a failed run).
 * Never leaves the temporary file behind.  w may be NULL (returns 0). */
int gs_tracew_close(gs_tracew *w, gs_time end, bool commit, gs_error *err);

/* The temporary file's name, for a signal handler that must remove it. */
const char *gs_tracew_temp_path(const gs_tracew *w);

/* The Chrome trace colour ("cname") of each thread state, kept stable so
 * that every view of a run (trace files, the animation) agrees:
 *   running          thread_state_running
 *   running (GIL)    good
 *   runnable         thread_state_runnable
 *   waiting for GIL  terrible
 *   I/O              thread_state_iowait
 *   sleeping         thread_state_sleeping
 *   blocked          thread_state_uninterruptible
 *   done             generic_work (never drawn: "done" is no slice)
 * Returns "" for a value that is not a state. */
const char *gs_trace_state_cname(gs_trace_state st);

#endif
