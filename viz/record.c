/*
 * record.c - recording a run's trace stream and indexing it (record.h).
 *
 * Costs: 40 bytes per event, plus 4 bytes per state and core event for
 * the per-thread and per-core indexes; the old GIL's thrashing makes the
 * most events (about ten million for countdown.cfg --gil old: 550 MB in all).
 * Building the indexes is O(events), plus O(log transfers) per download.
 */
#include "record.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Growing tables ------------------------------------------------------- */

/* Grow *a (*n elements of size sz) so that index i exists; new elements
 * are zeroed.  false when out of memory. */
static bool grow(void **a, size_t *n, size_t sz, size_t i)
{
  if (i < *n)
    return true;
  size_t cap = *n ? *n : 8;
  while (cap <= i)
    cap *= 2;
  void *p = realloc(*a, cap * sz);
  if (!p)
    return false;
  memset((char *)p + *n * sz, 0, (cap - *n) * sz);
  *a = p;
  *n = cap;
  return true;
}

int vz_counter_index(const vz_rec *r, const char *name)
{
  for (int i = 0; i < r->ncounters; i++)
    if (strcmp(r->counter_names[i], name) == 0)
      return i;
  return -1;
}

/* ---- The callback --------------------------------------------------------- */

static void on_event(void *ctx, const gs_trace_event *ev)
{
  vz_rec *r = ctx;
  if (r->oom)
    return;
  vz_ev e = {.at = ev->at, .kind = (uint8_t)ev->kind, .c = -1};
  switch (ev->kind) {
  case GS_TR_PROC:
    if (ev->pid < 0 || !grow((void **)&r->procs, &r->nprocs, sizeof *r->procs, (size_t)ev->pid))
      goto fail_or_skip;
    r->procs[ev->pid].known = true;
    r->procs[ev->pid].parent = ev->value;
    snprintf(r->procs[ev->pid].name, sizeof r->procs[ev->pid].name, "%s",
             ev->name ? ev->name : "?");
    e.a = ev->pid;
    e.b = ev->value;
    break;
  case GS_TR_THREAD:
    if (ev->tid < 0 || !grow((void **)&r->thr, &r->nthr, sizeof *r->thr, (size_t)ev->tid))
      goto fail_or_skip;
    r->thr[ev->tid].known = true;
    r->thr[ev->tid].pid = ev->pid;
    snprintf(r->thr[ev->tid].name, sizeof r->thr[ev->tid].name, "%s", ev->name ? ev->name : "?");
    e.a = ev->pid;
    e.b = ev->tid;
    break;
  case GS_TR_STATE:
    if (ev->tid < 0 || !grow((void **)&r->thr, &r->nthr, sizeof *r->thr, (size_t)ev->tid))
      goto fail_or_skip;
    if (!r->thr[ev->tid].known) { /* never announced: a made-up name */
      r->thr[ev->tid].known = true;
      r->thr[ev->tid].pid = ev->pid;
      snprintf(r->thr[ev->tid].name, sizeof r->thr[ev->tid].name, "thread %d", ev->tid);
    }
    e.a = ev->pid;
    e.b = ev->tid;
    e.c = ev->value;
    break;
  case GS_TR_CORE:
    if (ev->core < 0)
      return;
    if (ev->core >= r->ncores)
      r->ncores = ev->core + 1;
    e.a = ev->core;
    e.b = ev->tid;
    e.x = ev->count;
    e.y = (int64_t)ev->id;
    break;
  case GS_TR_GIL:
    if (ev->pid < 0 || !grow((void **)&r->procs, &r->nprocs, sizeof *r->procs, (size_t)ev->pid))
      goto fail_or_skip;
    r->procs[ev->pid].has_gil = true;
    e.a = ev->pid;
    e.b = ev->tid;
    break;
  case GS_TR_IO_BEGIN:
  case GS_TR_IO_END:
    e.a = ev->pid;
    e.b = ev->tid;
    e.x = (int64_t)ev->id;
    e.y = ev->count;
    break;
  case GS_TR_COUNTER: {
    const char *name = ev->name ? ev->name : "?";
    int pid;
    if (sscanf(name, "GIL drop request, pid %d", &pid) == 1 ||
        sscanf(name, "GIL failed wake-ups, pid %d", &pid) == 1) {
      e.c = name[4] == 'd' ? VZ_C_GIL_DROP : VZ_C_GIL_FAILED;
      e.a = pid;
      e.x = ev->count;
      break;
    }
    int i = vz_counter_index(r, name);
    if (i < 0) {
      if (r->ncounters == VZ_MAX_COUNTERS)
        return; /* a counter the animation does not know: no room, no use */
      i = r->ncounters++;
      snprintf(r->counter_names[i], sizeof r->counter_names[i], "%s", name);
    }
    e.c = i;
    e.x = ev->count;
    break;
  }
  default:
    return; /* a kind added after this viewer: nothing to draw */
  }
  if (r->nev == VZ_MAX_EVENTS) {
    r->truncated = true;
    return;
  }
  if (r->nev == r->cap) {
    size_t cap = r->cap ? 2 * r->cap : 4096;
    vz_ev *p = realloc(r->ev, cap * sizeof *p);
    if (!p) {
      r->oom = true;
      return;
    }
    r->ev = p;
    r->cap = cap;
  }
  r->ev[r->nev++] = e;
  return;
fail_or_skip: /* a negative id is nobody's: skip it; else memory ran out */
  if (ev->pid >= 0 && (ev->kind == GS_TR_PROC || ev->kind == GS_TR_GIL || ev->tid >= 0))
    r->oom = true;
}

