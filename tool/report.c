/*
 * report.c - the gilsim tool's reports of a finished run: a human-readable
 * text report, a JSON document and CSV summary rows.
 *
 * Nothing here depends on the host, the date or the locale's conventions
 * beyond the "C" locale the tool runs in, so equal runs give byte-equal
 * reports (the golden tests rely on it).  Times are integer nanoseconds in
 * the results; JSON and CSV print them as seconds with exactly nine
 * decimals, computed with integer arithmetic.
 */
#include "report.h"
#include "cli.h"
#include "jsonstr.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#ifndef GILSIM_VERSION
#error "GILSIM_VERSION must be defined (the build does it from the project version)"
#endif

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* The GIL the run used (results hold the effective one; resolve a
 * default anyway). */
static gs_gil run_gil(const gs_results *r) { return gs_gil_effective(r->gil, r->runtime); }

static const char *gil_name(const gs_results *r) { return gs_gil_name(run_gil(r)); }

static const char *str_or_empty(const char *s) { return s ? s : ""; }

/* Only a write error (or a failed allocation inside stdio) counts. */
static int finish(FILE *f)
{
  return ferror(f) ? -1 : 0;
}

/* ---- Durations --------------------------------------------------------- */

void gs_fmt_time(char *buf, size_t n, double t)
{
  if (n == 0)
    return;
  buf[0] = 0;
  if (t >= 60.0) {
    /* Days, hours, minutes and whole seconds, largest first; stop once
     * less than a second is left (the fraction is dropped). */
    static const struct {
      const char *suffix;
      double length;
    } parts[] = {{"d", 86400}, {"h", 3600}, {"min", 60}, {"s", 1}};
    size_t used = 0;
    double left = t;
    for (size_t i = 0; i < NELEM(parts); i++) {
      double value = trunc(left / parts[i].length); /* Python int() */
      if (value > 0) {
        left = fmod(left, parts[i].length); /* Python % for positives */
        int k = snprintf(buf + used, n - used, "%s%.0f%s", used ? " " : "", value,
                         parts[i].suffix);
        if (k < 0 || (size_t)k >= n - used)
          return; /* truncated; snprintf has terminated buf */
        used += (size_t)k;
      }
      if (left < 1)
        break;
    }
    return;
  }
  static const char *const units[] = {"s", "ms", "\xc2\xb5s", "ns"};
  static const double scaling[] = {1, 1e3, 1e6, 1e9};
  int order = 3;
  if (t > 0.0) {
    /* Python: min(-(floor(log10(t)) // 3), 3), with floor division. */
    long long e = (long long)floor(log10(t)); /* -324 .. 1 here */
    long long q = e >= 0 ? e / 3 : -((-e + 2) / 3);
    order = -q > 3 ? 3 : (int)-q;
  }
  snprintf(buf, n, "%.*g %s", 3, t * scaling[order], units[order]);
}

static double secs(gs_time ns) { return (double)ns / 1e9; }

static void fmt_dur(char *buf, size_t n, gs_time ns) { gs_fmt_time(buf, n, secs(ns)); }

/* Exact seconds with nine decimals from integer nanoseconds. */
static void fmt_secs(char *buf, size_t n, gs_time ns)
{
  uint64_t a = ns < 0 ? (uint64_t)0 - (uint64_t)ns : (uint64_t)ns;
  snprintf(buf, n, "%s%" PRIu64 ".%09" PRIu64, ns < 0 ? "-" : "", a / 1000000000u,
           a % 1000000000u);
}

static void put_secs(FILE *f, gs_time ns)
{
  char b[32];
  fmt_secs(b, sizeof b, ns);
  fputs(b, f);
}

/* A JSON number: integral values in full ("2000000000", not "2e+09"),
 * others as the shortest "%.*g" that reads back as the same double. */
static void fmt_number(char *buf, size_t n, double v)
{
  if (v == trunc(v) && fabs(v) < 1e17) {
    snprintf(buf, n, "%.0f", v);
    return;
  }
  for (int prec = 1; prec <= 17; prec++) {
    snprintf(buf, n, "%.*g", prec, v);
    if (strtod(buf, NULL) == v)
      return;
  }
}

