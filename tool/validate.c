/*
 * validate.c - gilsim validate: run each configuration of a matrix both
 * ways, simulated with this host's calibration and measured for real, and
 * report how far apart they are.
 *
 *   gilsim validate [FILES] [--cores LIST] [--workers LIST] [--models LIST]
 *                   [--repeat R] [--csv FILE] [--plot FILE] [--calibration FILE]
 *
 * FILES are scenario files (default: every .cfg file in scenarios/validation).
 * Each expands into the configurations that apply to its workload and
 * runtime: sequential; threads under each GIL the runtime has (c: none,
 * new, old; cpython: new) for CPU-bound workloads, under the runtime's
 * default GIL for I/O-bound ones; processes; asyncio for I/O-bound
 * workloads — each at every core count of --cores and, for pools, every
 * worker count of --workers.  A configuration the harness cannot measure
 * is skipped and counted.
 *
 * The table goes to stdout once every configuration has run; the CSV and
 * the plot are checked before the first run and written (temporary file,
 * then rename) at the end, so an interrupted validation leaves every file
 * as it was (output.h, guard.h).
 */
#define _GNU_SOURCE

#include "cli.h"
#include "output.h"
#include "plot.h"
#include "stats.h"
#include "harness.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef GILSIM_SCENARIO_DIR
#error "GILSIM_SCENARIO_DIR must name the project's scenarios/ folder (the build sets it)"
#endif

/* Targets on this host (README): |wall error| median, 90th percentile,
 * maximum; |user error| median. */
#define TARGET_WALL_MEDIAN 5.0
#define TARGET_WALL_P90 10.0
#define TARGET_WALL_MAX 25.0
#define TARGET_USER_MEDIAN 10.0
/* User time is compared where it is a real share of the run: at least
 * this fraction of the measured wall time.  Below it (sleeping and
 * downloading runs: a few ms of start-up and bookkeeping) a relative error
 * measures noise, not the model. */
#define USER_SHARE_MIN 0.10

#define MAX_CONFIGS 20000

/* The host check: before each real run, the harness's own C loops (what
 * 'gilsim calibrate' times as runtime c's div and countdown_step) on each
 * CPU in turn, a few ms each: trial division of PROBE_PRIME (5,000,000
 * divisions) and PROBE_STEPS countdown steps.  On a shared host these
 * loops' speeds drift apart from each other and from the calibration's (the
 * countdown's store-to-load loop has run at 0.28 and at 0.55 ns a step on
 * the same virtual machine, minutes apart, while the division held still).
 * A C row whose median, for the loop its workload runs, is further than
 * HOST_DRIFT_MAX from the calibration's was measured on a host running that
 * loop at another speed than the one calibrated: marked, and counted. */
#define PROBE_PRIME 100000000000031ULL
#define PROBE_STEPS 20000000
#define HOST_DRIFT_MAX 0.10
enum { PROBE_DIV, PROBE_STEP, NPROBE };

static const char validate_usage[] =
  "usage: gilsim validate [FILE...] [--cores LIST] [--workers LIST] [--models LIST]\n"
  "                       [--repeat R] [--csv FILE] [--plot FILE]\n"
  "                       [--calibration FILE|none]\n";

static void validate_help(FILE *f)
{
  fputs("\nRun every configuration of the validation matrix twice: simulated (with\n"
        "this host's calibration) and measured for real on this machine (as\n"
        "'gilsim measure' does), and print a table of measured and simulated\n"
        "wall, user and sys time with the error of each, (simulated - measured)\n"
        "/ measured, then the median, 90th percentile and maximum absolute error.\n"
        "The matrix is measured R times over, in rounds, and each configuration's\n"
        "median kept: a burst of load from elsewhere disturbs one round's sample.\n"
        "Before each real run the host's speed is checked (a few ms of each of\n"
        "the harness's C loops, division and countdown, on each CPU); C CPU-bound\n"
        "rows measured while their loop ran more than 10 % off the calibrated\n"
        "speed are marked '~' in the host column and counted.\n\n"
        "FILE... are scenario files; without any, every scenarios/validation/*.cfg\n"
        "(the shipped matrix).  Each expands into the configurations that apply:\n"
        "sequential; threads (CPU-bound workloads: under each GIL of the runtime,\n"
        "c: none, new and old, cpython: new); processes; asyncio (I/O-bound\n"
        "workloads); at each core count and, for pools, each worker count.\n\n"
        "Options:\n"
        "  --cores LIST       core counts, e.g. 1,2 or 1-4 (default: every count\n"
        "                     from 1 to the CPUs this machine lets a run use)\n"
        "  --workers LIST     worker counts of thread and process pools (default\n"
        "                     1,2,4)\n"
        "  --models LIST      only these models, e.g. threads,processes\n"
        "  --repeat R         real repetitions of each configuration (default 5: on\n"
        "                     a shared host, 3 left a slow minute in too many medians)\n"
        "  --csv FILE         also write one row per configuration to FILE\n"
        "  --plot FILE        plot simulated against measured wall time (log-log,\n"
        "                     y = x, a +-10 % band, a colour per model): FILE.png\n"
        "                     or FILE.svg, or both when FILE has neither ending\n"
        "  --calibration F    the calibration of the simulated side (default: this\n"
        "                     host's data/calibration/HOST.cfg)\n"
        "  -h, --help         show this help and exit\n\n"
        "A progress bar goes to stderr when it is a terminal.  Targets on the\n"
        "host that ships its report: median |wall error| <= 5 %, 90th percentile\n"
        "<= 10 %, maximum <= 25 %, median |user error| <= 10 % (user time compared\n"
        "where it is at least 10 % of the measured wall time).\n\n"
        "Exit status: 0 every configuration ran (whether or not the targets were\n"
        "met); 1 a measurement or simulation failed, or a file could not be\n"
        "written; 2 bad command line or scenario, or a --csv or --plot FILE that\n"
        "cannot be written (refused before the first run).  Killed by ^C,\n"
        "SIGTERM or SIGHUP, it first kills the processes it started and leaves\n"
        "every FILE as it was.\n",
        f);
}

