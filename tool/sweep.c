/*
 * sweep.c - gilsim sweep: one scenario simulated over every combination of
 * core counts, models, worker counts, GIL modes and parameter values, in
 * parallel on this host's CPUs, as a table, a CSV and plots.
 *
 *   gilsim sweep FILE [--cores LIST] [--models LIST] [--workers LIST]
 *                [--gil LIST] [--set key=v1,v2,...]... [--csv FILE]
 *                [--plot FILE] [--shard I/N] [--jobs J]
 *   gilsim sweep --merge A.csv B.csv ... [--csv FILE] [--plot FILE]
 *
 * Every run is deterministic and seeded, so the order the threads finish
 * in changes nothing: results are kept by run number and printed in that
 * order.  A shard runs the runs whose number is I-1 modulo N; --merge joins
 * the shards' CSV files (checking that every run is there exactly once)
 * into exactly what one unsharded sweep writes.
 */
#define _GNU_SOURCE

#include "cli.h"
#include "output.h"
#include "plot.h"
#include "stats.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef GILSIM_DATA_DIR
#error "GILSIM_DATA_DIR must name the project's data/ folder (the build sets it)"
#endif

#define MAX_LIST 256
#define MAX_AXES 8
#define MAX_RUNS 1000000

static const char sweep_usage[] =
  "usage: gilsim sweep FILE [--cores LIST] [--models LIST] [--workers LIST]\n"
  "                    [--gil LIST] [--set key=v1,v2,...]... [--csv FILE]\n"
  "                    [--plot FILE] [--shard I/N] [--jobs J] [run options]\n"
  "       gilsim sweep --merge A.csv B.csv ... [--csv FILE] [--plot FILE]\n";

static void sweep_help(FILE *f)
{
  fputs("\nSimulate the scenario in FILE once for every combination of the lists\n"
        "given, and print one row per run: wall, user and sys time and the speedup.\n"
        "Every run is deterministic (the scenario's seed, or --seed), so a sweep\n"
        "gives the same numbers however it is run.\n\n"
        "Lists: comma-separated values and ranges, e.g. 1,2,4,8 or 1-64 or 1..16.\n"
        "  --cores LIST       core counts (default: the scenario's)\n"
        "  --models LIST      sequential, threads, processes, asyncio (default: the\n"
        "                     scenario's); sequential runs once per other setting,\n"
        "                     whatever --workers says\n"
        "  --workers LIST     pool sizes (default: the scenario's)\n"
        "  --gil LIST         none, new, old (default: the scenario's); sequential\n"
        "                     keeps the runtime's default\n"
        "  --set key=v1,v2    values of a model parameter ('gilsim params'), e.g.\n"
        "                     --set switch_interval=1ms,5ms,20ms; repeatable, one\n"
        "                     axis per key\n"
        "  --csv FILE         write one row per run to FILE (the columns of the\n"
        "                     simulated side of 'gilsim validate', then events,\n"
        "                     speedup, run, runs and one column per --set key)\n"
        "  --plot FILE        plot wall time and speedup against cores (log2 axis),\n"
        "                     one line per model, with this host's measured points\n"
        "                     from data/measured/HOST.csv where they match; and,\n"
        "                     when another axis has several values, a second plot\n"
        "                     against it, FILE-AXIS.  FILE.png or FILE.svg, or both\n"
        "                     when FILE has neither ending\n"
        "  --shard I/N        run only the I-th of N parts (runs I-1, I-1+N, ...)\n"
        "  --merge            the operands are CSV files written by shards of one\n"
        "                     sweep: join them (each run exactly once) and report\n"
        "  --jobs J           threads to run on (default: this host's CPUs)\n"
        "The options of 'gilsim run' that set one value (--runtime, --scheduler,\n"
        "--seed, --calibration) apply to every run.\n\n"
        "Speedup: a run's wall time divides that of the reference run of its\n"
        "line: the sequential run with the same other settings at the first core\n"
        "count when the sweep includes sequential, else the line's own run at its\n"
        "first core count.  Shards leave it empty; --merge fills it in.\n\n"
        "A progress bar goes to stderr when it is a terminal.\n\n"
        "Exit status: 0 success; 1 a run failed or a file could not be written;\n"
        "2 bad command line, scenario or CSV to merge, or a --csv or --plot FILE\n"
        "that cannot be written (refused before the first run).\n",
        f);
}

enum { OPT_S_GIL = CLI_EXTRA_BASE, OPT_S_SET, OPT_S_PLOT, OPT_S_SHARD, OPT_S_MERGE, OPT_S_JOBS };

static const struct option sweep_options[] = {
  {"cores", required_argument, NULL, CLI_LIST_CORES},
  {"workers", required_argument, NULL, CLI_LIST_WORKERS},
  {"models", required_argument, NULL, CLI_LIST_MODELS},
  {"gil", required_argument, NULL, OPT_S_GIL},
  {"set", required_argument, NULL, OPT_S_SET},
  {"plot", required_argument, NULL, OPT_S_PLOT},
  {"shard", required_argument, NULL, OPT_S_SHARD},
  {"merge", no_argument, NULL, OPT_S_MERGE},
  {"jobs", required_argument, NULL, OPT_S_JOBS},
  {NULL, 0, NULL, 0},
};

/* One --set axis: a parameter and its values. */
typedef struct {
  int param;
  int n;
  double v[MAX_LIST];
  char text[MAX_LIST][32];
} axis;

typedef struct {
  cli_lists l;
  int gils[4], ngils;
  axis axes[MAX_AXES];
  int naxes;
  const char *plot;
  int shard, nshards; /* 1-based; 0: not sharded */
  int merge, jobs;
} sopts;

static int gil_parse_any(const char *s) { return gs_gil_parse(s); }