/* Share of the wall time a core was busy, 0 when the wall time is 0. */
static double busy_share(const gs_results *r, size_t i)
{
  if (r->wall <= 0)
    return 0.0;
  return (double)(r->core[i].busy_user + r->core[i].busy_sys) / (double)r->wall;
}

/* ---- Text tables ------------------------------------------------------- */

/* Display width of a UTF-8 string: one column per character. */
static size_t text_width(const char *s)
{
  size_t w = 0;
  for (; *s; s++)
    if (((unsigned char)*s & 0xC0) != 0x80)
      w++;
  return w;
}

static void put_spaces(FILE *f, size_t k)
{
  while (k--)
    fputc(' ', f);
}

typedef struct {
  const char *head;
  bool left; /* left-aligned (names); numbers are right-aligned */
} column;

#define MAX_COLS 16
#define CELL_MAX 64

/* Formats the cell at (row, col) into buf. */
typedef void (*cell_fn)(const gs_results *r, size_t row, size_t col, char *buf, size_t n);

static void put_cell(FILE *f, const char *s, size_t width, bool left, bool last)
{
  size_t w = text_width(s);
  size_t pad = width > w ? width - w : 0;
  if (!left)
    put_spaces(f, pad);
  fputs(s, f);
  if (left && !last)
    put_spaces(f, pad);
}

/* A table indented by two spaces, columns two spaces apart, sized to fit
 * every cell: one pass to measure, one to print. */
static void put_table(FILE *f, const column *cols, size_t ncols, size_t nrows, cell_fn cell,
                      const gs_results *r)
{
  size_t width[MAX_COLS];
  char buf[CELL_MAX];
  for (size_t c = 0; c < ncols; c++)
    width[c] = text_width(cols[c].head);
  for (size_t i = 0; i < nrows; i++)
    for (size_t c = 0; c < ncols; c++) {
      cell(r, i, c, buf, sizeof buf);
      size_t w = text_width(buf);
      if (w > width[c])
        width[c] = w;
    }
  fputs("  ", f);
  for (size_t c = 0; c < ncols; c++) {
    if (c)
      fputs("  ", f);
    put_cell(f, cols[c].head, width[c], cols[c].left, c + 1 == ncols);
  }
  fputc('\n', f);
  for (size_t i = 0; i < nrows; i++) {
    fputs("  ", f);
    for (size_t c = 0; c < ncols; c++) {
      if (c)
        fputs("  ", f);
      cell(r, i, c, buf, sizeof buf);
      put_cell(f, buf, width[c], cols[c].left, c + 1 == ncols);
    }
    fputc('\n', f);
  }
}

static const column proc_cols[] = {
  {"pid", false}, {"parent", false}, {"name", true}, {"threads", false},
  {"user", false}, {"sys", false}, {"total", false},
};

static void proc_cell(const gs_results *r, size_t row, size_t col, char *buf, size_t n)
{
  const gs_proc_result *p = &r->procs[row];
  switch (col) {
  case 0: snprintf(buf, n, "%d", p->pid); break;
  case 1: snprintf(buf, n, "%d", p->parent); break;
  case 2: snprintf(buf, n, "%.*s", (int)sizeof p->name, p->name); break;
  case 3: snprintf(buf, n, "%d", p->nthreads); break;
  case 4: fmt_dur(buf, n, p->user); break;
  case 5: fmt_dur(buf, n, p->sys); break;
  default: fmt_dur(buf, n, p->user + p->sys); break;
  }
}

static const column thread_cols[] = {
  {"tid", false}, {"pid", false}, {"name", true}, {"user", false},
  {"sys", false}, {"runnable", false}, {"blocked", false}, {"vcsw", false},
  {"ivcsw", false}, {"migr", false}, {"tasks", false},
};