enum { OPT_V_PLOT = CLI_EXTRA_BASE };

static const struct option validate_options[] = {
  {"cores", required_argument, NULL, CLI_LIST_CORES},
  {"workers", required_argument, NULL, CLI_LIST_WORKERS},
  {"models", required_argument, NULL, CLI_LIST_MODELS},
  {"plot", required_argument, NULL, OPT_V_PLOT},
  {NULL, 0, NULL, 0},
};

typedef struct {
  cli_lists l;
  const char *plot;
} vopts;

static int validate_option(void *ctx, int val, const char *arg, const cli_command *cmd)
{
  vopts *o = ctx;
  switch (val) {
  case CLI_LIST_CORES:
  case CLI_LIST_WORKERS:
  case CLI_LIST_MODELS:
    return cli_list_option(cmd, val, arg, &o->l);
  case OPT_V_PLOT:
    if (!*arg || arg[strlen(arg) - 1] == '/')
      return cli_usage_error(cmd, "--plot: expected a file name, got '%s'", arg);
    o->plot = arg;
    return 0;
  }
  return cli_usage_error(cmd, "internal error: option %d", val);
}

/* ---- The matrix ------------------------------------------------------------ */

typedef struct {
  const char *file;
  char name[64];
  int runtime, model, gil, cores, workers;
  int show_workers; /* 0: the model has no pool size to speak of */
  /* results */
  int ok;
  char why[1200];
  double mw, mw_min, mw_max, mu, ms; /* measured medians, s */
  double sw, su, ss;                 /* simulated, s */
  /* while it runs */
  gs_scenario *sc;
  int simulated;    /* simulated, and no measurement has failed */
  double *samples;  /* wall, user, sys, host div, host step of each round: 5 x repeat */
  int nsamples;
  int loop;         /* the probe of the loop its workload runs, or -1 */
  double probe[NPROBE];                  /* median ns just before its runs */
  double probe_lo[NPROBE], probe_hi[NPROBE]; /* and the fastest and slowest */
} vconfig;

typedef struct {
  vconfig *v;
  int n, cap;
  int skipped;
  char skip_why[1200];
} vmatrix;

static int cpu_bound(gs_workload w) { return w == GS_WL_PRIMES || w == GS_WL_COUNTDOWN; }
static int io_bound(gs_workload w) { return w == GS_WL_SLEEP || w == GS_WL_DOWNLOAD; }

static int model_wanted(const vopts *o, int m)
{
  if (o->l.nmodels == 0)
    return 1;
  for (int i = 0; i < o->l.nmodels; i++)
    if (o->l.models[i] == m)
      return 1;
  return 0;
}

/* Add one configuration if it can be measured here; 0 or -1 (no memory). */
static int add_config(vmatrix *mx, const run_args *a, const char *file, const gs_scenario *base,
                      int model, int gil, int cores, int workers, int show_workers)
{
  gs_scenario *sc = NULL;
  run_args b = *a;
  b.model = model;
  b.gil = gil;
  b.cores = cores;
  b.workers = workers;
  b.calibration = "none";
  if (cli_load_scenario(&b, file, &sc, 1) != 0)
    return -1;
  gs_error err = {{0}};
  gs_err e = measure_check(sc, &err);
  gs_scenario_free(sc);
  if (e != GS_OK) {
    mx->skipped++;
    snprintf(mx->skip_why, sizeof mx->skip_why, "%s, %s %s: %s", base->name,
             gs_runtime_name(base->runtime), gs_model_name((gs_model)model), err.msg);
    return 0;
  }
  if (mx->n == mx->cap) {
    int cap = mx->cap ? mx->cap * 2 : 64;
    if (cap > MAX_CONFIGS)
      return -1;
    vconfig *v = realloc(mx->v, sizeof *v * (size_t)cap);
    if (!v)
      return -1;
    mx->v = v;
    mx->cap = cap;
  }
  vconfig *c = &mx->v[mx->n++];
  memset(c, 0, sizeof *c);
  c->file = file;
  snprintf(c->name, sizeof c->name, "%s", base->name);
  c->runtime = base->runtime;
  c->model = model;
  c->gil = gs_gil_effective((gs_gil)gil, base->runtime);
  c->cores = cores;
  c->workers = workers;
  c->show_workers = show_workers;
  c->loop = -1;
  if (base->runtime == GS_RT_C) {
    if (base->workload == GS_WL_PRIMES)
      c->loop = PROBE_DIV;
    else if (base->workload == GS_WL_COUNTDOWN || base->workload == GS_WL_CONVOY)
      c->loop = PROBE_STEP;
  }
  return 0;
}