static int sweep_option(void *ctx, int val, const char *arg, const cli_command *cmd)
{
  sopts *o = ctx;
  switch (val) {
  case CLI_LIST_CORES:
  case CLI_LIST_WORKERS:
  case CLI_LIST_MODELS:
    return cli_list_option(cmd, val, arg, &o->l);
  case OPT_S_GIL:
    if (cli_parse_name_list(arg, gil_parse_any, o->gils, 4, &o->ngils))
      return cli_usage_error(cmd, "--gil: expected a list of none, new and old, got '%s'", arg);
    return 0;
  case OPT_S_SET: {
    const char *eq = strchr(arg, '=');
    char key[64];
    if (!eq || eq == arg || (size_t)(eq - arg) >= sizeof key)
      return cli_usage_error(cmd, "--set: expected key=v1,v2,..., got '%s'", arg);
    memcpy(key, arg, (size_t)(eq - arg));
    key[eq - arg] = 0;
    int id = gs_param_lookup(key);
    if (id < 0)
      return cli_usage_error(cmd, "--set: unknown parameter '%s' (see 'gilsim params')", key);
    for (int i = 0; i < o->naxes; i++)
      if (o->axes[i].param == id)
        return cli_usage_error(cmd, "--set: %s given twice (list its values once)", key);
    if (o->naxes == MAX_AXES)
      return cli_usage_error(cmd, "--set: at most %d parameters", MAX_AXES);
    axis *ax = &o->axes[o->naxes];
    ax->param = id;
    ax->n = 0;
    const char *p = eq + 1;
    for (;;) {
      size_t len = strcspn(p, ",");
      if (len == 0 || len >= sizeof ax->text[0] || ax->n == MAX_LIST)
        return cli_usage_error(cmd, "--set: expected key=v1,v2,... with at most %d values, got "
                                    "'%s'", MAX_LIST, arg);
      memcpy(ax->text[ax->n], p, len);
      ax->text[ax->n][len] = 0;
      gs_error err;
      if (gs_param_parse_value((gs_param_id)id, ax->text[ax->n], &ax->v[ax->n], &err) != GS_OK)
        return cli_usage_error(cmd, "--set: %s", err.msg);
      ax->n++;
      if (!p[len])
        break;
      p += len + 1;
    }
    o->naxes++;
    return 0;
  }
  case OPT_S_PLOT:
    if (!*arg || arg[strlen(arg) - 1] == '/')
      return cli_usage_error(cmd, "--plot: expected a file name, got '%s'", arg);
    o->plot = arg;
    return 0;
  case OPT_S_SHARD: {
    int i, n;
    char extra;
    if (sscanf(arg, "%d/%d%c", &i, &n, &extra) != 2 || n < 1 || n > MAX_RUNS || i < 1 || i > n ||
        strspn(arg, "0123456789/") != strlen(arg))
      return cli_usage_error(cmd, "--shard: expected I/N with 1 <= I <= N, such as 2/4, got '%s'",
                             arg);
    o->shard = i;
    o->nshards = n;
    return 0;
  }
  case OPT_S_MERGE:
    o->merge = 1;
    return 0;
  case OPT_S_JOBS:
    if (cli_parse_int(arg, 1, 1024, &o->jobs))
      return cli_usage_error(cmd, "--jobs: expected an integer from 1 to 1024, got '%s'", arg);
    return 0;
  }
  return cli_usage_error(cmd, "internal error: option %d", val);
}

/* ---- Runs -------------------------------------------------------------------- */

typedef struct {
  int model, gil, cores, workers; /* workers 0: sequential (none) */
  int val[MAX_AXES];              /* index into each axis's values */
  /* results */
  int done, ok;
  double wall, user, sys, speedup;
  unsigned long long events;
  char why[1100];
} srun;

typedef struct {
  char scenario[128], file[1024], runtime[16];
  int naxes;
  axis axes[MAX_AXES];
  srun *runs;
  int nruns;
} sweep;

static const char *workers_text(const srun *r, char *buf, size_t n)
{
  if (r->workers > 0)
    snprintf(buf, n, "%d", r->workers);
  else
    snprintf(buf, n, "-");
  return buf;
}

/* Every combination, in a fixed order: axes (outermost), gil, model,
 * workers, cores (innermost, so a line of the table reads along cores). */
static int enumerate(sweep *sw, const sopts *o, const gs_scenario *base)
{
  int ncomb = 1;
  for (int i = 0; i < o->naxes; i++)
    ncomb *= o->axes[i].n;
  long long total = 0;
  for (int m = 0; m < o->l.nmodels; m++) {
    long long per = o->l.models[m] == GS_MODEL_SEQUENTIAL ? 1 : (long long)o->ngils * o->l.nworkers;
    total += per * o->l.ncores * ncomb;
  }
  if (total > MAX_RUNS)
    return -1;
  sw->runs = calloc((size_t)total + 1, sizeof *sw->runs);
  if (!sw->runs)
    return -2;
  int n = 0;
  for (int c = 0; c < ncomb; c++) {
    int val[MAX_AXES], rest = c;
    for (int i = o->naxes - 1; i >= 0; i--) {
      val[i] = rest % o->axes[i].n;
      rest /= o->axes[i].n;
    }
    for (int m = 0; m < o->l.nmodels; m++) {
      int seq = o->l.models[m] == GS_MODEL_SEQUENTIAL;
      for (int g = 0; g < (seq ? 1 : o->ngils); g++)
        for (int w = 0; w < (seq ? 1 : o->l.nworkers); w++)
          for (int k = 0; k < o->l.ncores; k++) {
            srun *r = &sw->runs[n++];
            r->model = o->l.models[m];
            r->gil = seq ? gs_gil_effective(GS_GIL_DEFAULT, base->runtime)
                         : gs_gil_effective((gs_gil)o->gils[g], base->runtime);
            r->workers = seq ? 0 : o->l.workers[w];
            r->cores = o->l.cores[k];
            memcpy(r->val, val, sizeof val);
          }
    }
  }
  sw->nruns = n;
  return 0;
}