static void thread_cell(const gs_results *r, size_t row, size_t col, char *buf, size_t n)
{
  const gs_thread_result *t = &r->threads[row];
  switch (col) {
  case 0: snprintf(buf, n, "%d", t->tid); break;
  case 1: snprintf(buf, n, "%d", t->pid); break;
  case 2: snprintf(buf, n, "%.*s", (int)sizeof t->name, t->name); break;
  case 3: fmt_dur(buf, n, t->user); break;
  case 4: fmt_dur(buf, n, t->sys); break;
  case 5: fmt_dur(buf, n, t->runnable); break;
  case 6: fmt_dur(buf, n, t->blocked); break;
  case 7: snprintf(buf, n, "%" PRIu64, t->nvcsw); break;
  case 8: snprintf(buf, n, "%" PRIu64, t->nivcsw); break;
  case 9: snprintf(buf, n, "%" PRIu64, t->migrations); break;
  default: snprintf(buf, n, "%" PRIu64, t->tasks); break;
  }
}

static const column core_cols[] = {
  {"core", false}, {"busy", false}, {"user", false}, {"sys", false}, {"switches", false},
};

static void core_cell(const gs_results *r, size_t row, size_t col, char *buf, size_t n)
{
  const gs_core_result *c = &r->core[row];
  switch (col) {
  case 0: snprintf(buf, n, "%zu", row); break;
  case 1: snprintf(buf, n, "%.1f%%", 100.0 * busy_share(r, row)); break;
  case 2: fmt_dur(buf, n, c->busy_user); break;
  case 3: fmt_dur(buf, n, c->busy_sys); break;
  default: snprintf(buf, n, "%" PRIu64, c->switches); break;
  }
}

static uint64_t least_factor(uint64_t n)
{
  uint64_t divisions;
  return gs_least_prime_factor(n, &divisions);
}

/* The tasks section: how many ran and, for primes, each number with its
 * least prime factor, checked against the library's exact arithmetic. */
static void put_tasks(FILE *f, const gs_scenario *sc, const gs_results *r)
{
  bool primes = sc->workload == GS_WL_PRIMES && sc->numbers;
  size_t wrong = 0;
  if (primes)
    for (size_t i = 0; i < r->ntasks; i++) {
      const gs_task_result *t = &r->tasks[i];
      if (t->task >= sc->ntasks || t->value != least_factor(sc->numbers[t->task]))
        wrong++;
    }
  fprintf(f, "Tasks: %zu done", r->ntasks);
  if (r->ntasks != sc->ntasks)
    fprintf(f, " of %zu", sc->ntasks);
  if (primes) {
    if (wrong)
      fprintf(f, ", %zu WRONG", wrong);
    else
      fputs(", results checked", f);
  }
  fputc('\n', f);
  if (!primes)
    return;
  int width = 1;
  for (size_t i = 0; i < r->ntasks; i++)
    if (r->tasks[i].task < sc->ntasks) {
      int w = snprintf(NULL, 0, "%" PRIu64, sc->numbers[r->tasks[i].task]);
      if (w > width)
        width = w;
    }
  for (size_t i = 0; i < r->ntasks; i++) {
    const gs_task_result *t = &r->tasks[i];
    if (t->task >= sc->ntasks) {
      fprintf(f, "  %*s  %" PRIu64 "  WRONG: no task %" PRIu64 " in the scenario\n", width, "?",
              t->value, t->task);
      continue;
    }
    uint64_t num = sc->numbers[t->task];
    uint64_t expect = least_factor(num);
    fprintf(f, "  %*" PRIu64 "  ", width, num);
    if (t->value == num)
      fputs("prime", f);
    else
      fprintf(f, "%" PRIu64, t->value);
    if (t->value != expect)
      fprintf(f, "  WRONG, expected %" PRIu64, expect);
    fputc('\n', f);
  }
}

static const char *plural(long long n) { return n == 1 ? "" : "s"; }
static const char *plural_u(uint64_t n) { return n == 1 ? "" : "s"; }

/* What only some models and workloads have: the asyncio event loop, the
 * download workload's network, the convoy workload's I/O thread. */