/* Every configuration of one scenario file; 0 or an exit status. */
static int expand(vmatrix *mx, const run_args *a, const vopts *o, const char *file)
{
  gs_scenario *base = NULL;
  run_args b = *a;
  b.calibration = "none";
  int status = cli_load_scenario(&b, file, &base, 1);
  if (status)
    return status;
  gs_workload w = base->workload;
  int gils[3], ngils = 0;
  if (cpu_bound(w) || w == GS_WL_CONVOY) {
    if (base->runtime == GS_RT_C) {
      gils[ngils++] = GS_GIL_NONE;
      gils[ngils++] = GS_GIL_NEW;
      gils[ngils++] = GS_GIL_OLD;
    } else {
      gils[ngils++] = GS_GIL_NEW;
    }
  } else {
    gils[ngils++] = GS_GIL_DEFAULT;
  }
  int rc = 0;
  for (int ci = 0; ci < o->l.ncores && rc == 0; ci++) {
    int cores = o->l.cores[ci];
    if (w == GS_WL_CONVOY) { /* its own threads: the I/O thread and the CPU-bound ones */
      for (int g = 0; g < ngils && rc == 0; g++)
        if (model_wanted(o, GS_MODEL_THREADS))
          rc = add_config(mx, a, file, base, GS_MODEL_THREADS, gils[g], cores,
                          (int)base->ntasks, 0);
      continue;
    }
    if (model_wanted(o, GS_MODEL_SEQUENTIAL))
      rc = add_config(mx, a, file, base, GS_MODEL_SEQUENTIAL, GS_GIL_DEFAULT, cores, 1, 0);
    for (int g = 0; g < ngils && rc == 0; g++)
      for (int wi = 0; wi < o->l.nworkers && rc == 0; wi++)
        if (model_wanted(o, GS_MODEL_THREADS))
          rc = add_config(mx, a, file, base, GS_MODEL_THREADS, gils[g], cores, o->l.workers[wi], 1);
    for (int wi = 0; wi < o->l.nworkers && rc == 0; wi++)
      if (model_wanted(o, GS_MODEL_PROCESSES))
        rc = add_config(mx, a, file, base, GS_MODEL_PROCESSES, GS_GIL_DEFAULT, cores,
                        o->l.workers[wi], 1);
    if (io_bound(w) && rc == 0 && model_wanted(o, GS_MODEL_ASYNCIO))
      rc = add_config(mx, a, file, base, GS_MODEL_ASYNCIO, GS_GIL_DEFAULT, cores, 1, 0);
  }
  gs_scenario_free(base);
  if (rc != 0) {
    fprintf(stderr, "gilsim: validate: %s\n",
            mx->n >= MAX_CONFIGS ? "too many configurations" : "out of memory");
    return EXIT_FAIL;
  }
  return 0;
}

static int cmp_str(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The shipped matrix: every .cfg in scenarios/validation (here, else in
 * the source tree), sorted.  Returns the count, or -1. */
static int default_files(char ***out, char *dir, size_t ndir)
{
  struct stat st;
  snprintf(dir, ndir, "scenarios/validation");
  if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
    snprintf(dir, ndir, "%s/validation", GILSIM_SCENARIO_DIR);
  DIR *d = opendir(dir);
  if (!d)
    return -1;
  char **names = NULL;
  int n = 0, cap = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    size_t len = strlen(e->d_name);
    if (len < 5 || strcmp(e->d_name + len - 4, ".cfg") != 0)
      continue;
    if (n == cap) {
      cap = cap ? cap * 2 : 16;
      char **bigger = realloc(names, sizeof *names * (size_t)cap);
      if (!bigger)
        break;
      names = bigger;
    }
    size_t need = strlen(dir) + len + 2;
    if (!(names[n] = malloc(need)))
      break;
    snprintf(names[n], need, "%s/%s", dir, e->d_name);
    n++;
  }
  closedir(d);
  if (n > 1)
    qsort(names, (size_t)n, sizeof *names, cmp_str);
  *out = names;
  return n;
}

/* ---- Running ---------------------------------------------------------------- */

static void config_label(const vconfig *c, char *buf, size_t n)
{
  if (c->show_workers)
    snprintf(buf, n, "%s %s %s/%s %dc %dw", c->name, gs_runtime_name((gs_runtime)c->runtime),
             gs_model_name((gs_model)c->model), gs_gil_name((gs_gil)c->gil), c->cores,
             c->workers);
  else
    snprintf(buf, n, "%s %s %s/%s %dc", c->name, gs_runtime_name((gs_runtime)c->runtime),
             gs_model_name((gs_model)c->model), gs_gil_name((gs_gil)c->gil), c->cores);
}

/* Load and simulate one configuration; keeps its scenario in c for the
 * measuring rounds.  0, or an exit status for a failure that ends the
 * validation (a bad scenario). */