typedef struct {
  sweep *sw;
  const run_args *a;
  const sopts *o;
  pthread_mutex_t lock;
  int next, finished, todo;
  int tty;
  double started;
} pool;

static int in_shard(const sopts *o, int i) { return !o->nshards || i % o->nshards == o->shard - 1; }

static void run_one(srun *r, const run_args *a, const sweep *sw, const char *file)
{
  run_args b = *a;
  b.model = r->model;
  b.gil = r->gil;
  b.cores = r->cores;
  b.workers = r->workers > 0 ? r->workers : 0;
  for (int i = 0; i < sw->naxes; i++) {
    int id = sw->axes[i].param;
    b.set.v[id] = sw->axes[i].v[r->val[i]];
    b.set.set |= UINT64_C(1) << id;
  }
  gs_scenario *sc = NULL;
  if (cli_load_scenario(&b, file, &sc, 1) != 0) {
    snprintf(r->why, sizeof r->why, "the scenario did not load");
    return;
  }
  gs_error err = {{0}};
  gs_results *res = NULL;
  if (gs_run(sc, &res, &err) != GS_OK) {
    snprintf(r->why, sizeof r->why, "%s", err.msg);
  } else {
    r->ok = 1;
    r->wall = (double)res->wall / 1e9;
    r->user = (double)res->user / 1e9;
    r->sys = (double)res->sys / 1e9;
    r->events = (unsigned long long)res->events;
    gs_results_free(res);
  }
  gs_scenario_free(sc);
}

static void *worker(void *arg)
{
  pool *p = arg;
  for (;;) {
    pthread_mutex_lock(&p->lock);
    int i = p->next;
    while (i < p->sw->nruns && !in_shard(p->o, i))
      i++;
    p->next = i + 1;
    pthread_mutex_unlock(&p->lock);
    if (i >= p->sw->nruns)
      return NULL;
    srun *r = &p->sw->runs[i];
    run_one(r, p->a, p->sw, p->a->file);
    pthread_mutex_lock(&p->lock);
    r->done = 1;
    p->finished++;
    if (p->tty)
      cli_progress(p->finished, p->todo, p->started, NULL);
    pthread_mutex_unlock(&p->lock);
  }
}

/* ---- Speedups ------------------------------------------------------------------ */

/* Same line: everything but the core count equal. */
static int same_line(const srun *a, const srun *b, int naxes)
{
  if (a->model != b->model || a->gil != b->gil || a->workers != b->workers)
    return 0;
  return memcmp(a->val, b->val, sizeof(int) * (size_t)naxes) == 0;
}

static void speedups(sweep *sw)
{
  for (int i = 0; i < sw->nruns; i++) {
    srun *r = &sw->runs[i];
    r->speedup = NAN;
    if (!r->done || !r->ok)
      continue;
    const srun *ref = NULL;
    for (int j = 0; j < sw->nruns && !ref; j++) { /* sequential, same axis values */
      const srun *q = &sw->runs[j];
      if (q->model == GS_MODEL_SEQUENTIAL && q->done && q->ok &&
          memcmp(q->val, r->val, sizeof(int) * (size_t)sw->naxes) == 0)
        ref = q;
    }
    for (int j = 0; j < sw->nruns && !ref; j++) /* the line's first point */
      if (sw->runs[j].done && sw->runs[j].ok && same_line(&sw->runs[j], r, sw->naxes))
        ref = &sw->runs[j];
    if (ref && r->wall > 0)
      r->speedup = ref->wall / r->wall;
  }
}

/* ---- Output ---------------------------------------------------------------------- */

static void put_table(FILE *f, const sweep *sw)
{
  fprintf(f, "%-10s %-4s %7s %5s", "model", "gil", "workers", "cores");
  for (int i = 0; i < sw->naxes; i++)
    fprintf(f, " %14s", gs_param_info_get((gs_param_id)sw->axes[i].param)->name);
  fprintf(f, " %12s %12s %12s %8s\n", "wall (s)", "user (s)", "sys (s)", "speedup");
  for (int i = 0; i < sw->nruns; i++) {
    const srun *r = &sw->runs[i];
    if (!r->done)
      continue;
    char wk[16];
    fprintf(f, "%-10s %-4s %7s %5d", gs_model_name((gs_model)r->model),
            gs_gil_name((gs_gil)r->gil), workers_text(r, wk, sizeof wk), r->cores);
    for (int k = 0; k < sw->naxes; k++)
      fprintf(f, " %14s", sw->axes[k].text[r->val[k]]);
    if (!r->ok) {
      fprintf(f, "  failed: %s\n", r->why);
      continue;
    }
    fprintf(f, " %12.6f %12.6f %12.6f", r->wall, r->user, r->sys);
    if (isnan(r->speedup))
      fprintf(f, " %8s\n", "");
    else
      fprintf(f, " %7.2fx\n", r->speedup);
  }
}


static void put_csv_header(FILE *f, const sweep *sw)
{
  fputs("scenario,file,runtime,gil,model,cores,workers,sim_wall_s,sim_user_s,sim_sys_s,events,"
        "speedup,run,runs",
        f);
  for (int i = 0; i < sw->naxes; i++)
    fprintf(f, ",%s", gs_param_info_get((gs_param_id)sw->axes[i].param)->name);
  fputc('\n', f);
}

