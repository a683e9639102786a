/*
 * trace.c - the Chrome trace-event JSON writer behind `gilsim run --trace`
 * (layout in trace.h).
 *
 * The library reports changes ("thread 3 is now runnable", "core 1 now runs
 * thread 2"); a trace wants slices with a start and a length.  So the
 * writer keeps, for each thread, core and GIL, what it is doing and since
 * when, and writes a complete event ("X") when that changes.  Nothing else
 * is kept: the file grows as the run goes, and memory stays proportional
 * to the number of threads, cores, processes and transfers in flight.
 *
 * The output is one event per line inside {"traceEvents":[ ... ]}, then
 * "displayTimeUnit" and a "metadata" object describing the run.
 */
#include "trace.h"
#include "jsonstr.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#ifndef GILSIM_VERSION
#error "GILSIM_VERSION must be defined (the build does it from the project version)"
#endif

/* Trace pids and tids of the simulation's must stay clear of the cores'
 * pid and the GIL tracks' tids. */
_Static_assert(GS_TRACEW_CORES_PID > 1 + GS_MAX_WORKERS, "cores pid among simulated pids");
_Static_assert(GS_TRACEW_GIL_TID_BASE > 2 + GS_MAX_WORKERS, "GIL tids among thread tids");

/* The colours: trace.h lists the same mapping for readers of the API. */
static const char *const state_cnames[GS_TRS_COUNT] = {
  [GS_TRS_RUNNING] = "thread_state_running",
  [GS_TRS_RUNNING_GIL] = "good",
  [GS_TRS_RUNNABLE] = "thread_state_runnable",
  [GS_TRS_GIL_WAIT] = "terrible",
  [GS_TRS_IO] = "thread_state_iowait",
  [GS_TRS_SLEEP] = "thread_state_sleeping",
  [GS_TRS_BLOCKED] = "thread_state_uninterruptible",
  [GS_TRS_DONE] = "generic_work",
};

const char *gs_trace_state_cname(gs_trace_state st)
{
  return (int)st >= 0 && st < GS_TRS_COUNT ? state_cnames[st] : "";
}

#define NO_STATE (-1) /* a thread with no open state slice */
#define NO_TID (-1)   /* an event of a whole process */
#define NOBODY (-1)   /* an idle core, a free GIL */

typedef struct {
  bool known;       /* a GS_TR_THREAD (or any event) named it */
  int pid;
  int state;        /* gs_trace_state of the open slice, or NO_STATE */
  gs_time since;
  char name[64];
} thread_slot;

typedef struct {
  int tid;          /* running thread or NOBODY */
  gs_time since;
} core_slot;

typedef struct {
  bool gil_track;   /* the "GIL holder" thread has been named */
  int holder;       /* tid or NOBODY */
  gs_time since;
} proc_slot;

/* An I/O in flight: closed at the end of the run if it never completes. */
typedef struct {
  uint64_t id;
  int pid, tid;
  bool used;
} io_slot;

struct gs_tracew {
  FILE *f;
  char *path, *tmp;
  int err;          /* errno of the first failed write, or 0 */
  bool failed;
  bool any;         /* an event has been written (a comma goes before the next) */
  gs_time last;     /* time of the latest event */
  gs_tracew_info info; /* strings owned */

  thread_slot *thr;
  size_t nthr;
  core_slot *core;
  size_t ncore;
  proc_slot *proc;  /* indexed by pid */
  size_t nproc;
  io_slot *io;      /* open addressing, power-of-two size */
  size_t nio, capio;
};

/* ---- Output helpers ------------------------------------------------------- */

static void put_str(FILE *f, const char *str)
{
  gs_json_put_string(f, str);
}

/* ns as microseconds with exactly three decimals: 1234567 -> 1234.567.
 * Integer arithmetic, so the value is exact (a double would round). */
static void put_us(FILE *f, gs_time ns)
{
  uint64_t m = ns < 0 ? (uint64_t)0 - (uint64_t)ns : (uint64_t)ns;
  fprintf(f, "%s%" PRIu64 ".%03u", ns < 0 ? "-" : "", m / 1000, (unsigned)(m % 1000));
}

