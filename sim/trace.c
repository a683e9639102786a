/*
 * trace.c - trace events: what each thread, core and GIL is doing, as a
 * stream of changes handed to the caller (gs_run_traced).
 *
 * A thread's trace state is derived, never stored separately from the
 * model: from its scheduler state, whether it holds its GIL, and, when
 * blocked, what it is blocked on.  Each call site that may change one of
 * those calls gsT_state, which emits only real changes.  With no callback
 * every function here returns at its first test.
 */
#include "trace.h"
#include "gil.h"

static const char *const state_names[GS_TRS_COUNT] = {
  "running", "running (GIL)", "runnable", "waiting for GIL", "I/O", "sleeping", "blocked", "done"};

const char *gs_trace_state_name(gs_trace_state st)
{
  return (int)st >= 0 && st < GS_TRS_COUNT ? state_names[st] : "?";
}

void gsT_emit(gsK_sim *s, gs_trace_event *ev)
{
  if (!s->trace)
    return;
  ev->at = gsK_now(s);
  s->trace(s->trace_ctx, ev);
}

static gs_trace_state derive(const gsK_thread *t)
{
  switch (t->state) {
  case GS_TS_NEW:
  case GS_TS_RUNNABLE:
    return GS_TRS_RUNNABLE;
  case GS_TS_RUNNING:
    return t->gil_held ? GS_TRS_RUNNING_GIL : GS_TRS_RUNNING;
  case GS_TS_DONE:
    return GS_TRS_DONE;
  case GS_TS_BLOCKED:
    break;
  }
  const gsG_gil *g = t->proc->gil;
  if (g && t->wq && (t->wq == &g->cond || t->wq == &g->switch_cond))
    return GS_TRS_GIL_WAIT;
  if (t->blk_io)
    return GS_TRS_IO;
  if (!t->wq && t->blk_timeout >= 0)
    return GS_TRS_SLEEP;
  return GS_TRS_BLOCKED;
}

void gsT_state(gsK_sim *s, gsK_thread *t)
{
  if (!s->trace)
    return;
  gs_trace_state st = derive(t);
  if ((int)st == t->tr_state)
    return;
  t->tr_state = (int8_t)st;
  gs_trace_event ev = {.kind = GS_TR_STATE, .pid = t->proc->pid, .tid = t->tid, .value = (int)st};
  gsT_emit(s, &ev);
}

void gsT_counter(gsK_sim *s, const char *name, int64_t value)
{
  if (!s->trace)
    return;
  gs_trace_event ev = {.kind = GS_TR_COUNTER, .name = name, .count = value};
  gsT_emit(s, &ev);
}