static void put_csv(FILE *f, const sweep *sw, int with_speedup)
{
  put_csv_header(f, sw);
  for (int i = 0; i < sw->nruns; i++) {
    const srun *r = &sw->runs[i];
    if (!r->done || !r->ok)
      continue;
    char wk[16];
    cli_csv_field(f, sw->scenario);
    fputc(',', f);
    cli_csv_field(f, sw->file);
    fprintf(f, ",%s,%s,%s,%d,%s,%.9f,%.9f,%.9f,%llu,", sw->runtime, gs_gil_name((gs_gil)r->gil),
            gs_model_name((gs_model)r->model), r->cores,
            r->workers > 0 ? workers_text(r, wk, sizeof wk) : "", r->wall, r->user, r->sys,
            r->events);
    if (with_speedup && !isnan(r->speedup))
      fprintf(f, "%.6f", r->speedup);
    fprintf(f, ",%d,%d", i, sw->nruns);
    for (int k = 0; k < sw->naxes; k++) {
      fputc(',', f);
      cli_csv_field(f, sw->axes[k].text[r->val[k]]);
    }
    fputc('\n', f);
  }
}

static int write_csv_file(const char *path, const sweep *sw, int with_speedup)
{
  char *buf = NULL;
  size_t len = 0;
  FILE *m = open_memstream(&buf, &len);
  if (!m) {
    fprintf(stderr, "gilsim: out of memory\n");
    return EXIT_FAIL;
  }
  put_csv(m, sw, with_speedup);
  int status = fclose(m) != 0 ? EXIT_FAIL : cli_write_whole(path, buf, len);
  free(buf);
  return status;
}

/* ---- Measured points ------------------------------------------------------------ */

typedef struct {
  int model, gil, cores, workers;
  double wall;
} mpoint;

/* Split one CSV line into fields (RFC 4180 quotes); returns the count. */
static int csv_split(char *line, char **fields, int max)
{
  int n = 0;
  char *p = line;
  line[strcspn(line, "\r\n")] = 0;
  while (n < max) {
    if (*p == '"') {
      char *out = ++p;
      fields[n++] = out;
      for (;;) {
        if (!*p)
          break;
        if (*p == '"' && p[1] == '"') {
          *out++ = '"';
          p += 2;
        } else if (*p == '"') {
          p++;
          break;
        } else {
          *out++ = *p++;
        }
      }
      *out = 0;
      if (*p == ',')
        p++;
      else
        break;
    } else {
      fields[n++] = p;
      char *c = strchr(p, ',');
      if (!c)
        break;
      *c = 0;
      p = c + 1;
    }
  }
  return n;
}

static int col_index(char **h, int nh, const char *name)
{
  for (int i = 0; i < nh; i++)
    if (strcmp(h[i], name) == 0)
      return i;
  return -1;
}

/* This host's measured runs of the scenario (data/measured/HOST.csv, as
 * 'gilsim measure --csv' writes it). */
static int load_measured(const sweep *sw, mpoint **out)
{
  *out = NULL;
  char host[256], path[4400];
  if (gethostname(host, sizeof host) != 0)
    return 0;
  host[sizeof host - 1] = 0;
  snprintf(path, sizeof path, "data/measured/%s.csv", host);
  FILE *f = fopen(path, "r");
  if (!f) {
    const char *data = getenv("GILSIM_DATA_DIR");
    snprintf(path, sizeof path, "%s/measured/%s.csv", data && *data ? data : GILSIM_DATA_DIR,
             host);
    f = fopen(path, "r");
  }
  if (!f)
    return 0;
  char line[8192], hline[8192];
  char *h[64], *v[64];
  int n = 0, cap = 0;
  mpoint *pts = NULL;
  if (!fgets(hline, sizeof hline, f)) {
    fclose(f);
    return 0;
  }
  int nh = csv_split(hline, h, 64);
  int cs = col_index(h, nh, "scenario"), cr = col_index(h, nh, "runtime"),
      cg = col_index(h, nh, "gil"), cm = col_index(h, nh, "model"),
      cc = col_index(h, nh, "cores"), cw = col_index(h, nh, "workers"),
      cwall = col_index(h, nh, "wall_median_s");
  if (cs < 0 || cr < 0 || cg < 0 || cm < 0 || cc < 0 || cw < 0 || cwall < 0) {
    fclose(f);
    return 0;
  }
  while (fgets(line, sizeof line, f)) {
    int nv = csv_split(line, v, 64);
    if (nv < nh || strcmp(v[cs], sw->scenario) != 0 || strcmp(v[cr], sw->runtime) != 0)
      continue;
    if (n == cap) {
      cap = cap ? cap * 2 : 32;
      mpoint *bigger = realloc(pts, sizeof *pts * (size_t)cap);
      if (!bigger)
        break;
      pts = bigger;
    }
    mpoint *p = &pts[n];
    p->model = gs_model_parse(v[cm]);
    p->gil = gs_gil_parse(v[cg]);
    p->cores = atoi(v[cc]);
    p->workers = atoi(v[cw]);
    p->wall = strtod(v[cwall], NULL);
    if (p->model >= 0 && p->gil >= 0 && p->cores > 0 && p->wall > 0)
      n++;
  }
  fclose(f);
  *out = pts;
  return n;
}

/* ---- Plots ------------------------------------------------------------------------ */

/* What tells the lines apart, for their labels. */
typedef struct {
  int gil, workers, axes;
} varying;

static varying what_varies(const sweep *sw)
{
  varying v = {0, 0, 0};
  const srun *first = NULL;
  for (int i = 0; i < sw->nruns; i++) {
    const srun *r = &sw->runs[i];
    if (!r->done || !r->ok)
      continue;
    if (!first) {
      first = r;
      continue;
    }
    if (r->model != GS_MODEL_SEQUENTIAL && first->model != GS_MODEL_SEQUENTIAL) {
      v.gil |= r->gil != first->gil;
      v.workers |= r->workers != first->workers;
    }
    v.axes |= memcmp(r->val, first->val, sizeof(int) * (size_t)sw->naxes) != 0;
  }
  /* a sequential line beside pools with one gil/workers value: no need */
  return v;
}