/* Start an event: the separator and the opening brace. */
static void begin(gs_tracew *w)
{
  fputs(w->any ? ",\n{" : "\n{", w->f);
  w->any = true;
}

/* Note the first write error; later events are then dropped. */
static void check(gs_tracew *w)
{
  if (!w->failed && ferror(w->f)) {
    w->failed = true;
    w->err = errno ? errno : EIO;
  }
}

/* "pid" and, for a thread's event, "tid".  Process-wide events (process
 * metadata, counters) carry no tid: a made-up one would be a thread too. */
static void put_ids(gs_tracew *w, int pid, int tid)
{
  if (tid == NO_TID)
    fprintf(w->f, "\"pid\":%d", pid);
  else
    fprintf(w->f, "\"pid\":%d,\"tid\":%d", pid, tid);
}

/* A metadata event naming a process (tid NO_TID) or a thread. */
static void put_name(gs_tracew *w, const char *what, int pid, int tid, const char *name)
{
  begin(w);
  fputs("\"ph\":\"M\",", w->f);
  put_ids(w, pid, tid);
  fprintf(w->f, ",\"name\":\"%s\",\"args\":{\"name\":", what);
  put_str(w->f, name);
  fputs("}}", w->f);
}

/* A metadata event ordering a process (tid NO_TID) or a thread among its
 * siblings. */
static void put_sort(gs_tracew *w, const char *what, int pid, int tid, long long index)
{
  begin(w);
  fputs("\"ph\":\"M\",", w->f);
  put_ids(w, pid, tid);
  fprintf(w->f, ",\"name\":\"%s\",\"args\":{\"sort_index\":%lld}}", what, index);
}

/* A complete event [start, end).  Empty slices are dropped: a thread often
 * passes through several states at one instant (runnable, running,
 * running (GIL) when a woken waiter takes the GIL), and those would only
 * bloat the file with slices nobody can see.  cname NULL: the viewer
 * colours by name, which tells holders of a GIL or core apart. */
static void put_slice(gs_tracew *w, int pid, int tid, const char *name, const char *cname,
                      gs_time start, gs_time end)
{
  if (end <= start)
    return;
  begin(w);
  fprintf(w->f, "\"ph\":\"X\",\"pid\":%d,\"tid\":%d,\"ts\":", pid, tid);
  put_us(w->f, start);
  fputs(",\"dur\":", w->f);
  put_us(w->f, end - start);
  fputs(",\"name\":", w->f);
  put_str(w->f, name);
  if (cname)
    fprintf(w->f, ",\"cname\":\"%s\"", cname);
  fputc('}', w->f);
}

/* ---- Tables ----------------------------------------------------------------- */

/* Grow *a (of *n elements of size sz) to hold index i; new elements are
 * zeroed.  Returns false when out of memory. */