static void put_extras(FILE *f, const gs_scenario *sc, const gs_results *r)
{
  char a[32], b[32];
  if (r->model == GS_MODEL_ASYNCIO || r->loop.iterations) {
    const gs_loop_stats *l = &r->loop;
    fmt_dur(a, sizeof a, l->resumes ? l->lag_total / (gs_time)l->resumes : 0);
    fmt_dur(b, sizeof b, l->lag_max);
    fprintf(f, "Event loop: %" PRIu64 " iteration%s, %" PRIu64 " epoll_wait call%s, %" PRIu64
               " resume%s, lag mean %s, max %s\n", l->iterations, plural_u(l->iterations),
            l->epoll_waits, plural_u(l->epoll_waits), l->resumes, plural_u(l->resumes), a, b);
  }
  if (sc->workload == GS_WL_DOWNLOAD || r->net.requests) {
    const gs_net_stats *n = &r->net;
    fmt_dur(a, sizeof a, n->busy);
    fprintf(f, "Network: %" PRIu64 " request%s, %" PRIu64 " byte%s, at most %" PRIu64
               " in flight, busy %s\n", n->requests, plural_u(n->requests), n->bytes,
            plural_u(n->bytes), n->max_in_flight, a);
  }
  if (sc->workload == GS_WL_CONVOY || r->convoy_ops) {
    fmt_dur(a, sizeof a, r->convoy_time);
    fmt_dur(b, sizeof b, r->convoy_ops ? r->convoy_time / (gs_time)r->convoy_ops : 0);
    fprintf(f, "Convoy: %" PRIu64 " I/O operation%s in %s, %s each (%.1f per second)\n",
            r->convoy_ops, plural_u(r->convoy_ops), a, b,
            r->convoy_time > 0 ? (double)r->convoy_ops * 1e9 / (double)r->convoy_time : 0.0);
  }
}

static void put_gil_line(FILE *f, const gs_results *r)
{
  char b[32];
  fprintf(f, "GIL: %s \xe2\x80\x94 ", gil_name(r));
  switch (run_gil(r)) {
  case GS_GIL_NEW:
    gs_fmt_time(b, sizeof b, r->params.v[GS_P_SWITCH_INTERVAL] / 1e9);
    fprintf(f, "one thread of a process runs Python code at a time; switch interval %s\n", b);
    break;
  case GS_GIL_OLD:
    fprintf(f, "one thread of a process runs Python code at a time; released every %.15g ticks\n",
            r->params.v[GS_P_CHECK_INTERVAL]);
    break;
  default:
    fputs("threads of a process run in parallel\n", f);
    break;
  }
}

static const column gil_cols[] = {
  {"pid", false}, {"name", true}, {"acquired", false}, {"switches", false},
  {"drop req", false}, {"forced", false}, {"failed wake", false}, {"wait", false},
};

static void gil_cell(const gs_results *r, size_t row, size_t col, char *buf, size_t n)
{
  const gs_proc_result *p = &r->procs[row];
  switch (col) {
  case 0: snprintf(buf, n, "%d", p->pid); break;
  case 1: snprintf(buf, n, "%.*s", (int)sizeof p->name, p->name); break;
  case 2: snprintf(buf, n, "%" PRIu64, p->gil.acquisitions); break;
  case 3: snprintf(buf, n, "%" PRIu64, p->gil.switches); break;
  case 4: snprintf(buf, n, "%" PRIu64, p->gil.drop_requests); break;
  case 5: snprintf(buf, n, "%" PRIu64, p->gil.forced_switches); break;
  case 6: snprintf(buf, n, "%" PRIu64, p->gil.failed_wakeups); break;
  default: fmt_dur(buf, n, p->gil.wait); break;
  }
}