static void line_label(const sweep *sw, const srun *r, varying v, char *buf, size_t n)
{
  int k = snprintf(buf, n, "%s", gs_model_name((gs_model)r->model));
  if (r->model != GS_MODEL_SEQUENTIAL) {
    if (v.gil && k > 0 && (size_t)k < n)
      k += snprintf(buf + k, n - (size_t)k, ", gil %s", gs_gil_name((gs_gil)r->gil));
    if (v.workers && k > 0 && (size_t)k < n)
      k += snprintf(buf + k, n - (size_t)k, ", %d workers", r->workers);
  }
  for (int i = 0; v.axes && i < sw->naxes && k > 0 && (size_t)k < n; i++)
    k += snprintf(buf + k, n - (size_t)k, ", %s=%s",
                  gs_param_info_get((gs_param_id)sw->axes[i].param)->name,
                  sw->axes[i].text[r->val[i]]);
}

/* Insert a suffix before the extension: "a/b.png" + "-workers". */
static void suffixed(const char *path, const char *suffix, char *out, size_t n)
{
  const char *slash = strrchr(path, '/');
  const char *dot = strrchr(path, '.');
  if (dot && (!slash || dot > slash) &&
      (strcmp(dot, ".png") == 0 || strcmp(dot, ".svg") == 0))
    snprintf(out, n, "%.*s%s%s", (int)(dot - path), path, suffix, dot);
  else
    snprintf(out, n, "%s%s", path, suffix);
}

#define MAX_LINES PLOT_MAX_SERIES

static int plot_cores(const sweep *sw, const char *path)
{
  varying v = what_varies(sw);
  /* lines: groups of runs equal but for cores */
  int line_of[MAX_LINES], nlines = 0, status = 0;
  double *xs = malloc(sizeof(double) * (size_t)(sw->nruns + 1) * 3);
  if (!xs)
    return EXIT_FAIL;
  double *ys = xs + sw->nruns + 1, *ss = ys + sw->nruns + 1;
  plot_series wall[MAX_LINES * 2], sp[MAX_LINES];
  char labels[MAX_LINES][160];
  int used = 0, nw = 0;
  for (int i = 0; i < sw->nruns && nlines < MAX_LINES; i++) {
    const srun *r = &sw->runs[i];
    if (!r->done || !r->ok)
      continue;
    int seen = 0;
    for (int l = 0; l < nlines && !seen; l++)
      seen = same_line(&sw->runs[line_of[l]], r, sw->naxes);
    if (seen)
      continue;
    line_of[nlines] = i;
    int m = 0;
    for (int j = i; j < sw->nruns; j++) {
      const srun *q = &sw->runs[j];
      if (q->done && q->ok && same_line(q, r, sw->naxes)) {
        xs[used + m] = q->cores;
        ys[used + m] = q->wall;
        ss[used + m] = q->speedup;
        m++;
      }
    }
    line_label(sw, r, v, labels[nlines], sizeof labels[nlines]);
    wall[nw++] = (plot_series){.label = labels[nlines], .n = m, .x = xs + used, .y = ys + used,
                               .lines = 1, .points = 1, .color = nlines, .marker = nlines};
    sp[nlines] = (plot_series){.label = labels[nlines], .n = m, .x = xs + used, .y = ss + used,
                               .lines = 1, .points = 1, .color = nlines, .marker = nlines};
    used += m;
    nlines++;
  }
  /* Measured points of this host, where a line matches them (no --set:
   * measurements are of the default parameters). */
  mpoint *mp = NULL;
  int nmp = sw->naxes ? 0 : load_measured(sw, &mp);
  double *mx = NULL, *my = NULL;
  char mlabels[MAX_LINES][180];
  if (nmp > 0 && (mx = malloc(sizeof(double) * (size_t)nmp * 2))) {
    my = mx + nmp;
    int nl0 = nlines, mused = 0;
    for (int l = 0; l < nl0 && nw < MAX_LINES * 2; l++) {
      const srun *r = &sw->runs[line_of[l]];
      int m = 0;
      for (int k = 0; k < nmp; k++) {
        const mpoint *p = &mp[k];
        if (p->model != r->model || (r->model != GS_MODEL_SEQUENTIAL && (p->gil != r->gil ||
                                                                          p->workers != r->workers)))
          continue;
        mx[mused + m] = p->cores;
        my[mused + m] = p->wall;
        m++;
      }
      if (m == 0)
        continue;
      snprintf(mlabels[l], sizeof mlabels[l], "measured: %s", labels[l]);
      wall[nw++] = (plot_series){.label = mlabels[l], .n = m, .x = mx + mused, .y = my + mused,
                                 .points = 1, .color = l, .marker = 7};
      mused += m;
    }
  }
  char title[300];
  snprintf(title, sizeof title, "gilsim sweep: %s (%s)", sw->scenario, sw->runtime);
  plot_panel panels[2] = {
    {{.title = title, .xlabel = "cores", .ylabel = "wall time (s)", .log2x = 1, .logy = 1,
      .legend_right = 1}, wall, nw},
    {{.title = "speedup", .xlabel = "cores", .ylabel = "speedup (x)", .log2x = 1,
      .ymin_zero = 1, .legend_right = 1}, sp, nlines},
  };
  char err[512];
  if (plot_write_panels(path, panels, 2, err, sizeof err) != 0) {
    fprintf(stderr, "gilsim: %s\n", err);
    status = EXIT_FAIL;
  }
  free(mx);
  free(mp);
  free(xs);
  return status;
}

/* The second plot: wall time against the first other axis with several
 * values (a --set parameter, else workers, else gil), at the last core
 * count, a line per model. */