/* ---- Indexes -------------------------------------------------------------- */

/* Per-thread and per-core lists of event indexes; the "until" of state
 * events and the "next" of core events. */
static bool index_threads_and_cores(vz_rec *r)
{
  size_t *nt = calloc(r->nthr ? r->nthr : 1, sizeof *nt);
  size_t *nc = calloc(r->ncores ? (size_t)r->ncores : 1, sizeof *nc);
  r->cores = calloc(r->ncores ? (size_t)r->ncores : 1, sizeof *r->cores);
  if (!nt || !nc || !r->cores) {
    free(nt);
    free(nc);
    return false;
  }
  for (size_t i = 0; i < r->nev; i++) {
    if (r->ev[i].kind == GS_TR_STATE)
      nt[r->ev[i].b]++;
    else if (r->ev[i].kind == GS_TR_CORE)
      nc[r->ev[i].a]++;
  }
  bool ok = true;
  for (size_t t = 0; t < r->nthr && ok; t++)
    if (nt[t] && !(r->thr[t].idx = malloc(nt[t] * sizeof(uint32_t))))
      ok = false;
  for (int c = 0; c < r->ncores && ok; c++)
    if (nc[c] && !(r->cores[c].idx = malloc(nc[c] * sizeof(uint32_t))))
      ok = false;
  free(nt);
  free(nc);
  if (!ok)
    return false;
  for (size_t i = 0; i < r->nev; i++) {
    vz_ev *e = &r->ev[i];
    if (e->kind == GS_TR_STATE) {
      vz_thread *t = &r->thr[e->b];
      t->idx[t->nidx++] = (uint32_t)i;
    } else if (e->kind == GS_TR_CORE) {
      vz_core *c = &r->cores[e->a];
      if (c->nidx)
        r->ev[c->idx[c->nidx - 1]].c = (int32_t)i;
      c->idx[c->nidx++] = (uint32_t)i;
    }
  }
  for (size_t t = 0; t < r->nthr; t++) {
    vz_thread *th = &r->thr[t];
    for (size_t k = 0; k < th->nidx; k++)
      r->ev[th->idx[k]].x = k + 1 < th->nidx ? r->ev[th->idx[k + 1]].at : r->end;
  }
  return true;
}

/* Open-addressing map from I/O id to transfer index. */
typedef struct {
  uint64_t *key;
  size_t *val;
  size_t cap, n;
} idmap;

static size_t id_hash(uint64_t id, size_t cap)
{
  return (size_t)((id * UINT64_C(0x9E3779B97F4A7C15)) >> 20) & (cap - 1);
}

static bool idmap_put(idmap *m, uint64_t id, size_t v)
{
  if (2 * (m->n + 1) > m->cap) {
    size_t cap = m->cap ? 2 * m->cap : 64;
    uint64_t *k = malloc(cap * sizeof *k);
    size_t *vv = malloc(cap * sizeof *vv);
    if (!k || !vv) {
      free(k);
      free(vv);
      return false;
    }
    for (size_t i = 0; i < cap; i++)
      vv[i] = SIZE_MAX;
    for (size_t i = 0; i < m->cap; i++)
      if (m->val[i] != SIZE_MAX) {
        size_t j = id_hash(m->key[i], cap);
        while (vv[j] != SIZE_MAX)
          j = (j + 1) & (cap - 1);
        k[j] = m->key[i];
        vv[j] = m->val[i];
      }
    free(m->key);
    free(m->val);
    m->key = k;
    m->val = vv;
    m->cap = cap;
  }
  size_t j = id_hash(id, m->cap);
  while (m->val[j] != SIZE_MAX && m->key[j] != id)
    j = (j + 1) & (m->cap - 1);
  if (m->val[j] == SIZE_MAX)
    m->n++;
  m->key[j] = id;
  m->val[j] = v;
  return true;
}