int gs_report_text(FILE *f, const gs_scenario *sc, const gs_results *r)
{
  char a[32], b[32], c[32];

  fprintf(f, "gilsim %s \xe2\x80\x94 scenario %s (%s)\n", GILSIM_VERSION,
          str_or_empty(sc->name), str_or_empty(sc->path));
  fprintf(f, "runtime %s, model %s, ", gs_runtime_name(r->runtime), gs_model_name(r->model));
  if (r->model != GS_MODEL_SEQUENTIAL)
    fprintf(f, "%d worker%s, ", r->workers, plural(r->workers));
  if (r->measured)
    fprintf(f, "%d core%s, measured on this machine, seed %" PRIu64 "\n", r->cores,
            plural(r->cores), r->seed);
  else
    fprintf(f, "%d core%s, scheduler %s, seed %" PRIu64 "\n", r->cores, plural(r->cores),
            gs_sched_name(r->sched), r->seed);
  put_gil_line(f, r);
  if (!r->measured)
    fprintf(f, "Calibration: %s\n",
            sc->calibration ? sc->calibration->path : "none \xe2\x80\x94 the built-in defaults");

  fputs("\nProcesses\n", f);
  put_table(f, proc_cols, NELEM(proc_cols), r->nprocs, proc_cell, r);
  fputs("\nThreads\n", f);
  put_table(f, thread_cols, NELEM(thread_cols), r->nthreads, thread_cell, r);
  /* A real CPython run has no GIL counters to show (the interpreter keeps
   * none); the C GIL of the harness does. */
  bool gil_counted = !r->measured;
  for (size_t i = 0; i < r->nprocs; i++)
    gil_counted |= r->procs[i].gil.acquisitions > 0;
  if (run_gil(r) != GS_GIL_NONE && gil_counted) {
    fputs("\nGIL per process\n", f);
    put_table(f, gil_cols, NELEM(gil_cols), r->nprocs, gil_cell, r);
  }
  if (!r->measured) {
    fputs("\nCores\n", f);
    put_table(f, core_cols, NELEM(core_cols), r->cores > 0 ? (size_t)r->cores : 0, core_cell, r);
  }
  fputc('\n', f);
  put_tasks(f, sc, r);
  put_extras(f, sc, r);
  if (!r->measured)
    fprintf(f, "\nEvents: %" PRIu64 "\n", r->events);

  /* Exactly IPython's %time lines. */
  gs_fmt_time(a, sizeof a, secs(r->user));
  gs_fmt_time(b, sizeof b, secs(r->sys));
  gs_fmt_time(c, sizeof c, secs(r->user + r->sys));
  fprintf(f, "\nCPU times: user %s, sys: %s, total: %s\n", a, b, c);
  gs_fmt_time(a, sizeof a, secs(r->wall));
  fprintf(f, "Wall time: %s\n", a);
  return finish(f);
}

/* ---- JSON -------------------------------------------------------------- */

static void put_json_string(FILE *f, const char *str)
{
  gs_json_put_string(f, str);
}

static void put_key(FILE *f, const char *key)
{
  put_json_string(f, key);
  fputs(": ", f);
}

/* "key": "string" / number / seconds, each preceded by a separator. */
static void kv_str(FILE *f, const char *sep, const char *key, const char *v)
{
  fputs(sep, f);
  put_key(f, key);
  put_json_string(f, v);
}

static void kv_int(FILE *f, const char *sep, const char *key, long long v)
{
  fputs(sep, f);
  put_key(f, key);
  fprintf(f, "%lld", v);
}

static void kv_u64(FILE *f, const char *sep, const char *key, uint64_t v)
{
  fputs(sep, f);
  put_key(f, key);
  fprintf(f, "%" PRIu64, v);
}

static void kv_secs(FILE *f, const char *sep, const char *key, gs_time ns)
{
  fputs(sep, f);
  put_key(f, key);
  put_secs(f, ns);
}

/* Separator before element i of an array laid out one element a line. */
static const char *elem_sep(size_t i) { return i ? ",\n    " : "\n    "; }

static void array_end(FILE *f, size_t n) { fputs(n ? "\n  ]" : "]", f); }

/* A fixed-size name field as a C string, even if it fills the field. */
#define NAME_STR(buf, field) (snprintf(buf, sizeof buf, "%.*s", (int)sizeof(field), field), buf)