static bool grow(void **a, size_t *n, size_t sz, size_t i)
{
  if (i < *n)
    return true;
  size_t cap = *n ? *n : 16;
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

static void out_of_memory(gs_tracew *w)
{
  if (!w->failed) {
    w->failed = true;
    w->err = ENOMEM;
  }
}

/* The slot of thread tid; one the library never announced gets a made-up
 * name (and its track is named now), so its slices still have a home. */
static thread_slot *thread_get(gs_tracew *w, int tid, int pid)
{
  if (tid < 0)
    return NULL;
  if (!grow((void **)&w->thr, &w->nthr, sizeof *w->thr, (size_t)tid)) {
    out_of_memory(w);
    return NULL;
  }
  thread_slot *t = &w->thr[tid];
  if (!t->known) {
    t->known = true;
    t->pid = pid;
    t->state = NO_STATE;
    snprintf(t->name, sizeof t->name, "thread %d", tid);
    put_name(w, "thread_name", pid, tid + 1, t->name);
    put_sort(w, "thread_sort_index", pid, tid + 1, tid + 1);
  }
  return t;
}

static proc_slot *proc_get(gs_tracew *w, int pid)
{
  if (pid < 0)
    return NULL;
  size_t old = w->nproc;
  if (!grow((void **)&w->proc, &w->nproc, sizeof *w->proc, (size_t)pid)) {
    out_of_memory(w);
    return NULL;
  }
  for (size_t i = old; i < w->nproc; i++)
    w->proc[i].holder = NOBODY;
  return &w->proc[pid];
}

/* Name a core's track; cores past info.cores are named when first seen. */
static void name_core(gs_tracew *w, int core)
{
  char name[32];
  snprintf(name, sizeof name, "core %d", core);
  put_name(w, "thread_name", GS_TRACEW_CORES_PID, core + 1, name);
  put_sort(w, "thread_sort_index", GS_TRACEW_CORES_PID, core + 1, core);
}

static core_slot *core_get(gs_tracew *w, int core)
{
  if (core < 0)
    return NULL;
  size_t old = w->ncore;
  if (!grow((void **)&w->core, &w->ncore, sizeof *w->core, (size_t)core)) {
    out_of_memory(w);
    return NULL;
  }
  for (size_t i = old; i < w->ncore; i++) {
    w->core[i].tid = NOBODY;
    if ((int)i >= w->info.cores)
      w->core[i].since = -1; /* its track is not named yet */
  }
  core_slot *c = &w->core[core];
  if (c->since < 0) {
    name_core(w, core);
    c->since = 0;
  }
  return c;
}

/* I/O ids are arbitrary 64-bit numbers: a hash table finds the open ones. */
static size_t io_hash(uint64_t id, size_t cap)
{
  return (size_t)((id * UINT64_C(0x9E3779B97F4A7C15)) >> 32) & (cap - 1);
}

static io_slot *io_find(gs_tracew *w, uint64_t id)
{
  if (!w->capio)
    return NULL;
  for (size_t i = io_hash(id, w->capio);; i = (i + 1) & (w->capio - 1)) {
    if (!w->io[i].used)
      return NULL;
    if (w->io[i].id == id)
      return &w->io[i];
  }
}

static bool io_add(gs_tracew *w, uint64_t id, int pid, int tid)
{
  if (2 * (w->nio + 1) > w->capio) { /* keep the load at most 1/2 */
    size_t cap = w->capio ? 2 * w->capio : 64;
    io_slot *a = calloc(cap, sizeof *a);
    if (!a)
      return false;
    for (size_t i = 0; i < w->capio; i++)
      if (w->io[i].used) {
        size_t j = io_hash(w->io[i].id, cap);
        while (a[j].used)
          j = (j + 1) & (cap - 1);
        a[j] = w->io[i];
      }
    free(w->io);
    w->io = a;
    w->capio = cap;
  }
  size_t i = io_hash(id, w->capio);
  while (w->io[i].used && w->io[i].id != id)
    i = (i + 1) & (w->capio - 1);
  if (!w->io[i].used)
    w->nio++;
  w->io[i] = (io_slot){.id = id, .pid = pid, .tid = tid, .used = true};
  return true;
}

/* Remove an entry, shifting later members of its probe run back so that
 * lookups never stop early at the hole. */
static void io_remove(gs_tracew *w, io_slot *s)
{
  size_t mask = w->capio - 1, i = (size_t)(s - w->io);
  w->io[i].used = false;
  w->nio--;
  for (size_t j = (i + 1) & mask; w->io[j].used; j = (j + 1) & mask) {
    size_t home = io_hash(w->io[j].id, w->capio);
    /* Move j into the hole i unless its home lies cyclically in (i, j]. */
    bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
    if (!stays) {
      w->io[i] = w->io[j];
      w->io[j].used = false;
      i = j;
    }
  }
}

static void put_io(gs_tracew *w, char ph, uint64_t id, int pid, int tid, gs_time at,
                   const int64_t *bytes)
{
  begin(w);
  fprintf(w->f, "\"ph\":\"%c\",\"cat\":\"io\",\"id\":\"0x%" PRIx64 "\",\"name\":\"transfer\","
                "\"pid\":%d,\"tid\":%d,\"ts\":",
          ph, id, pid, tid + 1);
  put_us(w->f, at);
  if (bytes)
    fprintf(w->f, ",\"args\":{\"bytes\":%" PRId64 "}", *bytes);
  fputc('}', w->f);
}

/* ---- Events ------------------------------------------------------------------- */

static void on_proc(gs_tracew *w, const gs_trace_event *ev)
{
  if (!proc_get(w, ev->pid))
    return;
  put_name(w, "process_name", ev->pid, NO_TID, ev->name);
  put_sort(w, "process_sort_index", ev->pid, NO_TID, ev->pid);
}

static void on_thread(gs_tracew *w, const gs_trace_event *ev)
{
  if (ev->tid < 0 || !grow((void **)&w->thr, &w->nthr, sizeof *w->thr, (size_t)ev->tid)) {
    if (ev->tid >= 0)
      out_of_memory(w);
    return;
  }
  thread_slot *t = &w->thr[ev->tid];
  if (!t->known)
    t->state = NO_STATE;
  t->known = true;
  t->pid = ev->pid;
  snprintf(t->name, sizeof t->name, "%s", ev->name ? ev->name : "?");
  put_name(w, "thread_name", ev->pid, ev->tid + 1, t->name);
  put_sort(w, "thread_sort_index", ev->pid, ev->tid + 1, ev->tid + 1);
}

/* Close thread t's open state slice at `at`. */
static void close_state(gs_tracew *w, int tid, thread_slot *t, gs_time at)
{
  if (t->state != NO_STATE && t->state != GS_TRS_DONE)
    put_slice(w, t->pid, tid + 1, gs_trace_state_name((gs_trace_state)t->state),
              state_cnames[t->state], t->since, at);
  t->state = NO_STATE;
}

static void on_state(gs_tracew *w, const gs_trace_event *ev)
{
  thread_slot *t = thread_get(w, ev->tid, ev->pid);
  if (!t)
    return;
  close_state(w, ev->tid, t, ev->at);
  if (ev->value >= 0 && ev->value < GS_TRS_COUNT && ev->value != GS_TRS_DONE) {
    t->state = ev->value;
    t->since = ev->at;
  }
}

/* The name of thread tid on a core: "worker-1 (pid 1)". */
static void core_slice_name(gs_tracew *w, int tid, char *buf, size_t n)
{
  if (tid >= 0 && (size_t)tid < w->nthr && w->thr[tid].known)
    snprintf(buf, n, "%s (pid %d)", w->thr[tid].name, w->thr[tid].pid);
  else
    snprintf(buf, n, "thread %d", tid);
}

static void close_core(gs_tracew *w, int core, core_slot *c, gs_time at)
{
  if (c->tid != NOBODY) {
    char name[96];
    core_slice_name(w, c->tid, name, sizeof name);
    put_slice(w, GS_TRACEW_CORES_PID, core + 1, name, NULL, c->since, at);
  }
  c->tid = NOBODY;
}

static void on_core(gs_tracew *w, const gs_trace_event *ev)
{
  core_slot *c = core_get(w, ev->core);
  if (!c || c->tid == ev->tid)
    return;
  close_core(w, ev->core, c, ev->at);
  if (ev->tid >= 0) {
    c->tid = ev->tid;
    c->since = ev->at;
  }
}

static void close_gil(gs_tracew *w, int pid, proc_slot *p, gs_time at)
{
  if (p->holder != NOBODY) {
    const char *name = "?";
    if ((size_t)p->holder < w->nthr && w->thr[p->holder].known)
      name = w->thr[p->holder].name;
    put_slice(w, pid, GS_TRACEW_GIL_TID_BASE + pid, name, NULL, p->since, at);
  }
  p->holder = NOBODY;
}

static void on_gil(gs_tracew *w, const gs_trace_event *ev)
{
  proc_slot *p = proc_get(w, ev->pid);
  if (!p)
    return;
  if (!p->gil_track) {
    /* Only processes that use a GIL get the track; sort index -1 puts it
     * above the process's threads. */
    p->gil_track = true;
    put_name(w, "thread_name", ev->pid, GS_TRACEW_GIL_TID_BASE + ev->pid, "GIL holder");
    put_sort(w, "thread_sort_index", ev->pid, GS_TRACEW_GIL_TID_BASE + ev->pid, -1);
  }
  if (p->holder == ev->tid)
    return;
  close_gil(w, ev->pid, p, ev->at);
  if (ev->tid >= 0) {
    p->holder = ev->tid;
    p->since = ev->at;
  }
}

static void on_io_begin(gs_tracew *w, const gs_trace_event *ev)
{
  if (!io_add(w, ev->id, ev->pid, ev->tid)) {
    out_of_memory(w);
    return;
  }
  put_io(w, 'b', ev->id, ev->pid, ev->tid, ev->at, &ev->count);
}

static void on_io_end(gs_tracew *w, const gs_trace_event *ev)
{
  io_slot *s = io_find(w, ev->id);
  if (!s) /* never begun: an "e" alone would be unmatched */
    return;
  put_io(w, 'e', s->id, s->pid, s->tid, ev->at, NULL);
  io_remove(w, s);
}

static void on_counter(gs_tracew *w, const gs_trace_event *ev)
{
  begin(w);
  fprintf(w->f, "\"ph\":\"C\",\"pid\":%d,\"ts\":", GS_TRACEW_CORES_PID);
  put_us(w->f, ev->at);
  fputs(",\"name\":", w->f);
  put_str(w->f, ev->name);
  fprintf(w->f, ",\"args\":{\"value\":%" PRId64 "}}", ev->count);
}

void gs_tracew_event(void *ctx, const gs_trace_event *ev)
{
  gs_tracew *w = ctx;
  if (w->failed)
    return;
  errno = 0; /* so that check() names this event's write error */
  if (ev->at > w->last)
    w->last = ev->at;
  switch (ev->kind) {
  case GS_TR_PROC:
    on_proc(w, ev);
    break;
  case GS_TR_THREAD:
    on_thread(w, ev);
    break;
  case GS_TR_STATE:
    on_state(w, ev);
    break;
  case GS_TR_CORE:
    on_core(w, ev);
    break;
  case GS_TR_GIL:
    on_gil(w, ev);
    break;
  case GS_TR_IO_BEGIN:
    on_io_begin(w, ev);
    break;
  case GS_TR_IO_END:
    on_io_end(w, ev);
    break;
  case GS_TR_COUNTER:
    on_counter(w, ev);
    break;
  }
  check(w);
}

/* ---- Opening and closing ------------------------------------------------------ */

static void set_error(gs_error *err, const char *path, int e)
{
  if (err)
    snprintf(err->msg, sizeof err->msg, "cannot write trace '%s': %s", path, strerror(e));
}

static char *dup_str(const char *s)
{
  return strdup(s ? s : "");
}

static void free_writer(gs_tracew *w)
{
  free(w->path);
  free(w->tmp);
  free((char *)w->info.scenario);
  free((char *)w->info.model);
  free((char *)w->info.gil);
  free(w->thr);
  free(w->core);
  free(w->proc);
  free(w->io);
  free(w);
}

gs_tracew *gs_tracew_open(const char *path, const gs_tracew_info *info, gs_error *err)
{
  /* mkstemp would succeed beside a directory, and only the final rename
   * would fail, after the whole run: refuse it now. */
  struct stat st;
  if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
    set_error(err, path, EISDIR);
    errno = EISDIR;
    return NULL;
  }
  gs_tracew *w = calloc(1, sizeof *w);
  size_t n = strlen(path);
  if (w) {
    w->path = strdup(path);
    w->tmp = malloc(n + sizeof ".tmp.XXXXXX");
    w->info = *info;
    w->info.scenario = dup_str(info->scenario);
    w->info.model = dup_str(info->model);
    w->info.gil = dup_str(info->gil);
  }
  if (!w || !w->path || !w->tmp || !w->info.scenario || !w->info.model || !w->info.gil) {
    if (w)
      free_writer(w);
    set_error(err, path, ENOMEM);
    errno = ENOMEM;
    return NULL;
  }
  memcpy(w->tmp, path, n);
  memcpy(w->tmp + n, ".tmp.XXXXXX", sizeof ".tmp.XXXXXX");

  int fd = mkstemp(w->tmp);
  if (fd < 0) {
    int e = errno;
    set_error(err, path, e);
    free_writer(w);
    errno = e;
    return NULL;
  }
  /* mkstemp creates the file 0600; give the trace the mode any new file
   * would have, since it becomes the user's file.  (umask has no read-only
   * form; setting it back at once is fine in a single-threaded tool.) */
  mode_t mask = umask(0);
  umask(mask);
  w->f = fdopen(fd, "w");
  if (!w->f || fchmod(fd, 0666 & ~mask) != 0) {
    int e = errno;
    if (w->f)
      fclose(w->f);
    else
      close(fd);
    unlink(w->tmp);
    set_error(err, path, e);
    free_writer(w);
    errno = e;
    return NULL;
  }

  fputs("{\"traceEvents\":[", w->f);
  put_name(w, "process_name", GS_TRACEW_CORES_PID, NO_TID, "CPU cores");
  put_sort(w, "process_sort_index", GS_TRACEW_CORES_PID, NO_TID, 0);
  if (info->cores > 0 && !grow((void **)&w->core, &w->ncore, sizeof *w->core,
                               (size_t)info->cores - 1))
    out_of_memory(w);
  for (size_t i = 0; i < w->ncore; i++) {
    w->core[i].tid = NOBODY;
    if ((int)i < info->cores)
      name_core(w, (int)i);
    else
      w->core[i].since = -1;
  }
  check(w);
  if (w->failed) {
    int e = w->err;
    fclose(w->f);
    unlink(w->tmp);
    set_error(err, path, e);
    free_writer(w);
    errno = e;
    return NULL;
  }
  return w;
}