static int simulate_config(vconfig *c, const run_args *a, int repeat)
{
  run_args b = *a;
  b.model = c->model;
  b.gil = c->gil;
  b.cores = c->cores;
  b.workers = c->workers;
  int status = cli_load_scenario(&b, c->file, &c->sc, 1);
  if (status)
    return status;
  c->samples = calloc((3 + NPROBE) * (size_t)repeat, sizeof *c->samples);
  if (!c->samples) {
    snprintf(c->why, sizeof c->why, "out of memory");
    return 0;
  }
  gs_error err = {{0}};
  gs_results *r = NULL;
  if (gs_run(c->sc, &r, &err) != GS_OK) {
    snprintf(c->why, sizeof c->why, "simulation failed: %s", err.msg);
    return 0;
  }
  c->sw = (double)r->wall / 1e9;
  c->su = (double)r->user / 1e9;
  c->ss = (double)r->sys / 1e9;
  gs_results_free(r);
  c->simulated = 1;
  return 0;
}

static void probe_once(double *ns)
{
  double t0 = cli_now();
  uint64_t f = gsh_least_factor(PROBE_PRIME);
  double t1 = cli_now();
  gsh_countdown(PROBE_STEPS);
  double t2 = cli_now();
  uint64_t r = 10000000; /* isqrt(PROBE_PRIME): odd divisors 3..r */
  ns[PROBE_DIV] = f == PROBE_PRIME ? (t1 - t0) * 1e9 / (double)((r - 3) / 2 + 1) : NAN;
  ns[PROBE_STEP] = (t2 - t1) * 1e9 / PROBE_STEPS;
}

/* ns per division and per countdown step of the harness's C loops, now
 * (the host check): the mean over the CPUs this process may use, each
 * timed in turn with the process pinned to it (on a shared host one CPU
 * can run at half the speed of the other), the process's own CPU set put
 * back afterwards. */
static void probe_host(double *ns)
{
  cpu_set_t all;
  int n = 0;
  double sum[NPROBE] = {0};
  if (sched_getaffinity(0, sizeof all, &all) == 0) {
    for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
      if (!CPU_ISSET(cpu, &all))
        continue;
      cpu_set_t one;
      CPU_ZERO(&one);
      CPU_SET(cpu, &one);
      if (sched_setaffinity(0, sizeof one, &one) != 0)
        continue;
      double v[NPROBE];
      probe_once(v);
      for (int k = 0; k < NPROBE; k++)
        sum[k] += v[k];
      n++;
    }
    sched_setaffinity(0, sizeof all, &all);
  }
  if (n == 0) { /* no CPU set to read or pin to: wherever it runs */
    probe_once(ns);
    return;
  }
  for (int k = 0; k < NPROBE; k++)
    ns[k] = sum[k] / n;
}

/* One real run of a simulated configuration, its times kept as sample
 * number c->nsamples, with the host check just before it. */
static void measure_config(vconfig *c, int repeat)
{
  double ns[NPROBE];
  probe_host(ns);
  for (int k = 0; k < NPROBE; k++)
    c->samples[(3 + k) * repeat + c->nsamples] = ns[k];
  gs_error err = {{0}};
  gs_results *m = NULL;
  if (measure_once(c->sc, &m, &err) != GS_OK) {
    snprintf(c->why, sizeof c->why, "measurement failed: %s", err.msg);
    c->simulated = 0;
    return;
  }
  c->samples[c->nsamples] = (double)m->wall / 1e9;
  c->samples[repeat + c->nsamples] = (double)m->user / 1e9;
  c->samples[2 * repeat + c->nsamples] = (double)m->sys / 1e9;
  c->nsamples++;
  gs_results_free(m);
}

/* The medians of a configuration measured in every round. */
static void conclude_config(vconfig *c, int repeat)
{
  if (!c->simulated || c->nsamples != repeat)
    return;
  const double *w = c->samples, *u = w + repeat, *s = u + repeat;
  c->mw = vs_median(w, repeat);
  c->mw_min = vs_percentile(w, repeat, 0);
  c->mw_max = vs_percentile(w, repeat, 100);
  c->mu = vs_median(u, repeat);
  c->ms = vs_median(s, repeat);
  for (int k = 0; k < NPROBE; k++) {
    const double *h = c->samples + (3 + k) * repeat;
    c->probe[k] = vs_median(h, repeat);
    c->probe_lo[k] = vs_percentile(h, repeat, 0);
    c->probe_hi[k] = vs_percentile(h, repeat, 100);
  }
  c->ok = 1;
}

static void config_free(vconfig *c)
{
  gs_scenario_free(c->sc);
  c->sc = NULL;
  free(c->samples);
  c->samples = NULL;
}

/* ---- Output ------------------------------------------------------------------ */

static void put_err(FILE *f, double e)
{
  if (isnan(e))
    fprintf(f, " %7s", "-");
  else
    fprintf(f, " %+6.1f%%", e);
}

/* How far the host's speed during c's runs was from the calibration's, for
 * the loop c's workload runs, as the relative change of its ns (+ is
 * slower); NAN where no loop applies (I/O-bound and CPython rows). */
static double host_drift(const vconfig *c, const double *cal)
{
  if (!c->ok || c->loop < 0)
    return NAN;
  double had = cal[c->loop], now = c->probe[c->loop];
  return had > 0 && now > 0 ? now / had - 1 : NAN;
}

