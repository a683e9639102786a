/*
 * replay.c - applying recorded events to the picture of a run
 * (replay.h explains the GIL bookkeeping).
 */
#include "replay.h"

#include <stdlib.h>
#include <string.h>

void vz_play_free(vz_play *p)
{
  if (!p)
    return;
  free(p->t);
  free(p->g);
  free(p->c);
  free(p->io);
  free(p->io_slot);
  free(p);
}

vz_play *vz_play_new(const vz_rec *r)
{
  vz_play *p = calloc(1, sizeof *p);
  if (!p)
    return NULL;
  p->r = r;
  p->t = calloc(r->nthr ? r->nthr : 1, sizeof *p->t);
  p->g = calloc(r->nprocs ? r->nprocs : 1, sizeof *p->g);
  p->c = calloc(r->ncores ? (size_t)r->ncores : 1, sizeof *p->c);
  p->io = calloc(r->nxfer ? r->nxfer : 1, sizeof *p->io);
  p->io_slot = calloc(r->nxfer ? r->nxfer : 1, sizeof *p->io_slot);
  if (!p->t || !p->g || !p->c || !p->io || !p->io_slot) {
    vz_play_free(p);
    return NULL;
  }
  vz_play_reset(p);
  return p;
}

void vz_play_reset(vz_play *p)
{
  const vz_rec *r = p->r;
  p->next = 0;
  p->now = 0;
  for (size_t i = 0; i < r->nthr; i++)
    p->t[i] = (vz_tstate){.state = -1, .last_fail = -1};
  for (size_t i = 0; i < r->nprocs; i++)
    p->g[i] = (vz_gstate){.holder = -1, .last_holder = -1, .drop_by = -1, .drop_asked = -1,
                          .forced_tid = -1,
                          .last_fail = -1};
  for (int i = 0; i < r->ncores; i++)
    p->c[i] = (vz_cstate){.tid = -1, .ev = -1};
  memset(p->counter, 0, sizeof p->counter);
  p->nio = 0;
  for (size_t i = 0; i < r->nxfer; i++)
    p->io_slot[i] = SIZE_MAX;
}

/* ---- Events --------------------------------------------------------------- */

static void on_state(vz_play *p, const vz_ev *e)
{
  const vz_rec *r = p->r;
  vz_tstate *t = &p->t[e->b];
  int s = e->c;
  vz_gstate *g = e->a >= 0 && (size_t)e->a < r->nprocs ? &p->g[e->a] : NULL;
  t->live = true;
  if (t->waiting && s != GS_TRS_GIL_WAIT)
    t->waiting = false;
  if (s == GS_TRS_GIL_WAIT && !t->waiting && g) {
    t->forced = g->forced_tid == e->b && !t->in_take;
    if (t->forced)
      g->forced_tid = -1;
    else
      t->in_take = true;
    t->waiting = true;
    t->wait_since = e->at;
  }
  t->state = s;
  t->since = e->at;
  t->until = e->x;
}

static void on_gil(vz_play *p, const vz_ev *e)
{
  const vz_rec *r = p->r;
  if (e->a < 0 || (size_t)e->a >= r->nprocs)
    return;
  vz_gstate *g = &p->g[e->a];
  if (e->b >= 0) {
    if (g->last_holder != e->b) {
      g->switches++;
      g->last_holder = e->b;
    }
    g->acquisitions++;
    g->holder = e->b;
    g->forced_tid = -1; /* a forced dropper not yet asleep will not sleep */
    if ((size_t)e->b < r->nthr) {
      p->t[e->b].in_take = false;
      p->t[e->b].forced = false;
    }
  } else {
    if (g->drop) { /* drop_new: a request pending, so the dropper must wait */
      g->forced_switches++;
      g->forced_tid = g->holder;
    }
    g->holder = -1;
  }
  g->since = e->at;
}

/* The thread of process pid that is asking for the GIL and is on a core
 * now (the one whose check just ran), or -1. */
