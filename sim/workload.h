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
/* t starts task i. */
void gsW_begin(gsK_sim *s, gsK_thread *t, int64_t task);
/* Perform the next step of t's task: true if an operation was set, false
 * when the task is complete (its result is then recorded). */
bool gsW_step(gsK_sim *s, gsK_thread *t);

#endif