int gs_report_json(FILE *f, const gs_scenario *sc, const gs_results *r)
{
  static const char top[] = ",\n  ";
  char num[40], name[40];

  fputs("{\n", f);
  kv_str(f, "  ", "gilsim", GILSIM_VERSION);
  kv_str(f, top, "scenario", sc->name);
  kv_str(f, top, "file", sc->path);
  kv_str(f, top, "runtime", gs_runtime_name(r->runtime));
  kv_str(f, top, "model", gs_model_name(r->model));
  kv_str(f, top, "scheduler", gs_sched_name(r->sched));
  if (!r->measured) {
    if (sc->calibration) {
      kv_str(f, top, "calibration", sc->calibration->path);
    } else {
      fputs(top, f);
      put_key(f, "calibration");
      fputs("null", f);
    }
  }
  /* The GIL of the run: its mode and its statistics summed over processes
   * (each process has its own GIL; "processes" has them one by one). */
  gs_gil_stats gs = {0};
  for (size_t i = 0; i < r->nprocs; i++) {
    gs.acquisitions += r->procs[i].gil.acquisitions;
    gs.switches += r->procs[i].gil.switches;
    gs.drop_requests += r->procs[i].gil.drop_requests;
    gs.forced_switches += r->procs[i].gil.forced_switches;
    gs.failed_wakeups += r->procs[i].gil.failed_wakeups;
    gs.wait += r->procs[i].gil.wait;
  }
  fputs(top, f);
  put_key(f, "gil");
  kv_str(f, "{", "mode", gil_name(r));
  kv_u64(f, ", ", "acquisitions", gs.acquisitions);
  kv_u64(f, ", ", "switches", gs.switches);
  kv_u64(f, ", ", "drop_requests", gs.drop_requests);
  kv_u64(f, ", ", "forced_switches", gs.forced_switches);
  kv_u64(f, ", ", "failed_wakeups", gs.failed_wakeups);
  kv_secs(f, ", ", "wait_s", gs.wait);
  fputc('}', f);
  kv_int(f, top, "cores", r->cores);
  kv_int(f, top, "workers", r->workers);
  kv_u64(f, top, "seed", r->seed);
  kv_secs(f, top, "wall_s", r->wall);
  kv_secs(f, top, "user_s", r->user);
  kv_secs(f, top, "sys_s", r->sys);
  kv_u64(f, top, "events", r->events);

  fputs(top, f);
  put_key(f, "params");
  fputc('{', f);
  for (int i = 0; i < GS_P_COUNT; i++) {
    const gs_param_info *pi = gs_param_info_get((gs_param_id)i);
    fputs(elem_sep((size_t)i), f);
    put_key(f, pi->name);
    fmt_number(num, sizeof num, r->params.v[i]);
    fputs(num, f);
  }
  fputs("\n  }", f);

  fputs(top, f);
  put_key(f, "processes");
  fputc('[', f);
  for (size_t i = 0; i < r->nprocs; i++) {
    const gs_proc_result *p = &r->procs[i];
    fputs(elem_sep(i), f);
    kv_int(f, "{", "pid", p->pid);
    kv_int(f, ", ", "parent", p->parent);
    kv_str(f, ", ", "name", NAME_STR(name, p->name));
    kv_int(f, ", ", "threads", p->nthreads);
    kv_secs(f, ", ", "user_s", p->user);
    kv_secs(f, ", ", "sys_s", p->sys);
    kv_secs(f, ", ", "started_s", p->started);
    kv_secs(f, ", ", "ended_s", p->ended);
    fputs(", ", f);
    put_key(f, "gil");
    kv_u64(f, "{", "acquisitions", p->gil.acquisitions);
    kv_u64(f, ", ", "switches", p->gil.switches);
    kv_u64(f, ", ", "drop_requests", p->gil.drop_requests);
    kv_u64(f, ", ", "forced_switches", p->gil.forced_switches);
    kv_u64(f, ", ", "failed_wakeups", p->gil.failed_wakeups);
    kv_secs(f, ", ", "wait_s", p->gil.wait);
    fputs("}}", f);
  }
  array_end(f, r->nprocs);

  fputs(top, f);
  put_key(f, "threads");
  fputc('[', f);
  for (size_t i = 0; i < r->nthreads; i++) {
    const gs_thread_result *t = &r->threads[i];
    fputs(elem_sep(i), f);
    kv_int(f, "{", "tid", t->tid);
    kv_int(f, ", ", "pid", t->pid);
    kv_str(f, ", ", "name", NAME_STR(name, t->name));
    kv_secs(f, ", ", "user_s", t->user);
    kv_secs(f, ", ", "sys_s", t->sys);
    kv_secs(f, ", ", "runnable_s", t->runnable);
    kv_secs(f, ", ", "blocked_s", t->blocked);
    kv_u64(f, ", ", "nvcsw", t->nvcsw);
    kv_u64(f, ", ", "nivcsw", t->nivcsw);
    kv_u64(f, ", ", "migrations", t->migrations);
    kv_u64(f, ", ", "tasks", t->tasks);
    kv_secs(f, ", ", "created_s", t->created);
    kv_secs(f, ", ", "ended_s", t->ended);
    kv_u64(f, ", ", "gil_acquisitions", t->gil_acquisitions);
    kv_secs(f, ", ", "gil_wait_s", t->gil_wait);
    kv_secs(f, ", ", "gil_wait_max_s", t->gil_wait_max);
    fputc('}', f);
  }
  array_end(f, r->nthreads);

  size_t ncores = r->cores > 0 ? (size_t)r->cores : 0;
  fputs(top, f);
  put_key(f, "core_usage");
  fputc('[', f);
  for (size_t i = 0; i < ncores; i++) {
    const gs_core_result *c = &r->core[i];
    fputs(elem_sep(i), f);
    kv_u64(f, "{", "core", i);
    fputs(", ", f);
    put_key(f, "busy");
    fprintf(f, "%.6f", busy_share(r, i));
    kv_secs(f, ", ", "user_s", c->busy_user);
    kv_secs(f, ", ", "sys_s", c->busy_sys);
    kv_u64(f, ", ", "switches", c->switches);
    fputc('}', f);
  }
  array_end(f, ncores);

  fputs(top, f);
  put_key(f, "tasks");
  fputc('[', f);
  for (size_t i = 0; i < r->ntasks; i++) {
    const gs_task_result *t = &r->tasks[i];
    fputs(elem_sep(i), f);
    kv_u64(f, "{", "task", t->task);
    kv_u64(f, ", ", "value", t->value);
    kv_int(f, ", ", "tid", t->tid);
    kv_secs(f, ", ", "started_s", t->started);
    kv_secs(f, ", ", "finished_s", t->finished);
    fputc('}', f);
  }
  array_end(f, r->ntasks);

  fputs(top, f);
  put_key(f, "loop");
  kv_u64(f, "{", "iterations", r->loop.iterations);
  kv_u64(f, ", ", "epoll_waits", r->loop.epoll_waits);
  kv_u64(f, ", ", "resumes", r->loop.resumes);
  kv_secs(f, ", ", "lag_total_s", r->loop.lag_total);
  kv_secs(f, ", ", "mean_lag_s", r->loop.resumes ? r->loop.lag_total / (gs_time)r->loop.resumes : 0);
  kv_secs(f, ", ", "max_lag_s", r->loop.lag_max);
  fputc('}', f);
  fputs(top, f);
  put_key(f, "net");
  kv_u64(f, "{", "requests", r->net.requests);
  kv_u64(f, ", ", "bytes", r->net.bytes);
  kv_u64(f, ", ", "max_in_flight", r->net.max_in_flight);
  kv_secs(f, ", ", "busy_s", r->net.busy);
  fputc('}', f);
  fputs(top, f);
  put_key(f, "convoy");
  kv_u64(f, "{", "ops", r->convoy_ops);
  kv_secs(f, ", ", "time_s", r->convoy_time);
  fputs(", ", f);
  put_key(f, "ops_per_s");
  fprintf(f, "%.3f", r->convoy_time > 0 ? (double)r->convoy_ops * 1e9 / (double)r->convoy_time : 0.0);
  fputc('}', f);
  fputs("\n}\n", f);
  return finish(f);
}