static size_t idmap_get(const idmap *m, uint64_t id)
{
  if (!m->cap)
    return SIZE_MAX;
  for (size_t j = id_hash(id, m->cap);; j = (j + 1) & (m->cap - 1)) {
    if (m->val[j] == SIZE_MAX)
      return SIZE_MAX;
    if (m->key[j] == id)
      return m->val[j];
  }
}

/* A transfer start of the fluid model: at `at` one more transfer began,
 * having been served nothing yet while the curve stood at `served`. */
typedef struct {
  gs_time at;
  double served;
  bool used;
} xstart;

/* The unused start whose curve value is nearest s, among starts at or
 * before t; -1 if none.  starts are in time order, so also in curve order
 * (the curve never goes down). */
static long nearest_start(xstart *st, size_t n, double s, gs_time t)
{
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (st[mid].served < s)
      lo = mid + 1;
    else
      hi = mid;
  }
  long best = -1;
  double bestd = INFINITY;
  /* Walk outwards past used starts; stop a side at its first unused one. */
  for (long i = (long)lo; i < (long)n; i++)
    if (!st[i].used && st[i].at <= t) {
      best = i;
      bestd = fabs(st[i].served - s);
      break;
    }
  for (long i = (long)lo - 1; i >= 0; i--)
    if (!st[i].used && st[i].at <= t) {
      if (fabs(st[i].served - s) <= bestd)
        best = i;
      break;
    }
  return best;
}

/* Rate per transfer with n in flight: min(conn, link / n); 0 means
 * unlimited, so both 0 is an infinite rate. */
static double rate_for(const gs_scenario *sc, int64_t n)
{
  if (n <= 0)
    return 0;
  double conn = sc->net.conn_bps > 0 ? sc->net.conn_bps / 1e9 : INFINITY;
  double link = sc->net.link_bps > 0 ? sc->net.link_bps / 1e9 / (double)n : INFINITY;
  return conn < link ? conn : link;
}

static bool index_transfers(vz_rec *r, const gs_scenario *sc)
{
  idmap m = {0};
  xstart *st = NULL;
  size_t nst = 0, capst = 0, capx = 0, capnet = 0;
  bool ok = true;
  double served = 0, rate = 0;
  gs_time last = 0;
  int64_t inflight = 0;
  for (size_t i = 0; i < r->nev && ok; i++) {
    vz_ev *e = &r->ev[i];
    if (e->kind == GS_TR_IO_BEGIN) {
      if (!grow((void **)&r->xfer, &capx, sizeof *r->xfer, r->nxfer) ||
          !idmap_put(&m, (uint64_t)e->x, r->nxfer)) {
        ok = false;
        break;
      }
      r->xfer[r->nxfer] = (vz_xfer){.id = (uint64_t)e->x, .pid = e->a, .tid = e->b,
                                    .bytes = e->y, .requested = e->at, .first_byte = -1,
                                    .done = -1};
      e->c = (int32_t)r->nxfer++;
    } else if (e->kind == GS_TR_IO_END) {
      size_t k = idmap_get(&m, (uint64_t)e->x);
      if (k == SIZE_MAX)
        continue;
      e->c = (int32_t)k;
      vz_xfer *x = &r->xfer[k];
      x->done = e->at;
      double now = isfinite(rate) ? served + rate * (double)(e->at - last) : served;
      long s = isfinite(rate) ? nearest_start(st, nst, now - (double)x->bytes, e->at) : -1;
      if (s >= 0) {
        st[s].used = true;
        x->first_byte = st[s].at;
        x->served0 = st[s].served;
      } else { /* an infinite rate: the bytes came with the first one */
        x->first_byte = e->at;
        x->served0 = now - (double)x->bytes;
      }
    } else if (e->kind == GS_TR_COUNTER && e->c == r->ctr_xfers) {
      if (isfinite(rate))
        served += rate * (double)(e->at - last);
      last = e->at;
      for (int64_t k = inflight; k < e->x; k++) {
        if (!grow((void **)&st, &capst, sizeof *st, nst)) {
          ok = false;
          break;
        }
        st[nst++] = (xstart){.at = e->at, .served = served};
      }
      inflight = e->x;
      rate = rate_for(sc, inflight);
      if (!ok || !grow((void **)&r->net, &capnet, sizeof *r->net, r->nnet)) {
        ok = false;
        break;
      }
      r->net[r->nnet++] = (vz_netpt){.at = e->at, .served = served, .rate = rate};
    }
  }
  for (size_t k = 0; k < r->nxfer; k++) /* requests the run never finished */
    if (r->xfer[k].done < 0)
      r->xfer[k].done = r->end;
  free(m.key);
  free(m.val);
  free(st);
  return ok;
}