static int plot_other_axis(const sweep *sw, const sopts *o, const char *path)
{
  int ax = -1;
  for (int i = 0; i < sw->naxes && ax < 0; i++)
    if (sw->axes[i].n > 1)
      ax = i;
  int by_workers = ax < 0 && o->l.nworkers > 1;
  if (ax < 0 && !by_workers)
    return 0;
  int cores = o->l.ncores > 0 ? o->l.cores[o->l.ncores - 1] : 0;
  double *xs = malloc(sizeof(double) * (size_t)(sw->nruns + 1) * 2);
  if (!xs)
    return EXIT_FAIL;
  double *ys = xs + sw->nruns + 1;
  plot_series s[MAX_LINES];
  char labels[MAX_LINES][160];
  int ns = 0, used = 0;
  int first_of[MAX_LINES];
  for (int i = 0; i < sw->nruns && ns < MAX_LINES; i++) {
    const srun *r = &sw->runs[i];
    if (!r->done || !r->ok || r->cores != cores)
      continue;
    if (by_workers && r->model == GS_MODEL_SEQUENTIAL)
      continue;
    /* a line: same model and gil, and same values of the other axes */
    int seen = 0;
    for (int l = 0; l < ns && !seen; l++) {
      const srun *q = &sw->runs[first_of[l]];
      int same = q->model == r->model && q->gil == r->gil;
      for (int k = 0; k < sw->naxes && same; k++)
        same = k == ax || q->val[k] == r->val[k];
      if (!by_workers)
        same = same && q->workers == r->workers;
      seen = same;
    }
    if (seen)
      continue;
    first_of[ns] = i;
    int m = 0;
    for (int j = i; j < sw->nruns; j++) {
      const srun *q = &sw->runs[j];
      int same = q->done && q->ok && q->cores == cores && q->model == r->model && q->gil == r->gil;
      for (int k = 0; k < sw->naxes && same; k++)
        same = k == ax || q->val[k] == r->val[k];
      if (!by_workers)
        same = same && q->workers == r->workers;
      if (!same)
        continue;
      xs[used + m] = by_workers ? q->workers : sw->axes[ax].v[q->val[ax]];
      ys[used + m] = q->wall;
      m++;
    }
    snprintf(labels[ns], sizeof labels[ns], "%s, gil %s", gs_model_name((gs_model)r->model),
             gs_gil_name((gs_gil)r->gil));
    s[ns] = (plot_series){.label = labels[ns], .n = m, .x = xs + used, .y = ys + used,
                          .lines = 1, .points = 1, .color = ns, .marker = ns};
    used += m;
    ns++;
  }
  double lo = INFINITY, hi = -INFINITY;
  for (int i = 0; i < used; i++)
    lo = fmin(lo, xs[i]), hi = fmax(hi, xs[i]);
  const char *name = by_workers ? "workers" : gs_param_info_get((gs_param_id)sw->axes[ax].param)->name;
  const char *unit = by_workers ? "" : gs_param_info_get((gs_param_id)sw->axes[ax].param)->unit;
  char xlabel[128], title[300], suffix[80], file[4400];
  snprintf(xlabel, sizeof xlabel, "%s%s%s%s", name, strcmp(unit, "ns") == 0 ? " (" : "",
           strcmp(unit, "ns") == 0 ? "ns" : "", strcmp(unit, "ns") == 0 ? ")" : "");
  snprintf(title, sizeof title, "gilsim sweep: %s (%s) at %d core%s", sw->scenario, sw->runtime,
           cores, cores == 1 ? "" : "s");
  snprintf(suffix, sizeof suffix, "-%s", name);
  suffixed(path, suffix, file, sizeof file);
  int logx = lo > 0 && hi / lo >= 8;
  plot_spec p = {.title = title, .xlabel = xlabel, .ylabel = "wall time (s)",
                 .log2x = by_workers && logx, .logx = !by_workers && logx, .logy = 1,
                 .legend_right = 1};
  char err[512];
  int status = 0;
  if (ns > 0 && plot_write(file, &p, s, ns, err, sizeof err) != 0) {
    fprintf(stderr, "gilsim: %s\n", err);
    status = EXIT_FAIL;
  }
  free(xs);
  return status;
}

/* ---- Merging ---------------------------------------------------------------------- */