static int drifted(const vconfig *c, const double *cal)
{
  double d = host_drift(c, cal);
  return !isnan(d) && fabs(d) > HOST_DRIFT_MAX;
}

static void put_table(FILE *f, const vmatrix *mx, const double *cal)
{
  int wn = 8;
  for (int i = 0; i < mx->n; i++) {
    int k = (int)strlen(mx->v[i].name);
    if (k > wn)
      wn = k;
  }
  fprintf(f, "%-*s %-7s %-4s %-10s %5s %7s |%9s %9s %7s |%9s %9s %7s |%9s %9s %7s | %s\n", wn,
          "scenario", "runtime", "gil", "model", "cores", "workers", "wall meas", "sim",
          "error", "user meas", "sim", "error", "sys meas", "sim", "error", "host");
  for (int i = 0; i < mx->n; i++) {
    const vconfig *c = &mx->v[i];
    char wk[16];
    if (c->show_workers)
      snprintf(wk, sizeof wk, "%d", c->workers);
    else
      snprintf(wk, sizeof wk, "-");
    fprintf(f, "%-*s %-7s %-4s %-10s %5d %7s |", wn, c->name,
            gs_runtime_name((gs_runtime)c->runtime), gs_gil_name((gs_gil)c->gil),
            gs_model_name((gs_model)c->model), c->cores, wk);
    if (!c->ok) {
      fprintf(f, " %s\n", c->why[0] ? c->why : "not run");
      continue;
    }
    fprintf(f, "%9.3f %9.3f", c->mw, c->sw);
    put_err(f, vs_error_pct(c->sw, c->mw));
    fprintf(f, " |%9.3f %9.3f", c->mu, c->su);
    put_err(f, vs_error_pct(c->su, c->mu));
    fprintf(f, " |%9.3f %9.3f", c->ms, c->ss);
    put_err(f, vs_error_pct(c->ss, c->ms));
    double d = host_drift(c, cal);
    if (isnan(d))
      fputs(" | -\n", f);
    else
      fprintf(f, " | %+.0f%%%s\n", 100 * d, drifted(c, cal) ? " ~" : "");
  }
}

typedef struct {
  int n, nuser;
  double wall_med, wall_p90, wall_max, user_med, user_p90, sys_med;
  /* The host check: the calibration's ns, and the median, fastest and
   * slowest measured before the runs, for each loop. */
  double cal[NPROBE], med[NPROBE], lo[NPROBE], hi[NPROBE];
  int nchecked, ndrift; /* rows with a loop to check; those off the calibration */
} vsummary;

static vsummary summarise(const vmatrix *mx, const double *cal)
{
  vsummary s = {0};
  for (int k = 0; k < NPROBE; k++) {
    s.cal[k] = cal[k];
    s.lo[k] = INFINITY;
    s.hi[k] = -INFINITY;
  }
  double *w = malloc(sizeof *w * (size_t)(mx->n + 1));
  double *u = malloc(sizeof *u * (size_t)(mx->n + 1));
  double *y = malloc(sizeof *y * (size_t)(mx->n + 1));
  if (!w || !u || !y) {
    free(w), free(u), free(y);
    s.wall_med = s.wall_p90 = s.wall_max = s.user_med = s.user_p90 = s.sys_med = NAN;
    return s;
  }
  for (int i = 0; i < mx->n; i++) {
    const vconfig *c = &mx->v[i];
    if (!c->ok)
      continue;
    w[s.n] = fabs(vs_error_pct(c->sw, c->mw));
    y[s.n] = fabs(vs_error_pct(c->ss, c->ms));
    s.n++;
    s.nchecked += !isnan(host_drift(c, cal));
    s.ndrift += drifted(c, cal);
    for (int k = 0; k < NPROBE; k++) {
      s.lo[k] = fmin(s.lo[k], c->probe_lo[k]);
      s.hi[k] = fmax(s.hi[k], c->probe_hi[k]);
    }
    if (c->mu >= USER_SHARE_MIN * c->mw)
      u[s.nuser++] = fabs(vs_error_pct(c->su, c->mu));
  }
  s.wall_med = vs_median(w, s.n);
  s.wall_p90 = vs_percentile(w, s.n, 90);
  s.wall_max = vs_percentile(w, s.n, 100);
  s.user_med = vs_median(u, s.nuser);
  s.user_p90 = vs_percentile(u, s.nuser, 90);
  s.sys_med = vs_median(y, s.n);
  for (int k = 0; k < NPROBE; k++) {
    int m = 0;
    for (int i = 0; i < mx->n; i++)
      if (mx->v[i].ok)
        y[m++] = mx->v[i].probe[k];
    s.med[k] = vs_median(y, m);
  }
  free(w), free(u), free(y);
  return s;
}

static const char *verdict(double v, double target) { return v <= target ? "met" : "MISSED"; }