static int checking_waiter(const vz_play *p, int pid)
{
  int best = -1;
  for (size_t i = 0; i < p->r->nthr; i++) {
    const vz_tstate *t = &p->t[i];
    if (t->in_take && !t->waiting && t->state == GS_TRS_RUNNING && p->r->thr[i].pid == pid &&
        (best < 0 || t->since > p->t[best].since))
      best = (int)i;
  }
  return best;
}

static void on_gil_counter(vz_play *p, const vz_ev *e)
{
  if (e->a < 0 || (size_t)e->a >= p->r->nprocs)
    return;
  vz_gstate *g = &p->g[e->a];
  if (e->c == VZ_C_GIL_DROP) {
    if (e->x && !g->drop) {
      g->drop = true;
      g->drop_since = e->at;
      g->drop_requests++;
      g->drop_by = checking_waiter(p, e->a);
      g->drop_asked = g->holder;
    } else if (!e->x) {
      g->drop = false;
    }
  } else if ((uint64_t)e->x > g->failed_wakeups) {
    g->failed_wakeups = (uint64_t)e->x;
    g->last_fail = e->at;
    int w = checking_waiter(p, e->a);
    if (w >= 0) {
      p->t[w].fails++;
      p->t[w].last_fail = e->at;
    }
  }
}

static void io_add(vz_play *p, size_t k)
{
  if (p->io_slot[k] != SIZE_MAX)
    return;
  p->io_slot[k] = p->nio;
  p->io[p->nio++] = k;
}

static void io_remove(vz_play *p, size_t k)
{
  size_t i = p->io_slot[k];
  if (i == SIZE_MAX)
    return;
  size_t last = p->io[--p->nio];
  p->io[i] = last;
  p->io_slot[last] = i;
  p->io_slot[k] = SIZE_MAX;
}

static void apply(vz_play *p, size_t i)
{
  const vz_rec *r = p->r;
  const vz_ev *e = &r->ev[i];
  switch ((gs_trace_kind)e->kind) {
  case GS_TR_THREAD:
    p->t[e->b].live = true;
    break;
  case GS_TR_STATE:
    on_state(p, e);
    break;
  case GS_TR_CORE:
    p->c[e->a] = (vz_cstate){.tid = e->b, .since = e->at, .ev = (long)i};
    break;
  case GS_TR_GIL:
    on_gil(p, e);
    break;
  case GS_TR_IO_BEGIN:
    if (e->c >= 0)
      io_add(p, (size_t)e->c);
    break;
  case GS_TR_IO_END:
    if (e->c >= 0)
      io_remove(p, (size_t)e->c);
    break;
  case GS_TR_COUNTER:
    if (e->c >= 0)
      p->counter[e->c] = e->x;
    else
      on_gil_counter(p, e);
    break;
  case GS_TR_PROC:
    break;
  }
}

void vz_play_seek(vz_play *p, gs_time t)
{
  if (t < p->now)
    vz_play_reset(p);
  while (p->next < p->r->nev && p->r->ev[p->next].at <= t)
    apply(p, p->next++);
  p->now = t < 0 ? 0 : t;
}

gs_time vz_play_next_time(const vz_play *p)
{
  for (size_t i = p->next; i < p->r->nev; i++)
    if (p->r->ev[i].at > p->now)
      return p->r->ev[i].at;
  return -1;
}

void vz_play_cpu(const vz_play *p, gs_time *user, gs_time *sys)
{
  const vz_rec *r = p->r;
  double u = 0, s = 0;
  for (int c = 0; c < r->ncores; c++) {
    long i = p->c[c].ev;
    if (i < 0)
      continue;
    const vz_ev *a = &r->ev[i];
    u += (double)a->x;
    s += (double)a->y;
    if (a->c < 0)
      continue;
    const vz_ev *b = &r->ev[a->c];
    if (b->at > a->at && p->now > a->at) {
      double f = (double)(p->now - a->at) / (double)(b->at - a->at);
      if (f > 1)
        f = 1;
      u += f * (double)(b->x - a->x);
      s += f * (double)(b->y - a->y);
    }
  }
  *user = (gs_time)(u + 0.5);
  *sys = (gs_time)(s + 0.5);
}