/* Read shard CSVs into sw; 0 or an exit status. */
static int merge_files(sweep *sw, sopts *o, const run_args *a)
{
  char header[8192] = "";
  int runs = -1;
  for (int fi = 0; fi < a->nfiles; fi++) {
    const char *path = a->files[fi];
    FILE *f = fopen(path, "r");
    if (!f) {
      fprintf(stderr, "gilsim: cannot read '%s': %s\n", path, strerror(errno));
      return EXIT_USAGE;
    }
    char line[8192], copy[8192];
    char *h[64], *v[64];
    if (!fgets(line, sizeof line, f)) {
      fprintf(stderr, "gilsim: %s:1: expected the header of a 'gilsim sweep --csv' file\n", path);
      fclose(f);
      return EXIT_USAGE;
    }
    if (fi == 0)
      snprintf(header, sizeof header, "%s", line);
    else if (strcmp(header, line) != 0) {
      fprintf(stderr, "gilsim: %s:1: a different sweep (its columns differ from those of '%s')\n",
              path, a->files[0]);
      fclose(f);
      return EXIT_USAGE;
    }
    snprintf(copy, sizeof copy, "%s", line);
    int nh = csv_split(copy, h, 64);
    if (nh < 14 || strcmp(h[0], "scenario") != 0 || strcmp(h[12], "run") != 0 ||
        strcmp(h[13], "runs") != 0) {
      fprintf(stderr, "gilsim: %s:1: expected the header of a 'gilsim sweep --csv' file\n", path);
      fclose(f);
      return EXIT_USAGE;
    }
    if (fi == 0) {
      sw->naxes = nh - 14;
      if (sw->naxes > MAX_AXES) {
        fprintf(stderr, "gilsim: %s:1: more than %d parameter columns\n", path, MAX_AXES);
        fclose(f);
        return EXIT_USAGE;
      }
      for (int k = 0; k < sw->naxes; k++) {
        int id = gs_param_lookup(h[14 + k]);
        if (id < 0) {
          fprintf(stderr, "gilsim: %s:1: unknown parameter column '%s'\n", path, h[14 + k]);
          fclose(f);
          return EXIT_USAGE;
        }
        sw->axes[k].param = id;
        sw->axes[k].n = 0;
      }
    }
    int lineno = 1;
    while (fgets(line, sizeof line, f)) {
      lineno++;
      int nv = csv_split(line, v, 64);
      int run, nruns, cores, workers = 0;
      char *end;
      if (nv != nh) {
        fprintf(stderr, "gilsim: %s:%d: expected %d fields, got %d\n", path, lineno, nh, nv);
        fclose(f);
        return EXIT_USAGE;
      }
      if (cli_parse_int(v[12], 0, MAX_RUNS - 1, &run) || cli_parse_int(v[13], 1, MAX_RUNS, &nruns) ||
          run >= nruns || (runs >= 0 && nruns != runs) ||
          cli_parse_int(v[5], 1, GS_MAX_CORES, &cores) ||
          (v[6][0] && cli_parse_int(v[6], 1, GS_MAX_WORKERS, &workers)) ||
          gs_model_parse(v[4]) < 0 || gs_gil_parse(v[3]) < 0) {
        fprintf(stderr, "gilsim: %s:%d: not a row of the same sweep (run, runs, model, gil, "
                        "cores or workers)\n", path, lineno);
        fclose(f);
        return EXIT_USAGE;
      }
      if (runs < 0) {
        runs = nruns;
        sw->runs = calloc((size_t)runs + 1, sizeof *sw->runs);
        if (!sw->runs) {
          fclose(f);
          fprintf(stderr, "gilsim: out of memory\n");
          return EXIT_FAIL;
        }
        sw->nruns = runs;
        snprintf(sw->scenario, sizeof sw->scenario, "%s", v[0]);
        snprintf(sw->file, sizeof sw->file, "%s", v[1]);
        snprintf(sw->runtime, sizeof sw->runtime, "%s", v[2]);
      }
      srun *r = &sw->runs[run];
      if (r->done) {
        fprintf(stderr, "gilsim: %s:%d: run %d is in the merged files twice\n", path, lineno, run);
        fclose(f);
        return EXIT_USAGE;
      }
      r->done = r->ok = 1;
      r->model = gs_model_parse(v[4]);
      r->gil = gs_gil_parse(v[3]);
      r->cores = cores;
      r->workers = workers;
      r->wall = strtod(v[7], &end);
      r->user = strtod(v[8], &end);
      r->sys = strtod(v[9], &end);
      r->events = strtoull(v[10], &end, 10);
      for (int k = 0; k < sw->naxes; k++) {
        axis *ax = &sw->axes[k];
        int found = -1;
        for (int j = 0; j < ax->n && found < 0; j++)
          if (strcmp(ax->text[j], v[14 + k]) == 0)
            found = j;
        if (found < 0) {
          gs_error err;
          if (ax->n == MAX_LIST || strlen(v[14 + k]) >= sizeof ax->text[0] ||
              gs_param_parse_value((gs_param_id)ax->param, v[14 + k], &ax->v[ax->n], &err) != GS_OK) {
            fprintf(stderr, "gilsim: %s:%d: bad value '%s' of %s\n", path, lineno, v[14 + k],
                    gs_param_info_get((gs_param_id)ax->param)->name);
            fclose(f);
            return EXIT_USAGE;
          }
          snprintf(ax->text[ax->n], sizeof ax->text[0], "%s", v[14 + k]);
          found = ax->n++;
        }
        r->val[k] = found;
      }
    }
    fclose(f);
  }
  if (runs < 0) {
    fprintf(stderr, "gilsim: --merge: the files hold no runs\n");
    return EXIT_USAGE;
  }
  int missing = 0, first = -1;
  for (int i = 0; i < sw->nruns; i++)
    if (!sw->runs[i].done) {
      if (first < 0)
        first = i;
      missing++;
    }
  if (missing) {
    fprintf(stderr, "gilsim: --merge: %d of %d runs are missing (the first: run %d); merge the "
                    "files of every shard\n", missing, sw->nruns, first);
    return EXIT_USAGE;
  }
  /* The lists, as the plots want them. */
  o->l.ncores = o->l.nworkers = 0;
  for (int i = 0; i < sw->nruns; i++) {
    int c = sw->runs[i].cores, w = sw->runs[i].workers, have = 0;
    for (int k = 0; k < o->l.ncores; k++)
      have |= o->l.cores[k] == c;
    if (!have && o->l.ncores < CLI_MAX_LIST)
      o->l.cores[o->l.ncores++] = c;
    have = 0;
    for (int k = 0; k < o->l.nworkers; k++)
      have |= o->l.workers[k] == w;
    if (w > 0 && !have && o->l.nworkers < CLI_MAX_LIST)
      o->l.workers[o->l.nworkers++] = w;
  }
  o->naxes = sw->naxes;
  return 0;
}

/* ---- The command ---------------------------------------------------------------- */