static void put_summary(FILE *f, const vsummary *s, const vmatrix *mx)
{
  fprintf(f, "\n%d configuration%s compared", s->n, s->n == 1 ? "" : "s");
  if (mx->n > s->n)
    fprintf(f, ", %d failed", mx->n - s->n);
  if (mx->skipped)
    fprintf(f, ", %d skipped (cannot be measured here, e.g. %s)", mx->skipped, mx->skip_why);
  fputs(".\n", f);
  if (s->n == 0)
    return;
  fprintf(f, "Wall time |error|: median %.1f %%, 90th percentile %.1f %%, max %.1f %%"
             "  (targets %.0f / %.0f / %.0f %%: %s / %s / %s)\n",
          s->wall_med, s->wall_p90, s->wall_max, TARGET_WALL_MEDIAN, TARGET_WALL_P90,
          TARGET_WALL_MAX, verdict(s->wall_med, TARGET_WALL_MEDIAN),
          verdict(s->wall_p90, TARGET_WALL_P90), verdict(s->wall_max, TARGET_WALL_MAX));
  if (s->nuser == 0)
    fprintf(f, "User CPU  |error|: no configuration spends %.0f %% of its wall time in user "
               "code\n", USER_SHARE_MIN * 100);
  else
    fprintf(f, "User CPU  |error|: median %.1f %%, 90th percentile %.1f %%  (target median "
               "%.0f %%: %s; over the %d configurations with user time >= %.0f %% of wall)\n",
            s->user_med, s->user_p90, TARGET_USER_MEDIAN,
            verdict(s->user_med, TARGET_USER_MEDIAN), s->nuser, USER_SHARE_MIN * 100);
  if (isnan(s->sys_med))
    fputs("Sys CPU   |error|: no measured sys time to compare\n", f);
  else
    fprintf(f, "Sys CPU   |error|: median %.1f %% (no target: sys time is small and noisy)\n",
            s->sys_med);
  static const char *const what[NPROBE] = {"division", "countdown step"};
  fputs("Host check (the harness's C loops before each run, mean of the CPUs):", f);
  for (int k = 0; k < NPROBE; k++)
    fprintf(f, "%s %s %.3f ns calibrated, median %.3f (%.3f to %.3f)", k ? ";" : "", what[k],
            s->cal[k], s->med[k], s->lo[k], s->hi[k]);
  fputs(".\n", f);
  if (s->nchecked == 0)
    return;
  fprintf(f, "%d of %d C CPU-bound configuration%s measured while the host ran %s loop more "
             "than %.0f %% off the calibrated speed",
          s->ndrift, s->nchecked, s->nchecked == 1 ? "" : "s", s->nchecked == 1 ? "its" : "their",
          100 * HOST_DRIFT_MAX);
  if (s->ndrift)
    fprintf(f, " (marked ~ in the host column): %s the host's change",
            s->ndrift == 1 ? "its error includes" : "their errors include");
  fputs(".\n", f);
}


static void csv_num(FILE *f, double v)
{
  if (isnan(v))
    fputs(",", f);
  else
    fprintf(f, ",%.6f", v);
}

/* The CSV, formatted in memory and written whole (cli_write_whole). */
static int write_csv(const char *path, const vmatrix *mx, int repeat, const char *calibration,
                     const double *cal)
{
  char host[256], cpu[256], kernel[256];
  cli_host_facts(host, sizeof host, cpu, sizeof cpu, kernel, sizeof kernel, 0);
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  if (!f) {
    fprintf(stderr, "gilsim: out of memory\n");
    return EXIT_FAIL;
  }
  fputs("scenario,file,runtime,gil,model,cores,workers,sim_wall_s,sim_user_s,sim_sys_s,"
        "repeat,measured_wall_s,measured_wall_min_s,measured_wall_max_s,measured_user_s,"
        "measured_sys_s,wall_err_pct,user_err_pct,sys_err_pct,status,host,cpu,calibration,"
        "host_div_ns,calibrated_div_ns,host_step_ns,calibrated_step_ns,host_drift_pct\n",
        f);
  for (int i = 0; i < mx->n; i++) {
    const vconfig *c = &mx->v[i];
    cli_csv_field(f, c->name);
    fputc(',', f);
    cli_csv_field(f, c->file);
    fprintf(f, ",%s,%s,%s,%d,", gs_runtime_name((gs_runtime)c->runtime),
            gs_gil_name((gs_gil)c->gil), gs_model_name((gs_model)c->model), c->cores);
    if (c->show_workers)
      fprintf(f, "%d", c->workers);
    int ok = c->ok;
    csv_num(f, ok || c->sw > 0 ? c->sw : NAN);
    csv_num(f, ok || c->sw > 0 ? c->su : NAN);
    csv_num(f, ok || c->sw > 0 ? c->ss : NAN);
    fprintf(f, ",%d", repeat);
    csv_num(f, ok ? c->mw : NAN);
    csv_num(f, ok ? c->mw_min : NAN);
    csv_num(f, ok ? c->mw_max : NAN);
    csv_num(f, ok ? c->mu : NAN);
    csv_num(f, ok ? c->ms : NAN);
    csv_num(f, ok ? vs_error_pct(c->sw, c->mw) : NAN);
    csv_num(f, ok ? vs_error_pct(c->su, c->mu) : NAN);
    csv_num(f, ok ? vs_error_pct(c->ss, c->ms) : NAN);
    fputc(',', f);
    cli_csv_field(f, ok ? "ok" : c->why);
    fputc(',', f);
    cli_csv_field(f, host);
    fputc(',', f);
    cli_csv_field(f, cpu);
    fputc(',', f);
    cli_csv_field(f, calibration);
    for (int k = 0; k < NPROBE; k++) {
      csv_num(f, ok ? c->probe[k] : NAN);
      csv_num(f, cal[k]);
    }
    double d = host_drift(c, cal);
    csv_num(f, isnan(d) ? NAN : 100 * d);
    fputc('\n', f);
  }
  int status = fclose(f) != 0 ? EXIT_FAIL : cli_write_whole(path, buf, len);
  free(buf);
  return status;
}