static bool index_wakes(vz_rec *r)
{
  int64_t last = 0;
  size_t cap = 0;
  for (size_t i = 0; i < r->nev; i++) {
    const vz_ev *e = &r->ev[i];
    if (e->kind != GS_TR_COUNTER || e->c != r->ctr_await || r->ctr_await < 0)
      continue;
    for (int64_t k = e->x; k < last; k++) {
      if (!grow((void **)&r->wakes, &cap, sizeof *r->wakes, r->nwakes))
        return false;
      r->wakes[r->nwakes++] = e->at;
    }
    last = e->x;
  }
  return true;
}

gs_time vz_next_wake(const vz_rec *r, gs_time t)
{
  size_t lo = 0, hi = r->nwakes;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (r->wakes[mid] <= t)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo < r->nwakes ? r->wakes[lo] : -1;
}

double vz_net_served(const vz_rec *r, gs_time t)
{
  size_t lo = 0, hi = r->nnet;
  while (lo < hi) { /* first point after t */
    size_t mid = (lo + hi) / 2;
    if (r->net[mid].at <= t)
      lo = mid + 1;
    else
      hi = mid;
  }
  if (lo == 0)
    return 0;
  const vz_netpt *p = &r->net[lo - 1];
  return isfinite(p->rate) ? p->served + p->rate * (double)(t - p->at) : p->served;
}

double vz_xfer_progress(const vz_rec *r, const vz_xfer *x, gs_time t)
{
  if (t >= x->done)
    return 1;
  if (x->first_byte < 0 || t < x->first_byte || x->bytes <= 0)
    return 0;
  double f = (vz_net_served(r, t) - x->served0) / (double)x->bytes;
  return f < 0 ? 0 : f > 1 ? 1 : f;
}

/* ---- Recording ------------------------------------------------------------ */

void vz_rec_free(vz_rec *r)
{
  if (!r)
    return;
  free(r->ev);
  free(r->procs);
  for (size_t t = 0; t < r->nthr; t++)
    free(r->thr[t].idx);
  free(r->thr);
  for (int c = 0; r->cores && c < r->ncores; c++)
    free(r->cores[c].idx);
  free(r->cores);
  free(r->xfer);
  free(r->net);
  free(r->wakes);
  gs_results_free(r->res);
  free(r);
}

gs_err vz_record(const gs_scenario *sc, vz_rec **out, gs_error *err)
{
  *out = NULL;
  vz_rec *r = calloc(1, sizeof *r);
  if (!r) {
    snprintf(err->msg, sizeof err->msg, "out of memory");
    return GS_ERR_NOMEM;
  }
  gs_err e = gs_run_traced(sc, on_event, r, &r->res, err);
  if (e != GS_OK) {
    vz_rec_free(r);
    return e;
  }
  if (r->oom) {
    snprintf(err->msg, sizeof err->msg, "out of memory recording the run's %zu events", r->nev);
    vz_rec_free(r);
    return GS_ERR_NOMEM;
  }
  r->end = r->res->wall;
  if (r->nev && r->ev[r->nev - 1].at > r->end)
    r->end = r->ev[r->nev - 1].at;
  if (r->ncores < r->res->cores)
    r->ncores = r->res->cores;
  r->gil = r->res->gil;
  r->switch_interval = (gs_time)r->res->params.v[GS_P_SWITCH_INTERVAL];
  r->ctr_runnable = vz_counter_index(r, "runnable threads");
  r->ctr_ready = vz_counter_index(r, "ready coroutines");
  r->ctr_await = vz_counter_index(r, "awaiting coroutines");
  r->ctr_xfers = vz_counter_index(r, "transfers in flight");
  if (!index_threads_and_cores(r) || !index_transfers(r, sc) || !index_wakes(r)) {
    snprintf(err->msg, sizeof err->msg, "out of memory indexing the run's %zu events", r->nev);
    vz_rec_free(r);
    return GS_ERR_NOMEM;
  }
  *out = r;
  return GS_OK;
}
