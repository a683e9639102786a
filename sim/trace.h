/*
 * trace.h - emitting trace events to the caller's callback.
 */
#ifndef GS_TRACE_H
#define GS_TRACE_H

#include "kernel.h"

/* Emit ev (its time is set to now) if the run is traced. */
void gsT_emit(gsK_sim *s, gs_trace_event *ev);
/* Re-derive t's trace state and emit it if it changed. */
void gsT_state(gsK_sim *s, gsK_thread *t);
void gsT_counter(gsK_sim *s, const char *name, int64_t value);

#endif