static int write_plot(const char *path, const vmatrix *mx)
{
  static const int models[] = {GS_MODEL_SEQUENTIAL, GS_MODEL_THREADS, GS_MODEL_PROCESSES,
                               GS_MODEL_ASYNCIO};
  enum { NM = sizeof models / sizeof models[0] };
  double *xs[NM] = {0}, *ys[NM] = {0};
  plot_series s[NM];
  int ns = 0, status = 0;
  for (int k = 0; k < (int)NM; k++) {
    xs[k] = malloc(sizeof(double) * (size_t)(mx->n + 1));
    ys[k] = malloc(sizeof(double) * (size_t)(mx->n + 1));
    if (!xs[k] || !ys[k]) {
      status = EXIT_FAIL;
      break;
    }
    int m = 0;
    for (int i = 0; i < mx->n; i++)
      if (mx->v[i].ok && mx->v[i].model == models[k]) {
        xs[k][m] = mx->v[i].mw;
        ys[k][m] = mx->v[i].sw;
        m++;
      }
    if (m == 0)
      continue;
    s[ns] = (plot_series){.label = gs_model_name((gs_model)models[k]), .n = m, .x = xs[k],
                          .y = ys[k], .points = 1, .color = k, .marker = k};
    ns++;
  }
  char host[256], cpu[256], kernel[256], title[600];
  cli_host_facts(host, sizeof host, cpu, sizeof cpu, kernel, sizeof kernel, 0);
  snprintf(title, sizeof title, "gilsim validate on %s: simulated vs measured wall time", host);
  plot_spec p = {.title = title, .xlabel = "measured wall time (s)",
                 .ylabel = "simulated wall time (s)", .logx = 1, .logy = 1, .identity = 1,
                 .band = 0.10};
  char err[512];
  if (status == 0 && plot_write(path, &p, s, ns, err, sizeof err) != 0) {
    fprintf(stderr, "gilsim: %s\n", err);
    status = EXIT_FAIL;
  }
  for (int k = 0; k < (int)NM; k++) {
    free(xs[k]);
    free(ys[k]);
  }
  return status;
}

/* ---- The command ---------------------------------------------------------------- */