/* ---- CSV --------------------------------------------------------------- */

typedef struct {
  uint64_t nvcsw, nivcsw, migrations;
} thread_sums;

static thread_sums sum_threads(const gs_results *r)
{
  thread_sums s = {0, 0, 0};
  for (size_t i = 0; i < r->nthreads; i++) {
    s.nvcsw += r->threads[i].nvcsw;
    s.nivcsw += r->threads[i].nivcsw;
    s.migrations += r->threads[i].migrations;
  }
  return s;
}

/* A column's value: a string owned elsewhere, or one formatted in buf. */
typedef const char *(*csv_fn)(char *buf, size_t n, const gs_scenario *sc, const gs_results *r);

#define CSV_STR(fn, expr) \
  static const char *fn(char *buf, size_t n, const gs_scenario *sc, const gs_results *r) \
  { (void)buf, (void)n, (void)sc, (void)r; return str_or_empty(expr); }
#define CSV_FMT(fn, fmt, expr) \
  static const char *fn(char *buf, size_t n, const gs_scenario *sc, const gs_results *r) \
  { (void)sc, (void)r; snprintf(buf, n, fmt, expr); return buf; }
#define CSV_SECS(fn, expr) \
  static const char *fn(char *buf, size_t n, const gs_scenario *sc, const gs_results *r) \
  { (void)sc, (void)r; fmt_secs(buf, n, expr); return buf; }