const char *gs_tracew_temp_path(const gs_tracew *w)
{
  return w ? w->tmp : NULL;
}

/* Close every open slice at `end`, then write the closing part. */
static void put_tail(gs_tracew *w, gs_time end)
{
  for (size_t i = 0; i < w->nthr; i++)
    if (w->thr[i].known)
      close_state(w, (int)i, &w->thr[i], end);
  for (size_t i = 0; i < w->ncore; i++)
    close_core(w, (int)i, &w->core[i], end);
  for (size_t i = 0; i < w->nproc; i++)
    close_gil(w, (int)i, &w->proc[i], end);
  for (size_t i = 0; i < w->capio; i++)
    if (w->io[i].used)
      put_io(w, 'e', w->io[i].id, w->io[i].pid, w->io[i].tid, end, NULL);

  fputs("\n],\n\"displayTimeUnit\":\"ns\",\n\"metadata\":{\"gilsim\":", w->f);
  put_str(w->f, GILSIM_VERSION);
  fputs(",\"scenario\":", w->f);
  put_str(w->f, w->info.scenario);
  fprintf(w->f, ",\"seed\":%" PRIu64 ",\"cores\":%d,\"model\":", w->info.seed, w->info.cores);
  put_str(w->f, w->info.model);
  fputs(",\"gil\":", w->f);
  put_str(w->f, w->info.gil);
  fputs("}}\n", w->f);
}

int gs_tracew_close(gs_tracew *w, gs_time end, bool commit, gs_error *err)
{
  if (!w)
    return 0;
  if (!commit) {
    fclose(w->f);
    unlink(w->tmp);
    free_writer(w);
    return 0;
  }
  if (!w->failed) {
    put_tail(w, end > w->last ? end : w->last);
    check(w);
  }
  /* Everything must reach the disk before the rename makes it the user's
   * file: otherwise a crash could leave a truncated trace under the name. */
  int e = w->failed ? w->err : 0;
  errno = 0;
  if (!e && (fflush(w->f) != 0 || ferror(w->f)))
    e = errno ? errno : EIO;
  if (!e && fsync(fileno(w->f)) != 0)
    e = errno;
  if (fclose(w->f) != 0 && !e)
    e = errno ? errno : EIO;
  if (!e && rename(w->tmp, w->path) != 0)
    e = errno;
  if (e) {
    unlink(w->tmp);
    set_error(err, w->path, e);
  }
  free_writer(w);
  errno = e;
  return e ? -1 : 0;
}
