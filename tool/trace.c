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
 *
 * A trace runs to hundreds of bytes per microsecond of a busy simulation,
 * so the writing is done by hand: every event is formatted straight into a
 * private buffer of OUT_CAP bytes, numbers digit by digit, and the buffer
 * goes to the file with write(2) whenever the next event might not fit.
 * (With fprintf a trace event cost about 400 ns, most of it parsing formats
 * and converting numbers; written by hand, about 90 ns, much of that the
 * kernel copying the bytes into the page cache.  The code below writes
 * exactly what "%d", "%" PRIu64 ".%03u" and "%" PRIx64 wrote.)
 */
#include "trace.h"
#include "jsonstr.h"
#include "output.h"

#include <errno.h>
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

#define NAME_LEN 64 /* a thread's name is cut to NAME_LEN - 1 bytes */

typedef struct {
  bool known;       /* a GS_TR_THREAD (or any event) named it */
  int pid;
  int state;        /* gs_trace_state of the open slice, or NO_STATE */
  gs_time since;
  char name[NAME_LEN];
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

#define STATE_END_CAP 128

struct gs_tracew {
  int fd;           /* the temporary file */
  char *buf;        /* OUT_CAP bytes of output not yet written */
  size_t len;
  char *path, *target, *tmp; /* target: path, or where its symbolic links lead */
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

  /* The end of each state's slice from its name on, escaped once at open
   * ("running","cname":"thread_state_running"}), since state slices are
   * most of a trace; length 0: too long, written the general way. */
  char state_end[GS_TRS_COUNT][STATE_END_CAP];
  size_t state_end_len[GS_TRS_COUNT];
};

/* ---- Output ----------------------------------------------------------------- */

/* 1 MiB: a write(2) per thousands of events, and still cheap to keep. */
#define OUT_CAP ((size_t)1 << 20)
/* The most an event writes besides its strings: the longest, an I/O begin,
 * is about 200 bytes with every number at its widest; a state slice's head
 * (112 at most) and its prepared end (STATE_END_CAP) fit too. */
#define EVENT_ROOM ((size_t)256)
/* The most a thread's name takes escaped, with " (pid N)" after it. */
#define NAME_ROOM (GS_JSON_ESCAPED_MAX(NAME_LEN) + 32)

/* Note the first failure (a write error, no memory); the trace is then
 * lost, and later events are dropped. */
static void fail(gs_tracew *w, int e)
{
  if (!w->failed) {
    w->failed = true;
    w->err = e;
  }
}

/* Write n bytes at p to the file, through short writes and signals. */
static void write_all(gs_tracew *w, const char *p, size_t n)
{
  while (n > 0 && !w->failed) {
    ssize_t k = write(w->fd, p, n);
    if (k < 0 && errno == EINTR)
      continue;
    if (k <= 0) {
      fail(w, k < 0 ? errno : EIO);
      return;
    }
    p += k;
    n -= (size_t)k;
  }
}

static void flush(gs_tracew *w)
{
  write_all(w, w->buf, w->len);
  w->len = 0;
}

/* The place to write the next `need` bytes (at most OUT_CAP), flushing
 * first if they might not fit; out_end says where the writing stopped. */
static char *out_at(gs_tracew *w, size_t need)
{
  if (OUT_CAP - w->len < need)
    flush(w);
  return w->buf + w->len;
}

static void out_end(gs_tracew *w, char *p)
{
  w->len = (size_t)(p - w->buf);
}

/* A string literal, its length known at compile time. */
#define LIT(p, s) (memcpy((p), (s), sizeof(s) - 1), (p) + sizeof(s) - 1)

static const char two_digits[] = "00010203040506070809"
                                 "10111213141516171819"
                                 "20212223242526272829"
                                 "30313233343536373839"
                                 "40414243444546474849"
                                 "50515253545556575859"
                                 "60616263646566676869"
                                 "70717273747576777879"
                                 "80818283848586878889"
                                 "90919293949596979899";

/* v in decimal ("%" PRIu64): the digits are counted first (by comparison,
 * cheaper than dividing), then written from the last, two at a time. */
static char *put_u64(char *p, uint64_t v)
{
  static const uint64_t pow10[] = {
    UINT64_C(10), UINT64_C(100), UINT64_C(1000), UINT64_C(10000), UINT64_C(100000),
    UINT64_C(1000000), UINT64_C(10000000), UINT64_C(100000000), UINT64_C(1000000000),
    UINT64_C(10000000000), UINT64_C(100000000000), UINT64_C(1000000000000),
    UINT64_C(10000000000000), UINT64_C(100000000000000), UINT64_C(1000000000000000),
    UINT64_C(10000000000000000), UINT64_C(100000000000000000),
    UINT64_C(1000000000000000000), UINT64_C(10000000000000000000)};
  unsigned n = 1;
  while (n < 20 && v >= pow10[n - 1])
    n++;
  char *q = p + n;
  while (v >= 100) {
    q -= 2;
    memcpy(q, two_digits + 2 * (v % 100), 2);
    v /= 100;
  }
  if (v >= 10)
    memcpy(q - 2, two_digits + 2 * v, 2);
  else
    q[-1] = (char)('0' + v);
  return p + n;
}

/* v in decimal ("%d", "%lld"). */
static char *put_int(char *p, long long v)
{
  if (v < 0) {
    *p++ = '-';
    return put_u64(p, (uint64_t)0 - (uint64_t)v);
  }
  return put_u64(p, (uint64_t)v);
}

/* v in lower-case hexadecimal ("%" PRIx64). */
static char *put_hex(char *p, uint64_t v)
{
  unsigned n = 1;
  for (uint64_t t = v; t >= 16; t >>= 4)
    n++;
  for (unsigned i = n; i-- > 0; v >>= 4)
    p[i] = "0123456789abcdef"[v & 15];
  return p + n;
}

/* ns as microseconds with exactly three decimals: 1234567 -> 1234.567.
 * Integer arithmetic, so the value is exact (a double would round). */
static char *put_us(char *p, gs_time ns)
{
  uint64_t m = ns < 0 ? (uint64_t)0 - (uint64_t)ns : (uint64_t)ns;
  if (ns < 0)
    *p++ = '-';
  p = put_u64(p, m / 1000);
  unsigned frac = (unsigned)(m % 1000);
  p[0] = '.';
  p[1] = (char)('0' + frac / 100);
  memcpy(p + 2, two_digits + 2 * (frac % 100), 2);
  return p + 4;
}

/* A JSON string, quoted.  One longer than the buffer (a name of more than
 * 170 kB) goes to the file through a buffer of its own. */
static void put_str(gs_tracew *w, const char *str)
{
  size_t need = GS_JSON_ESCAPED_MAX(strlen(str ? str : "")) + 2;
  if (need + EVENT_ROOM <= OUT_CAP) {
    char *p = out_at(w, need + EVENT_ROOM);
    *p++ = '"';
    p = gs_json_escape(p, str);
    *p++ = '"';
    out_end(w, p);
    return;
  }
  flush(w);
  char *big = malloc(need);
  if (!big) {
    fail(w, ENOMEM);
    return;
  }
  char *p = big;
  *p++ = '"';
  p = gs_json_escape(p, str);
  *p++ = '"';
  write_all(w, big, (size_t)(p - big));
  free(big);
}

/* Start an event: the separator and the opening brace.  Returns where to go
 * on, with room for EVENT_ROOM + extra bytes. */
static char *begin(gs_tracew *w, size_t extra)
{
  char *p = out_at(w, EVENT_ROOM + extra);
  if (w->any)
    *p++ = ',';
  w->any = true;
  return LIT(p, "\n{");
}

/* "pid" and, for a thread's event, "tid".  Process-wide events (process
 * metadata, counters) carry no tid: a made-up one would be a thread too. */
static char *put_ids(char *p, int pid, int tid)
{
  p = put_int(LIT(p, "\"pid\":"), pid);
  if (tid != NO_TID)
    p = put_int(LIT(p, ",\"tid\":"), tid);
  return p;
}

/* A metadata event: "ph":"M", the ids and "name":"what" (what is a plain
 * literal, such as "thread_name"), then "args":{"key": left for the caller. */
static char *put_meta(gs_tracew *w, const char *what, int pid, int tid, const char *key)
{
  char *p = begin(w, 0);
  p = put_ids(LIT(p, "\"ph\":\"M\","), pid, tid);
  p = LIT(p, ",\"name\":\"");
  size_t n = strlen(what);
  memcpy(p, what, n);
  p = LIT(p + n, "\",\"args\":{\"");
  n = strlen(key);
  memcpy(p, key, n);
  return LIT(p + n, "\":");
}

/* A metadata event naming a process (tid NO_TID) or a thread. */
static void put_name(gs_tracew *w, const char *what, int pid, int tid, const char *name)
{
  out_end(w, put_meta(w, what, pid, tid, "name"));
  put_str(w, name);
  out_end(w, LIT(w->buf + w->len, "}}"));
}

/* A metadata event ordering a process (tid NO_TID) or a thread among its
 * siblings. */
static void put_sort(gs_tracew *w, const char *what, int pid, int tid, long long index)
{
  char *p = put_meta(w, what, pid, tid, "sort_index");
  out_end(w, LIT(put_int(p, index), "}}"));
}

/* The start of a complete event [start, end), up to "name":, or NULL for
 * an empty slice.  Empty slices are dropped: a thread often passes through
 * several states at one instant (runnable, running, running (GIL) when a
 * woken waiter takes the GIL), and those would only bloat the file with
 * slices nobody can see. */
static char *slice_head(gs_tracew *w, int pid, int tid, gs_time start, gs_time end, size_t extra)
{
  if (end <= start)
    return NULL;
  char *p = begin(w, extra);
  p = put_int(LIT(p, "\"ph\":\"X\",\"pid\":"), pid);
  p = put_int(LIT(p, ",\"tid\":"), tid);
  p = put_us(LIT(p, ",\"ts\":"), start);
  p = put_us(LIT(p, ",\"dur\":"), end - start);
  return LIT(p, ",\"name\":");
}

/* A complete event named name.  cname NULL: the viewer colours by name,
 * which tells holders of a GIL or core apart. */
static void put_slice(gs_tracew *w, int pid, int tid, const char *name, const char *cname,
                      gs_time start, gs_time end)
{
  char *p = slice_head(w, pid, tid, start, end, 0);
  if (!p)
    return;
  out_end(w, p);
  put_str(w, name);
  p = w->buf + w->len;
  if (cname) {
    p = LIT(p, ",\"cname\":\"");
    size_t n = strlen(cname);
    memcpy(p, cname, n);
    p = LIT(p + n, "\"");
  }
  out_end(w, LIT(p, "}"));
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
  fail(w, ENOMEM);
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
  char *p = LIT(begin(w, 0), "\"ph\":\"");
  *p++ = ph;
  p = put_hex(LIT(p, "\",\"cat\":\"io\",\"id\":\"0x"), id);
  p = put_int(LIT(p, "\",\"name\":\"transfer\",\"pid\":"), pid);
  p = put_int(LIT(p, ",\"tid\":"), tid + 1);
  p = put_us(LIT(p, ",\"ts\":"), at);
  if (bytes)
    p = LIT(put_int(LIT(p, ",\"args\":{\"bytes\":"), *bytes), "}");
  out_end(w, LIT(p, "}"));
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
  int st = t->state;
  t->state = NO_STATE;
  if (st == NO_STATE || st == GS_TRS_DONE)
    return;
  size_t n = w->state_end_len[st];
  if (!n) {
    put_slice(w, t->pid, tid + 1, gs_trace_state_name((gs_trace_state)st), state_cnames[st],
              t->since, at);
    return;
  }
  char *p = slice_head(w, t->pid, tid + 1, t->since, at, 0);
  if (p) {
    memcpy(p, w->state_end[st], n);
    out_end(w, p + n);
  }
}

/* Fill w->state_end (see gs_tracew): what put_slice writes after "name":
 * for each state. */
static void prepare_state_ends(gs_tracew *w)
{
  for (int st = 0; st < GS_TRS_COUNT; st++) {
    const char *name = gs_trace_state_name((gs_trace_state)st);
    size_t nc = strlen(state_cnames[st]);
    w->state_end_len[st] = 0;
    if (GS_JSON_ESCAPED_MAX(strlen(name)) + nc + sizeof "\"\",\"cname\":\"\"}" > STATE_END_CAP)
      continue;
    char *p = w->state_end[st];
    *p++ = '"';
    p = LIT(gs_json_escape(p, name), "\",\"cname\":\"");
    memcpy(p, state_cnames[st], nc);
    p = LIT(p + nc, "\"}");
    w->state_end_len[st] = (size_t)(p - w->state_end[st]);
  }
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

/* A core's slice, named for the thread that ran: "worker-1 (pid 1)".  (The
 * escaped name followed by the escaped rest is the escaped whole, since
 * the rest starts with a plain character.) */
static void close_core(gs_tracew *w, int core, core_slot *c, gs_time at)
{
  int tid = c->tid;
  c->tid = NOBODY;
  if (tid == NOBODY)
    return;
  char *p = slice_head(w, GS_TRACEW_CORES_PID, core + 1, c->since, at, NAME_ROOM);
  if (!p)
    return;
  *p++ = '"';
  if (tid >= 0 && (size_t)tid < w->nthr && w->thr[tid].known) {
    p = gs_json_escape(p, w->thr[tid].name);
    p = put_int(LIT(p, " (pid "), w->thr[tid].pid);
    *p++ = ')';
  } else {
    p = put_int(LIT(p, "thread "), tid);
  }
  out_end(w, LIT(p, "\"}"));
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
  char *p = put_int(LIT(begin(w, 0), "\"ph\":\"C\",\"pid\":"), GS_TRACEW_CORES_PID);
  out_end(w, LIT(put_us(LIT(p, ",\"ts\":"), ev->at), ",\"name\":"));
  put_str(w, ev->name);
  p = put_int(LIT(w->buf + w->len, ",\"args\":{\"value\":"), ev->count);
  out_end(w, LIT(p, "}}"));
}

void gs_tracew_event(void *ctx, const gs_trace_event *ev)
{
  gs_tracew *w = ctx;
  if (w->failed)
    return;
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
  free(w->buf);
  free(w->path);
  free(w->target);
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
  size_t n = 0;
  if (w) {
    w->buf = malloc(OUT_CAP);
    w->path = strdup(path);
    w->target = cli_output_target(path); /* through a symbolic link */
    n = w->target ? strlen(w->target) : 0;
    w->tmp = malloc(n + sizeof ".tmp.XXXXXX");
    w->info = *info;
    w->info.scenario = dup_str(info->scenario);
    w->info.model = dup_str(info->model);
    w->info.gil = dup_str(info->gil);
  }
  if (!w || !w->buf || !w->path || !w->target || !w->tmp || !w->info.scenario || !w->info.model || !w->info.gil) {
    if (w)
      free_writer(w);
    set_error(err, path, ENOMEM);
    errno = ENOMEM;
    return NULL;
  }
  memcpy(w->tmp, w->target, n);
  memcpy(w->tmp + n, ".tmp.XXXXXX", sizeof ".tmp.XXXXXX");

  int fd = mkstemp(w->tmp);
  if (fd < 0) {
    int e = errno;
    set_error(err, path, e);
    free_writer(w);
    errno = e;
    return NULL;
  }
  /* mkstemp creates the file 0600; give the trace the mode of the file it
   * replaces, or the mode any new file would have, since it becomes the
   * user's file.  (umask has no read-only form; setting it back at once is
   * fine in a single-threaded tool.) */
  mode_t mask = umask(0);
  umask(mask);
  mode_t mode = 0666 & ~mask;
  if (stat(w->target, &st) == 0 && S_ISREG(st.st_mode))
    mode = st.st_mode & 07777;
  w->fd = fd;
  if (fchmod(fd, mode) != 0) {
    int e = errno;
    close(fd);
    unlink(w->tmp);
    set_error(err, path, e);
    free_writer(w);
    errno = e;
    return NULL;
  }

  prepare_state_ends(w);
  out_end(w, LIT(w->buf, "{\"traceEvents\":["));
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
  if (w->failed) {
    int e = w->err;
    close(fd);
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

  char *p = out_at(w, EVENT_ROOM);
  out_end(w, LIT(p, "\n],\n\"displayTimeUnit\":\"ns\",\n\"metadata\":{\"gilsim\":"));
  put_str(w, GILSIM_VERSION);
  out_end(w, LIT(w->buf + w->len, ",\"scenario\":"));
  put_str(w, w->info.scenario);
  p = put_u64(LIT(w->buf + w->len, ",\"seed\":"), w->info.seed);
  p = put_int(LIT(p, ",\"cores\":"), w->info.cores);
  out_end(w, LIT(p, ",\"model\":"));
  put_str(w, w->info.model);
  out_end(w, LIT(w->buf + w->len, ",\"gil\":"));
  put_str(w, w->info.gil);
  out_end(w, LIT(w->buf + w->len, "}}\n"));
}

int gs_tracew_close(gs_tracew *w, gs_time end, bool commit, gs_error *err)
{
  if (!w)
    return 0;
  if (!commit) {
    close(w->fd);
    unlink(w->tmp);
    free_writer(w);
    return 0;
  }
  if (!w->failed) {
    put_tail(w, end > w->last ? end : w->last);
    flush(w);
  }
  /* Everything must reach the disk before the rename makes it the user's
   * file: otherwise a crash could leave a truncated trace under the name. */
  int e = w->failed ? w->err : 0;
  if (!e && fsync(w->fd) != 0)
    e = errno;
  if (close(w->fd) != 0 && !e)
    e = errno;
  if (!e && rename(w->tmp, w->target) != 0)
    e = errno;
  if (e) {
    unlink(w->tmp);
    set_error(err, w->path, e);
  }
  free_writer(w);
  errno = e;
  return e ? -1 : 0;
}
