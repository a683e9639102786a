/*
 * workload.h - what a task costs: turning a scenario's workload into the
 * operations a thread performs.
 */
#ifndef GS_WORKLOAD_H
#define GS_WORKLOAD_H

#include "kernel.h"

/* Compute per-task work (trial divisions, loop lengths) and the expected
 * results.  Returns a gs_err. */
int gsW_prepare(gsK_sim *s);
void gsW_free(gsK_sim *s);
/* The cursor starts task i (run by the thread cur->owner). */
void gsW_begin(gsK_sim *s, gsK_cursor *cur, int64_t task);

/* The cursor runs one compute step of ns, with the GIL rules of a cpu
 * step, and then reports GSW_DONE (a thread-pool job). */
void gsW_begin_job(gsK_cursor *cur, gs_time ns);

/* What gsW_step did. */
enum {
  GSW_DONE = 0, /* the task is complete; no operation was set */
  GSW_OP,       /* the owner thread has an operation (work or block) */
  GSW_AWAIT     /* coroutines only: it awaits; gsW_notify resumes it */
};
/* Advance the task by one operation of the thread that runs it. */
int gsW_step(gsK_sim *s, gsK_cursor *cur);
/* An I/O, timer or thread-pool job of cur has completed. */
void gsW_notify(gsK_sim *s, gsK_cursor *cur);

#endif