int cmd_validate(int argc, char **argv)
{
  vopts o;
  memset(&o, 0, sizeof o);
  cli_command cmd = {
    .prog = "gilsim", .name = "validate", .usage = validate_usage, .help = validate_help,
    .allow = CLI_OPT_REPEAT | CLI_OPT_CSV | CLI_OPT_CALIBRATION, .max_files = 64,
    .files_optional = 1, .extra = validate_options, .on_extra = validate_option, .ctx = &o,
  };
  run_args a;
  cli_args_init(&a);
  a.repeat = 5; /* the matrix measured five times over: see the help */
  int status = cli_parse(argc, argv, &a, &cmd);
  if (status >= 0)
    return status;
  /* Outputs that cannot be written are refused before any run. */
  int bad_out = a.csv ? cli_output_check(a.csv, 0) : 0;
  if (!bad_out && o.plot)
    bad_out = plot_check(o.plot);
  if (bad_out)
    return bad_out;

  gs_error err = {{0}};
  int have = gsh_cpus_available(&err);
  if (have < 1) {
    fprintf(stderr, "gilsim: %s\n", err.msg);
    return EXIT_FAIL;
  }
  if (o.l.ncores == 0)
    for (int c = 1; c <= have && o.l.ncores < CLI_MAX_LIST; c++)
      o.l.cores[o.l.ncores++] = c;
  for (int i = 0; i < o.l.ncores; i++)
    if (o.l.cores[i] > have)
      return cli_usage_error(&cmd, "--cores: this machine lets a run use %d CPU%s, not %d", have,
                             have == 1 ? "" : "s", o.l.cores[i]);
  if (o.l.nworkers == 0) {
    o.l.workers[0] = 1, o.l.workers[1] = 2, o.l.workers[2] = 4;
    o.l.nworkers = 3;
  }
  /* The calibration: the same for every configuration, so that the table
   * says once which one it used. */
  const char *cal_path = NULL;
  char host_cal[4400];
  const char *choice = a.calibration ? a.calibration : getenv("GILSIM_CALIBRATION");
  if (choice && *choice) {
    cal_path = strcmp(choice, "none") == 0 ? NULL : choice;
  } else if (cli_host_calibration(host_cal, sizeof host_cal) == 0) {
    cal_path = host_cal;
  } else {
    fprintf(stderr, "gilsim: warning: no calibration for this host (%s): the simulated side "
                    "uses the built-in defaults; 'gilsim calibrate' writes one\n",
            host_cal);
  }
  /* Check it once, up front, and keep the C division and countdown step it
   * gives (the host check's yardsticks; the built-in defaults without one). */
  gs_calibration *cal = NULL;
  if (cal_path && gs_calibration_load(cal_path, &cal, &err) != GS_OK) {
    fprintf(stderr, "gilsim: calibration: %s\n", err.msg);
    return EXIT_USAGE;
  }
  gs_params cp = {{0}, 0};
  gs_params_resolve_with(&cp, GS_RT_C, cal);
  double cal_ns[NPROBE];
  cal_ns[PROBE_DIV] = cp.v[GS_P_DIV];
  cal_ns[PROBE_STEP] = cp.v[GS_P_COUNTDOWN_STEP];
  gs_calibration_free(cal);
  a.calibration = cal_path ? cal_path : "none";

  char **owned = NULL;
  int nowned = 0;
  char dir[4200];
  const char *const *files = a.files;
  int nfiles = a.nfiles;
  if (nfiles == 0) {
    nowned = default_files(&owned, dir, sizeof dir);
    if (nowned <= 0) {
      fprintf(stderr, "gilsim: no validation scenarios in %s\n", dir);
      free(owned);
      return EXIT_USAGE;
    }
    files = (const char *const *)owned;
    nfiles = nowned;
  }

  vmatrix mx = {0};
  for (int i = 0; i < nfiles && status < 0; i++) {
    int st = expand(&mx, &a, &o, files[i]);
    if (st)
      status = st;
  }
  if (status < 0 && mx.n == 0) {
    fprintf(stderr, "gilsim: validate: no configuration can be measured here%s%s\n",
            mx.skipped ? ": " : "", mx.skipped ? mx.skip_why : "");
    status = EXIT_USAGE;
  }
  if (status >= 0) {
    free(mx.v);
    for (int i = 0; i < nowned; i++)
      free(owned[i]);
    free(owned);
    return status;
  }

  int tty = isatty(2);
  double started = cli_now();
  int failed = 0;
  /* Simulate every configuration, then measure the whole matrix once per
   * round: a burst of load from elsewhere on the host then disturbs one
   * sample of the configurations it overlaps, not all of one's samples,
   * and the median leaves it out. */
  int repeat = a.repeat < 1 ? 1 : a.repeat > 1000 ? 1000 : a.repeat;
  int steps = mx.n * (repeat + 1);
  for (int i = 0; i < mx.n && status < 0; i++) {
    char label[200];
    config_label(&mx.v[i], label, sizeof label);
    if (tty)
      cli_progress(i, steps, started, label);
    int st = simulate_config(&mx.v[i], &a, repeat);
    if (st)
      status = st;
  }
  for (int r = 0; r < repeat && status < 0; r++) {
    for (int i = 0; i < mx.n; i++) {
      vconfig *c = &mx.v[i];
      if (!c->simulated)
        continue;
      char label[240];
      config_label(c, label, sizeof label);
      if (tty) {
        size_t k = strlen(label);
        snprintf(label + k, sizeof label - k, " (round %d of %d)", r + 1, repeat);
        cli_progress(mx.n * (r + 1) + i, steps, started, label);
      }
      measure_config(c, repeat);
    }
  }
  for (int i = 0; i < mx.n && status < 0; i++) {
    conclude_config(&mx.v[i], repeat);
    if (!mx.v[i].ok) {
      char label[200];
      config_label(&mx.v[i], label, sizeof label);
      failed++;
      if (tty)
        fputs("\r\033[K", stderr);
      fprintf(stderr, "gilsim: %s: %s\n", label, mx.v[i].why[0] ? mx.v[i].why : "not run");
    }
  }
  if (tty && status < 0) {
    cli_progress(steps, steps, started, "done");
    fputc('\n', stderr);
  }

  if (status < 0) {
    status = failed ? EXIT_FAIL : EXIT_OK;
    vsummary sum = summarise(&mx, cal_ns);
    char host[256], cpu[256], kernel[256];
    cli_host_facts(host, sizeof host, cpu, sizeof cpu, kernel, sizeof kernel, 0);
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m) {
      status = EXIT_FAIL;
    } else {
      fprintf(m, "gilsim validate on %s (%s, %d CPU%s, Linux %s); %d repetition%s per "
                 "configuration, medians; calibration: %s; took ",
              host, cpu, have, have == 1 ? "" : "s", kernel, a.repeat, a.repeat == 1 ? "" : "s",
              cal_path ? cal_path : "none (built-in defaults)");
      cli_put_duration(m, cli_now() - started);
      fputs("\nTimes in seconds; error = (simulated - measured) / measured.\n\n", m);
      put_table(m, &mx, cal_ns);
      put_summary(m, &sum, &mx);
      if (fclose(m) != 0)
        status = EXIT_FAIL;
    }
    if (status != EXIT_FAIL || buf) {
      if (a.csv && write_csv(a.csv, &mx, a.repeat, cal_path ? cal_path : "none", cal_ns) != 0)
        status = EXIT_FAIL;
      if (o.plot && write_plot(o.plot, &mx) != 0)
        status = EXIT_FAIL;
      errno = 0;
      if (buf)
        fwrite(buf, 1, len, stdout);
      status = cli_finish_stdout(status);
    }
    free(buf);
  }
  for (int i = 0; i < mx.n; i++)
    config_free(&mx.v[i]);
  free(mx.v);
  for (int i = 0; i < nowned; i++)
    free(owned[i]);
  free(owned);
  return status;
}