CSV_STR(csv_scenario, sc->name)
CSV_STR(csv_file, sc->path)
CSV_STR(csv_runtime, gs_runtime_name(r->runtime))
CSV_STR(csv_model, gs_model_name(r->model))
CSV_STR(csv_sched, gs_sched_name(r->sched))
CSV_STR(csv_gil, gil_name(r))
CSV_FMT(csv_cores, "%d", r->cores)
CSV_FMT(csv_workers, "%d", r->workers)
CSV_FMT(csv_seed, "%" PRIu64, r->seed)
CSV_SECS(csv_wall, r->wall)
CSV_SECS(csv_user, r->user)
CSV_SECS(csv_sys, r->sys)
CSV_FMT(csv_events, "%" PRIu64, r->events)
CSV_FMT(csv_nvcsw, "%" PRIu64, sum_threads(r).nvcsw)
CSV_FMT(csv_nivcsw, "%" PRIu64, sum_threads(r).nivcsw)
CSV_FMT(csv_migrations, "%" PRIu64, sum_threads(r).migrations)

/* The one list of CSV columns: header names and how to fill them. */
static const struct {
  const char *name;
  csv_fn value;
} csv_columns[] = {
  {"scenario", csv_scenario}, {"file", csv_file},     {"runtime", csv_runtime},
  {"model", csv_model},       {"scheduler", csv_sched}, {"gil", csv_gil},
  {"cores", csv_cores},       {"workers", csv_workers}, {"seed", csv_seed},
  {"wall_s", csv_wall},       {"user_s", csv_user},   {"sys_s", csv_sys},
  {"events", csv_events},     {"nvcsw", csv_nvcsw},   {"nivcsw", csv_nivcsw},
  {"migrations", csv_migrations},
};


int gs_report_csv_header(FILE *f)
{
  for (size_t i = 0; i < NELEM(csv_columns); i++) {
    if (i)
      fputc(',', f);
    cli_csv_field(f, csv_columns[i].name);
  }
  fputc('\n', f);
  return finish(f);
}

int gs_report_csv_row(FILE *f, const gs_scenario *sc, const gs_results *r)
{
  char buf[64];
  for (size_t i = 0; i < NELEM(csv_columns); i++) {
    if (i)
      fputc(',', f);
    cli_csv_field(f, csv_columns[i].value(buf, sizeof buf, sc, r));
  }
  fputc('\n', f);
  return finish(f);
}