int cmd_sweep(int argc, char **argv)
{
  sopts o;
  memset(&o, 0, sizeof o);
  cli_command cmd = {
    .prog = "gilsim", .name = "sweep", .usage = sweep_usage, .help = sweep_help,
    .allow = CLI_OPT_CSV | CLI_OPT_CALIBRATION, .max_files = 64, .extra = sweep_options,
    .on_extra = sweep_option, .ctx = &o,
  };
  run_args a;
  cli_args_init(&a);
  int status = cli_parse(argc, argv, &a, &cmd);
  if (status >= 0)
    return status;
  /* Outputs that cannot be written are refused before any run. */
  int bad_out = a.csv ? cli_output_check(a.csv, 0) : 0;
  if (!bad_out && o.plot)
    bad_out = plot_check(o.plot);
  if (bad_out)
    return bad_out;

  sweep sw;
  memset(&sw, 0, sizeof sw);
  if (o.merge) {
    if (o.l.ncores || o.l.nworkers || o.l.nmodels || o.ngils || o.naxes || o.nshards || a.cores ||
        a.workers || a.model >= 0 || a.gil >= 0 || a.runtime >= 0 || a.sched >= 0 ||
        a.have_seed || a.calibration)
      return cli_usage_error(&cmd, "--merge takes CSV files, --csv and --plot only");
    status = merge_files(&sw, &o, &a);
    if (status) {
      free(sw.runs);
      return status;
    }
  } else {
    if (a.nfiles != 1)
      return cli_usage_error(&cmd, "expected one scenario FILE, got %d", a.nfiles);
    const char *choice = a.calibration ? a.calibration : getenv("GILSIM_CALIBRATION");
    gs_scenario *base = NULL;
    /* The base scenario, loaded once with the default calibration choice
     * (its warning, once); every run then names that choice. */
    status = cli_load_scenario(&a, a.file, &base, 0);
    if (status)
      return status;
    if (!choice || !*choice)
      a.calibration = base->calibration ? base->calibration->path : "none";
    if (a.calibration) {
      static char cal[4400];
      snprintf(cal, sizeof cal, "%s", a.calibration);
      a.calibration = cal;
    }
    if (!o.l.ncores)
      o.l.cores[o.l.ncores++] = base->cores;
    if (!o.l.nmodels)
      o.l.models[o.l.nmodels++] = base->model;
    if (!o.l.nworkers)
      o.l.workers[o.l.nworkers++] = base->workers;
    if (!o.ngils)
      o.gils[o.ngils++] = base->gil == GS_GIL_DEFAULT ? gs_gil_effective(GS_GIL_DEFAULT, base->runtime)
                                                       : base->gil;
    snprintf(sw.scenario, sizeof sw.scenario, "%s", base->name);
    snprintf(sw.file, sizeof sw.file, "%s", a.file);
    snprintf(sw.runtime, sizeof sw.runtime, "%s", gs_runtime_name(base->runtime));
    sw.naxes = o.naxes;
    memcpy(sw.axes, o.axes, sizeof o.axes);
    int rc = enumerate(&sw, &o, base);
    gs_scenario_free(base);
    if (rc == -1)
      return cli_usage_error(&cmd, "more than %d runs: sweep fewer values at once, or shard", MAX_RUNS);
    if (rc != 0) {
      fprintf(stderr, "gilsim: out of memory\n");
      return EXIT_FAIL;
    }

    pool p = {.sw = &sw, .a = &a, .o = &o, .tty = isatty(2), .started = cli_now()};
    pthread_mutex_init(&p.lock, NULL);
    for (int i = 0; i < sw.nruns; i++)
      p.todo += in_shard(&o, i);
    int jobs = o.jobs ? o.jobs : (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (jobs < 1)
      jobs = 1;
    if (jobs > p.todo)
      jobs = p.todo > 0 ? p.todo : 1;
    pthread_t th[1024];
    int started = 0;
    for (int i = 1; i < jobs; i++)
      if (pthread_create(&th[started], NULL, worker, &p) == 0)
        started++;
    worker(&p);
    for (int i = 0; i < started; i++)
      pthread_join(th[i], NULL);
    pthread_mutex_destroy(&p.lock);
    if (p.tty)
      fputc('\n', stderr);
  }

  int failed = 0;
  for (int i = 0; i < sw.nruns; i++)
    failed += sw.runs[i].done && !sw.runs[i].ok;
  int with_speedup = !o.nshards || o.nshards == 1;
  speedups(&sw);

  status = failed ? EXIT_FAIL : EXIT_OK;
  char *buf = NULL;
  size_t len = 0;
  FILE *m = open_memstream(&buf, &len);
  if (!m) {
    free(sw.runs);
    fprintf(stderr, "gilsim: out of memory\n");
    return EXIT_FAIL;
  }
  fprintf(m, "gilsim sweep \xe2\x80\x94 scenario %s (%s), runtime %s", sw.scenario, sw.file,
          sw.runtime);
  if (o.nshards)
    fprintf(m, ", shard %d of %d", o.shard, o.nshards);
  if (!o.merge)
    fprintf(m, ", calibration %s", a.calibration ? a.calibration : "none");
  fputs("\n", m);
  if (!with_speedup) /* a speedup needs its reference run, perhaps in another shard */
    for (int i = 0; i < sw.nruns; i++)
      sw.runs[i].speedup = NAN;
  put_table(m, &sw);
  if (fclose(m) != 0)
    status = EXIT_FAIL;
  if (a.csv && write_csv_file(a.csv, &sw, with_speedup) != 0)
    status = EXIT_FAIL;
  if (o.plot && with_speedup) {
    if (plot_cores(&sw, o.plot) != 0 || plot_other_axis(&sw, &o, o.plot) != 0)
      status = EXIT_FAIL;
  }
  errno = 0;
  fwrite(buf, 1, len, stdout);
  free(buf);
  for (int i = 0; i < sw.nruns; i++)
    if (sw.runs[i].done && !sw.runs[i].ok)
      fprintf(stderr, "gilsim: run %d (%s, %d cores) failed: %s\n", i,
              gs_model_name((gs_model)sw.runs[i].model), sw.runs[i].cores, sw.runs[i].why);
  free(sw.runs);
  return cli_finish_stdout(status);
}
