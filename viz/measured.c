/*
 * measured.c - reading a trace-event JSON file back (measured.h), with
 * json-c.  Costs: the whole file is parsed into memory at once (json-c has
 * no streaming reader); traces of real runs hold two slices per task.
 */
#include "measured.h"
#include "trace.h"

#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The trace's layout (tool/trace.h): the cores' pid and the GIL tracks'
 * tids start here; neither is a thread of the run. */
#define CORES_PID GS_TRACEW_CORES_PID
#define GIL_TID_BASE GS_TRACEW_GIL_TID_BASE

static const char *str_of(json_object *o, const char *key)
{
  json_object *v;
  return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)
           ? json_object_get_string(v)
           : NULL;
}

static bool num_of(json_object *o, const char *key, double *out)
{
  json_object *v;
  if (!json_object_object_get_ex(o, key, &v) ||
      !(json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double)))
    return false;
  *out = json_object_get_double(v);
  return true;
}

static vz_mthread *thread_get(vz_measured *m, int pid, int tid, size_t *cap)
{
  for (size_t i = 0; i < m->nthr; i++)
    if (m->thr[i].pid == pid && m->thr[i].tid == tid)
      return &m->thr[i];
  if (m->nthr == *cap) {
    size_t c = *cap ? 2 * *cap : 8;
    vz_mthread *p = realloc(m->thr, c * sizeof *p);
    if (!p)
      return NULL;
    m->thr = p;
    *cap = c;
  }
  vz_mthread *t = &m->thr[m->nthr++];
  *t = (vz_mthread){.pid = pid, .tid = tid};
  snprintf(t->name, sizeof t->name, "thread %d", tid - 1);
  return t;
}

static int state_of(const char *name)
{
  for (int s = 0; s < GS_TRS_COUNT; s++)
    if (strcmp(name, gs_trace_state_name((gs_trace_state)s)) == 0)
      return s;
  return -1;
}

static int by_start(const void *a, const void *b)
{
  const vz_mseg *x = a, *y = b;
  return (x->start > y->start) - (x->start < y->start);
}

static gs_time us_to_ns(double us)
{
  return (gs_time)llround(us * 1000.0);
}

void vz_measured_free(vz_measured *m)
{
  if (!m)
    return;
  for (size_t i = 0; i < m->nthr; i++)
    free(m->thr[i].seg);
  free(m->thr);
  free(m);
}

int vz_measured_load(const char *path, vz_measured **out, char *err, size_t n)
{
  *out = NULL;
  json_object *root = json_object_from_file(path);
  if (!root) {
    snprintf(err, n, "cannot read '%s' as JSON: %s", path, json_util_get_last_err());
    return -1;
  }
  json_object *evs;
  if (!json_object_is_type(root, json_type_object) ||
      !json_object_object_get_ex(root, "traceEvents", &evs) ||
      !json_object_is_type(evs, json_type_array)) {
    snprintf(err, n, "'%s' is no trace-event file (no \"traceEvents\" array)", path);
    json_object_put(root);
    return -1;
  }
  vz_measured *m = calloc(1, sizeof *m);
  if (!m) {
    json_object_put(root);
    snprintf(err, n, "out of memory");
    return -1;
  }
  json_object *meta;
  if (json_object_object_get_ex(root, "metadata", &meta)) {
    const char *s;
    double d;
    if ((s = str_of(meta, "scenario")))
      snprintf(m->scenario, sizeof m->scenario, "%s", s);
    if ((s = str_of(meta, "model")))
      snprintf(m->model, sizeof m->model, "%s", s);
    if ((s = str_of(meta, "gil")))
      snprintf(m->gil, sizeof m->gil, "%s", s);
    if (num_of(meta, "cores", &d) && d >= 1 && d <= GS_MAX_CORES)
      m->cores = (int)d;
  }
  size_t cap = 0, nev = json_object_array_length(evs);
  bool oom = false;
  /* Two passes: names first, so that every slice finds its thread. */
  for (int pass = 0; pass < 2 && !oom; pass++)
    for (size_t i = 0; i < nev && !oom; i++) {
      json_object *e = json_object_array_get_idx(evs, i);
      const char *ph = str_of(e, "ph"), *name = str_of(e, "name");
      double pid, tid;
      if (!ph || !name || !num_of(e, "pid", &pid) || !num_of(e, "tid", &tid) ||
          pid == CORES_PID || tid >= GIL_TID_BASE || tid < 1)
        continue;
      if (pass == 0 && strcmp(ph, "M") == 0 && strcmp(name, "thread_name") == 0) {
        json_object *args;
        const char *tn = json_object_object_get_ex(e, "args", &args) ? str_of(args, "name") : NULL;
        vz_mthread *t = thread_get(m, (int)pid, (int)tid, &cap);
        if (!t)
          oom = true;
        else if (tn)
          snprintf(t->name, sizeof t->name, "%s", tn);
      } else if (pass == 1 && strcmp(ph, "X") == 0) {
        int st = state_of(name);
        double ts, dur;
        if (st < 0 || !num_of(e, "ts", &ts) || !num_of(e, "dur", &dur) || dur < 0)
          continue;
        vz_mthread *t = thread_get(m, (int)pid, (int)tid, &cap);
        if (!t) {
          oom = true;
          break;
        }
        if (t->nseg == t->cap) {
          size_t c = t->cap ? 2 * t->cap : 16;
          vz_mseg *p = realloc(t->seg, c * sizeof *p);
          if (!p) {
            oom = true;
            break;
          }
          t->seg = p;
          t->cap = c;
        }
        vz_mseg *g = &t->seg[t->nseg++];
        g->start = us_to_ns(ts);
        g->end = us_to_ns(ts + dur);
        g->state = st;
        if (g->end > m->end)
          m->end = g->end;
        if (st == GS_TRS_RUNNING || st == GS_TRS_RUNNING_GIL)
          m->tasks++;
      }
    }
  json_object_put(root);
  if (oom) {
    snprintf(err, n, "out of memory reading '%s'", path);
    vz_measured_free(m);
    return -1;
  }
  size_t with = 0;
  for (size_t i = 0; i < m->nthr; i++) {
    if (m->thr[i].nseg > 1)
      qsort(m->thr[i].seg, m->thr[i].nseg, sizeof *m->thr[i].seg, by_start);
    with += m->thr[i].nseg > 0;
  }
  if (!with) {
    snprintf(err, n, "'%s' holds no thread states: not a trace of 'gilsim measure --trace' "
                     "or 'gilsim run --trace'", path);
    vz_measured_free(m);
    return -1;
  }
  *out = m;
  return 0;
}

int vz_mthread_state_at(const vz_mthread *t, gs_time at)
{
  size_t lo = 0, hi = t->nseg;
  while (lo < hi) { /* first slice starting after at */
    size_t mid = (lo + hi) / 2;
    if (t->seg[mid].start <= at)
      lo = mid + 1;
    else
      hi = mid;
  }
  if (lo == 0 || at >= t->seg[lo - 1].end)
    return -1;
  return t->seg[lo - 1].state;
}

size_t vz_measured_done(const vz_measured *m, gs_time at)
{
  size_t n = 0;
  for (size_t i = 0; i < m->nthr; i++)
    for (size_t k = 0; k < m->thr[i].nseg && m->thr[i].seg[k].start <= at; k++)
      n += m->thr[i].seg[k].end <= at && (m->thr[i].seg[k].state == GS_TRS_RUNNING ||
                                         m->thr[i].seg[k].state == GS_TRS_RUNNING_GIL);
  return n;
}
