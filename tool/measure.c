/*
 * measure.c - gilsim measure: run a scenario's workload for real on this
 * machine, R times, and report it the way gilsim run reports a simulation.
 *
 *   runtime c        the harness library (harness/): pthreads, fork()ed
 *                    workers, a C GIL; one repetition per child process
 *   runtime cpython  harness/python/gilrun.py under the real GIL, started
 *                    with an argument vector (never a shell); the job goes
 *                    to its stdin as JSON and the result comes back on its
 *                    stdout as JSON
 *
 * Every repetition runs confined to the scenario's core count
 * (sched_setaffinity, inherited by children).  The report is that of the
 * median repetition (by wall time), with min / median / max of the
 * repetitions beside it; --csv appends one row for the configuration,
 * written to a temporary copy that replaces the file only when complete,
 * so an interrupted run never leaves half a row, and a failed run leaves
 * the file as it was; a --csv FILE that cannot be written is refused before
 * the first repetition (output.h).
 *
 * python3 runs as a child of child.h: in a process group of its own (with
 * its pool's worker processes), so that ^C reaches the tool alone and the
 * tool kills the whole group; and killed if the tool dies.
 */
#define _GNU_SOURCE /* strdup, gethostname */

#include "child.h"
#include "cli.h"
#include "harness.h"
#include "output.h"
#include "report.h"
#include "rng.h"
#include "server.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef GILSIM_PYTHON_DIR
#error "GILSIM_PYTHON_DIR must name the folder of gilrun.py (the build sets it)"
#endif

void put_measure_details(FILE *f)
{
  fputs("\nRun the workload of the scenario in FILE for real on this machine and\n"
        "report it as 'gilsim run' reports a simulation, so the two compare field\n"
        "by field.  Runtime c runs it with pthreads, fork()ed workers and, with\n"
        "--gil new|old, a GIL written in C; runtime cpython runs it with python3\n"
        "(harness/python/gilrun.py) under the real GIL.\n\n"
        "Options of measure (each overrides the scenario file's setting):\n"
        "  --cores N          confine the run, children included, to N CPUs\n"
        "                     (sched_setaffinity); more than this machine has is\n"
        "                     an error\n"
        "  --model M          sequential, threads, processes or asyncio (runtime\n"
        "                     c: asyncio for the download workload only)\n"
        "  --workers W        worker threads or processes\n"
        "  --gil G            runtime c: none, new or old (the C GIL)\n"
        "  --seed S           seed of the scenario's random variates\n"
        "  --set key=value    switch_interval and check_interval set the GILs\n"
        "  --repeat R         repetitions (default 3); the report is the median\n"
        "                     one, with min, median and max of wall, user and sys\n"
        "  --format F         text (default), json or csv, as for run\n"
        "  --csv FILE         append one row for this configuration (host, CPU,\n"
        "                     kernel, date, settings, repeat statistics) to FILE\n"
        "  --trace FILE.json  per-task timestamps of the median repetition, in the\n"
        "                     trace format of run, to open beside a simulation\n"
        "  -h, --help         show this help and exit\n\n"
        "Exit status: 0 success; 1 the measurement failed (a worker or the download\n"
        "server died, python3 is missing, a result was wrong) or output could not\n"
        "be written; 2 bad command line or scenario, or a --csv or --trace FILE\n"
        "that cannot be written (refused before the first repetition).  Killed\n"
        "by ^C, SIGTERM or SIGHUP, it first kills the processes it started and\n"
        "leaves FILE as it was.\n",
        f);
}

/* ---- CPython runs ------------------------------------------------------- */

static json_object *seconds(gs_time ns) { return json_object_new_double((double)ns / 1e9); }

/* The job description gilrun.py reads on its stdin; port is the loopback
 * download server's (download workload only). */
static json_object *python_job(const gs_scenario *sc, int port, gs_error *err)
{
  static const char *const models[] = {"sequential", "threads", "processes", "asyncio"};
  static const char *const workloads[] = {"primes", "countdown", "sleep", "custom", "download",
                                          "convoy"};
  static const char *const kinds[] = {"cpu", "sleep", "io", "cpu_nogil", "thread"};
  json_object *job = json_object_new_object();
  json_object_object_add(job, "workload", json_object_new_string(workloads[sc->workload]));
  json_object_object_add(job, "model", json_object_new_string(models[sc->model]));
  json_object_object_add(job, "workers", json_object_new_int(sc->workers));
  gs_params p = sc->params;
  gs_params_resolve(&p, sc->runtime);
  json_object_object_add(job, "switch_interval_s",
                         json_object_new_double(p.v[GS_P_SWITCH_INTERVAL] / 1e9));
  json_object *tasks = json_object_new_array();
  gsR_rng rng = {0};
  if (sc->workload == GS_WL_CUSTOM && gsR_init(&rng, sc->seed) < 0) {
    json_object_put(job);
    json_object_put(tasks);
    snprintf(err->msg, sizeof err->msg, "out of memory");
    return NULL;
  }
  for (size_t i = 0; i < sc->ntasks && sc->workload != GS_WL_CONVOY; i++) {
    switch (sc->workload) {
    case GS_WL_PRIMES:
      json_object_array_add(tasks, json_object_new_uint64(sc->numbers[i]));
      break;
    case GS_WL_COUNTDOWN:
      json_object_array_add(tasks, json_object_new_int64(sc->counts[i]));
      break;
    case GS_WL_SLEEP:
      json_object_array_add(tasks, seconds(sc->durations[i]));
      break;
    case GS_WL_DOWNLOAD:
      json_object_array_add(tasks, json_object_new_int64((int64_t)i));
      break;
    case GS_WL_CUSTOM: {
      /* Durations drawn here from the scenario's seed, in task order. */
      json_object *steps = json_object_new_array();
      for (size_t k = 0; k < sc->custom[i].nsteps; k++) {
        const gs_step *st = &sc->custom[i].steps[k];
        json_object *o = json_object_new_object();
        json_object_object_add(o, "kind", json_object_new_string(kinds[st->kind]));
        json_object_object_add(o, "seconds", seconds(gsR_sample(&rng, &st->dur)));
        json_object_array_add(steps, o);
      }
      json_object_array_add(tasks, steps);
      break;
    }
    default:
      break;
    }
  }
  gsR_free(&rng);
  if (sc->workload == GS_WL_CONVOY)
    json_object_put(tasks); /* gilrun.py builds the convoy's tasks itself */
  else
    json_object_object_add(job, "tasks", tasks);
  if (sc->workload == GS_WL_DOWNLOAD) {
    json_object *d = json_object_new_object();
    json_object *sizes = json_object_new_array();
    for (size_t i = 0; i < sc->ntasks; i++)
      json_object_array_add(sizes, json_object_new_int64(sc->sizes[i]));
    json_object_object_add(d, "host", json_object_new_string("127.0.0.1"));
    json_object_object_add(d, "port", json_object_new_int(port));
    json_object_object_add(d, "sizes", sizes);
    json_object_object_add(d, "timeout_s", json_object_new_double(30.0));
    json_object_object_add(job, "download", d);
  }
  if (sc->workload == GS_WL_CONVOY) {
    if (sc->convoy.latency.kind != GS_DIST_CONST) {
      json_object_put(job);
      snprintf(err->msg, sizeof err->msg,
               "measuring the convoy workload needs a constant latency");
      return NULL;
    }
    json_object *c = json_object_new_object();
    json_object_object_add(c, "ops", json_object_new_int64(sc->convoy.ops));
    json_object_object_add(c, "latency_s", json_object_new_double(sc->convoy.latency.a / 1e9));
    json_object_object_add(c, "op_cpu_s", seconds(sc->convoy.op_cpu));
    json_object_object_add(c, "cpu_threads", json_object_new_int(sc->convoy.cpu_threads));
    json_object_object_add(c, "cpu_s", seconds(sc->convoy.cpu));
    json_object_object_add(job, "convoy", c);
  }
  return job;
}

static gs_time get_ns(json_object *o, const char *key)
{
  json_object *v;
  if (!json_object_object_get_ex(o, key, &v))
    return 0;
  return (gs_time)(json_object_get_double(v) * 1e9 + 0.5);
}

static int64_t get_i64(json_object *o, const char *key)
{
  json_object *v;
  return json_object_object_get_ex(o, key, &v) ? json_object_get_int64(v) : 0;
}

/* gilrun.py's result as gs_results: one process, one thread row with the
 * totals (CPython's per-thread figures are not measured), the tasks. */
static gs_err python_results(const gs_scenario *sc, json_object *res, gs_results **out,
                             gs_error *err)
{
  gs_results *r = calloc(1, sizeof *r);
  if (!r)
    goto nomem;
  r->wall = get_ns(res, "wall_s");
  r->user = get_ns(res, "user_s");
  r->sys = get_ns(res, "sys_s");
  r->seed = sc->seed;
  r->cores = sc->cores;
  r->workers = sc->workers;
  r->runtime = sc->runtime;
  r->model = sc->model;
  r->sched = sc->sched;
  r->gil = gs_gil_effective(sc->gil, sc->runtime);
  r->params = sc->params;
  gs_params_resolve(&r->params, sc->runtime);
  r->nprocs = r->nthreads = 1;
  r->procs = calloc(1, sizeof *r->procs);
  r->threads = calloc(1, sizeof *r->threads);
  r->core = calloc((size_t)sc->cores, sizeof *r->core);
  r->ntasks = sc->ntasks;
  r->tasks = calloc(sc->ntasks ? sc->ntasks : 1, sizeof *r->tasks);
  if (!r->procs || !r->threads || !r->core || !r->tasks)
    goto nomem;
  r->procs[0] = (gs_proc_result){.pid = 1, .name = "main", .nthreads = 1, .user = r->user,
                                 .sys = r->sys, .ended = r->wall};
  r->threads[0] = (gs_thread_result){.pid = 1, .name = "main", .user = r->user, .sys = r->sys,
                                     .ended = r->wall,
                                     .nvcsw = (uint64_t)get_i64(res, "nvcsw"),
                                     .nivcsw = (uint64_t)get_i64(res, "nivcsw"),
                                     .tasks = sc->ntasks};
  json_object *tasks;
  if (json_object_object_get_ex(res, "tasks", &tasks) && json_object_is_type(tasks, json_type_array)) {
    size_t n = json_object_array_length(tasks);
    for (size_t i = 0; i < n; i++) {
      json_object *t = json_object_array_get_idx(tasks, i);
      int64_t k = get_i64(t, "task");
      if (k < 0 || (size_t)k >= sc->ntasks) {
        snprintf(err->msg, sizeof err->msg, "python3 reported an unknown task %" PRId64, k);
        gs_results_free(r);
        return GS_ERR_MODEL;
      }
      json_object *v;
      r->tasks[k].task = (uint64_t)k;
      if (json_object_object_get_ex(t, "value", &v))
        r->tasks[k].value = json_object_get_uint64(v);
      r->tasks[k].started = get_ns(t, "started_s");
      r->tasks[k].finished = get_ns(t, "finished_s");
    }
  }
  json_object *c;
  if (json_object_object_get_ex(res, "convoy", &c)) {
    r->convoy_ops = (uint64_t)get_i64(c, "ops");
    r->convoy_time = get_ns(c, "time_s");
  }
  if (sc->workload == GS_WL_PRIMES)
    for (size_t i = 0; i < sc->ntasks; i++)
      if (r->tasks[i].value != gs_least_prime_factor(sc->numbers[i], NULL)) {
        snprintf(err->msg, sizeof err->msg,
                 "python3 found %" PRIu64 " as the least prime factor of %" PRIu64
                 ", expected %" PRIu64,
                 r->tasks[i].value, sc->numbers[i], gs_least_prime_factor(sc->numbers[i], NULL));
        gs_results_free(r);
        return GS_ERR_MODEL;
      }
  *out = r;
  return GS_OK;
nomem:
  gs_results_free(r);
  snprintf(err->msg, sizeof err->msg, "out of memory");
  return GS_ERR_NOMEM;
}

/* Read all of fd into a growing buffer. */
static char *read_all(int fd, size_t *len)
{
  size_t cap = 4096, n = 0;
  char *buf = malloc(cap);
  while (buf) {
    if (n + 1 >= cap) {
      char *b = realloc(buf, cap *= 2);
      if (!b) {
        free(buf);
        return NULL;
      }
      buf = b;
    }
    ssize_t k = read(fd, buf + n, cap - n - 1);
    if (k < 0 && errno == EINTR)
      continue;
    if (k <= 0)
      break;
    n += (size_t)k;
  }
  if (buf)
    buf[n] = 0;
  *len = n;
  return buf;
}

static gs_err python_client(const gs_scenario *sc, int port, gs_results **out, gs_error *err);

/* One repetition under python3: fork, confine, exec with an argument
 * vector; job on stdin, result on stdout, stderr passed through. */
static gs_err python_run_once(const gs_scenario *sc, gs_results **out, gs_error *err)
{
  /* Downloads go to a loopback server of the scenario's network, started
   * for this repetition only (in a child of its own: its CPU is not the
   * measured program's) and stopped once the client has exited. */
  gsn_server *server = NULL;
  if (sc->workload == GS_WL_DOWNLOAD && !(server = gsn_server_start(sc, sc->seed, err)))
    return GS_ERR_IO;
  gs_err e = python_client(sc, server ? gsn_server_port(server) : 0, out, err);
  if (server) {
    gsn_server_stats st;
    gs_error serr;
    if (gsn_server_stop(server, &st, &serr) != GS_OK) {
      /* A server that died is the cause of the client's failure: say it
       * first, then what python3 saw. */
      if (e == GS_OK) {
        gs_results_free(*out);
        *out = NULL;
        *err = serr;
      } else {
        gs_error both;
        snprintf(both.msg, sizeof both.msg, "%.480s during the run; %.480s", serr.msg,
                 err->msg);
        *err = both;
      }
      return GS_ERR_IO;
    }
    if (e == GS_OK) {
      (*out)->net.requests = st.requests;
      (*out)->net.bytes = st.bytes;
      (*out)->net.max_in_flight = st.max_transfers;
    }
  }
  return e;
}

/* The client side of one repetition under python3. */
static gs_err python_client(const gs_scenario *sc, int port, gs_results **out, gs_error *err)
{
  json_object *job = python_job(sc, port, err);
  if (!job)
    return GS_ERR_INVALID;
  const char *text = json_object_to_json_string_ext(job, JSON_C_TO_STRING_PLAIN);
  int in[2], outp[2];
  if (pipe(in) < 0 || pipe(outp) < 0) {
    json_object_put(job);
    snprintf(err->msg, sizeof err->msg, "cannot create a pipe: %s", strerror(errno));
    return GS_ERR_IO;
  }
  const char *python = getenv("GILSIM_PYTHON");
  if (!python || !*python)
    python = "python3";
  pid_t pid = gsh_child_fork();
  if (pid < 0) {
    int e = errno;
    json_object_put(job);
    close(in[0]);
    close(in[1]);
    close(outp[0]);
    close(outp[1]);
    snprintf(err->msg, sizeof err->msg, "cannot fork: %s", strerror(e));
    return GS_ERR_IO;
  }
  if (pid == 0) {
    gs_error e2;
    if (gsh_confine_cores(sc->cores, &e2) != GS_OK) {
      fprintf(stderr, "gilsim: %s\n", e2.msg);
      _exit(126);
    }
    dup2(in[0], 0);
    dup2(outp[1], 1);
    close(in[0]);
    close(in[1]);
    close(outp[0]);
    close(outp[1]);
    char *argv[] = {(char *)python, (char *)GILSIM_PYTHON_DIR "/gilrun.py", NULL};
    execvp(python, argv);
    fprintf(stderr, "gilsim: cannot run %s: %s\n", python, strerror(errno));
    _exit(127);
  }
  close(in[0]);
  close(outp[1]);
  /* The job is small; a child that dies early makes this write fail with
   * EPIPE, which the exit status below explains. */
  void (*old)(int) = signal(SIGPIPE, SIG_IGN);
  size_t left = strlen(text);
  const char *p = text;
  while (left > 0) {
    ssize_t k = write(in[1], p, left);
    if (k < 0 && errno == EINTR)
      continue;
    if (k <= 0)
      break;
    p += k;
    left -= (size_t)k;
  }
  close(in[1]);
  signal(SIGPIPE, old);
  json_object_put(job);
  size_t len;
  char *reply = read_all(outp[0], &len);
  close(outp[0]);
  int status = 0;
  if (gsh_child_wait(pid, &status) < 0) {
    free(reply);
    snprintf(err->msg, sizeof err->msg, "waiting for python3 (pid %ld) failed: %s", (long)pid,
             strerror(errno));
    return GS_ERR_IO;
  }
  json_object *res = cli_python_reply(python, "gilrun.py", status, reply, err);
  if (!res)
    return GS_ERR_MODEL;
  gs_err e = python_results(sc, res, out, err);
  json_object_put(res);
  return e;
}

json_object *cli_python_reply(const char *python, const char *script, int status, char *reply,
                              gs_error *err)
{
  if (WIFSIGNALED(status) || WEXITSTATUS(status) != 0) {
    free(reply);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
      snprintf(err->msg, sizeof err->msg, "python3 is missing: cannot run '%s'", python);
    else if (WIFSIGNALED(status))
      snprintf(err->msg, sizeof err->msg, "python3 was killed by signal %d", WTERMSIG(status));
    else
      snprintf(err->msg, sizeof err->msg,
               "python3 %s/%s failed with status %d (see its message above)", GILSIM_PYTHON_DIR,
               script, WEXITSTATUS(status));
    return NULL;
  }
  json_object *res = reply ? json_tokener_parse(reply) : NULL;
  free(reply);
  if (!res || !json_object_is_type(res, json_type_object)) {
    json_object_put(res);
    snprintf(err->msg, sizeof err->msg, "python3 %s gave no readable result", script);
    return NULL;
  }
  return res;
}

/* ---- Repetitions and statistics ---------------------------------------- */

typedef struct {
  double min, median, max;
} stat3;

static int cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static stat3 stats(double *v, int n)
{
  qsort(v, (size_t)n, sizeof *v, cmp_double);
  stat3 s = {v[0], n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2, v[n - 1]};
  return s;
}

typedef struct {
  int n;
  stat3 wall, user, sys, nvcsw, nivcsw;
} repeat_stats;

static uint64_t sum_csw(const gs_results *r, int involuntary)
{
  uint64_t n = 0;
  for (size_t i = 0; i < r->nthreads; i++)
    n += involuntary ? r->threads[i].nivcsw : r->threads[i].nvcsw;
  return n;
}

static repeat_stats summarise(gs_results **runs, int n)
{
  double w[1000], u[1000], s[1000], v[1000], iv[1000];
  for (int i = 0; i < n; i++) {
    w[i] = (double)runs[i]->wall / 1e9;
    u[i] = (double)runs[i]->user / 1e9;
    s[i] = (double)runs[i]->sys / 1e9;
    v[i] = (double)sum_csw(runs[i], 0);
    iv[i] = (double)sum_csw(runs[i], 1);
  }
  repeat_stats st = {n, stats(w, n), stats(u, n), stats(s, n), stats(v, n), stats(iv, n)};
  return st;
}

/* The repetition whose wall time is the median (the lower one of two). */
static int median_run(gs_results **runs, int n)
{
  int idx[1000];
  for (int i = 0; i < n; i++)
    idx[i] = i;
  for (int i = 1; i < n; i++) /* insertion sort by wall: n is small */
    for (int j = i; j > 0 && runs[idx[j]]->wall < runs[idx[j - 1]]->wall; j--) {
      int t = idx[j];
      idx[j] = idx[j - 1];
      idx[j - 1] = t;
    }
  return idx[(n - 1) / 2];
}

/* ---- Output -------------------------------------------------------------- */

static void put_stat_text(FILE *f, const char *what, stat3 s)
{
  char a[32], b[32], c[32];
  gs_fmt_time(a, sizeof a, s.min);
  gs_fmt_time(b, sizeof b, s.median);
  gs_fmt_time(c, sizeof c, s.max);
  fprintf(f, "  %-5s min %s, median %s, max %s\n", what, a, b, c);
}

/* The report of the median run, with the repetitions' statistics spliced
 * in: before the closing CPU/Wall lines (text), or as a "measured" key. */
static char *measured_report(const run_args *a, const gs_scenario *sc, const gs_results *r,
                             const repeat_stats *st, size_t *len)
{
  char *base = cli_report(a, sc, r, len);
  if (!base || a->format == FMT_CSV)
    return base;
  char *buf = NULL;
  size_t n = 0;
  FILE *m = open_memstream(&buf, &n);
  if (!m) {
    free(base);
    return NULL;
  }
  if (a->format == FMT_TEXT) {
    char *tail = strstr(base, "\nCPU times:");
    size_t head = tail ? (size_t)(tail - base) + 1 : *len;
    fwrite(base, 1, head, m);
    fprintf(m, "Measured on this machine: %d repetition%s (the report is the median one)\n",
            st->n, st->n == 1 ? "" : "s");
    put_stat_text(m, "wall", st->wall);
    put_stat_text(m, "user", st->user);
    put_stat_text(m, "sys", st->sys);
    fputc('\n', m);
    fputs(base + head, m);
  } else {
    /* Replace the closing "\n}\n" with the extra key. */
    size_t keep = *len >= 3 ? *len - 3 : *len;
    fwrite(base, 1, keep, m);
    fprintf(m, ",\n  \"measured\": {\"repeat\": %d", st->n);
    const struct {
      const char *name;
      stat3 s;
    } rows[] = {{"wall_s", st->wall}, {"user_s", st->user}, {"sys_s", st->sys},
                {"nvcsw", st->nvcsw}, {"nivcsw", st->nivcsw}};
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
      fprintf(m, ", \"%s\": {\"min\": %.9f, \"median\": %.9f, \"max\": %.9f}", rows[i].name,
              rows[i].s.min, rows[i].s.median, rows[i].s.max);
    fputs("}\n}\n", m);
  }
  free(base);
  if (fclose(m) != 0) {
    free(buf);
    return NULL;
  }
  *len = n;
  return buf;
}



static const char csv_header[] =
  "host,cpu_model,kernel,date,scenario,file,runtime,gil,model,cores,workers,repeat,"
  "wall_min_s,wall_median_s,wall_max_s,user_min_s,user_median_s,user_max_s,"
  "sys_min_s,sys_median_s,sys_max_s,nvcsw_median,nivcsw_median\n";

/* Append one row to path through a temporary copy renamed over it.  An
 * existing file that cannot be read whole fails the append: a copy of part
 * of it would replace the rows it has. */
static int append_csv(const char *path, const gs_scenario *sc, const gs_results *r,
                      const repeat_stats *st, gs_error *err)
{
  char host[256], cpu[256], kernel[256], date[64], tmp[4400];
  cli_host_facts(host, sizeof host, cpu, sizeof cpu, kernel, sizeof kernel, 0);
  time_t now = time(NULL);
  strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
  FILE *in = fopen(path, "r");
  if (!in && errno != ENOENT) {
    snprintf(err->msg, sizeof err->msg, "cannot read '%s' to append to it: %s", path,
             strerror(errno));
    return -1;
  }
  int fd = cli_output_temp(path, tmp, sizeof tmp);
  FILE *out = fd >= 0 ? fdopen(fd, "w") : NULL;
  if (!out) {
    int e = errno;
    if (fd >= 0) {
      close(fd);
      cli_output_discard(tmp);
    }
    if (in)
      fclose(in);
    snprintf(err->msg, sizeof err->msg, "cannot write '%s': %s", path, strerror(e));
    return -1;
  }
  int have_rows = 0, bad_read = 0;
  if (in) {
    char buf[8192];
    size_t k;
    while ((k = fread(buf, 1, sizeof buf, in)) > 0) {
      fwrite(buf, 1, k, out);
      have_rows = 1;
    }
    bad_read = ferror(in);
    fclose(in);
  }
  if (bad_read) {
    fclose(out);
    cli_output_discard(tmp);
    snprintf(err->msg, sizeof err->msg, "cannot read '%s' to append to it", path);
    return -1;
  }
  if (!have_rows)
    fputs(csv_header, out);
  const char *fields[] = {host, cpu, kernel, date, sc->name, sc->path,
                          gs_runtime_name(r->runtime), gs_gil_name(r->gil),
                          gs_model_name(r->model)};
  for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
    cli_csv_field(out, fields[i]);
    fputc(',', out);
  }
  fprintf(out, "%d,%d,%d,%.9f,%.9f,%.9f,%.9f,%.9f,%.9f,%.9f,%.9f,%.9f,%.0f,%.0f\n", r->cores,
          r->workers, st->n, st->wall.min, st->wall.median, st->wall.max, st->user.min,
          st->user.median, st->user.max, st->sys.min, st->sys.median, st->sys.max,
          st->nvcsw.median, st->nivcsw.median);
  int bad = fflush(out) != 0 || ferror(out) || fsync(fileno(out)) != 0;
  int e = errno;
  if (fclose(out) != 0 && !bad) {
    bad = 1;
    e = errno;
  }
  if (!bad) {
    if (cli_output_commit(tmp, path) == 0)
      return 0;
    e = errno;
  } else {
    cli_output_discard(tmp);
  }
  snprintf(err->msg, sizeof err->msg, "cannot write '%s': %s", path, strerror(e ? e : EIO));
  return -1;
}

/* Per-task timestamps as trace events: each thread that ran tasks is
 * "running" during them and "blocked" between them. */
static void trace_tasks(gs_tracew *w, const gs_results *r)
{
  gs_trace_event ev = {.kind = GS_TR_PROC, .pid = 1, .name = "main"};
  gs_tracew_event(w, &ev);
  for (size_t i = 0; i < r->nthreads; i++) {
    ev = (gs_trace_event){.kind = GS_TR_THREAD, .pid = r->threads[i].pid,
                          .tid = r->threads[i].tid, .name = r->threads[i].name};
    gs_tracew_event(w, &ev);
  }
  /* Events in time order: task starts and ends, sorted. */
  size_t n = 2 * r->ntasks;
  gs_trace_event *evs = calloc(n ? n : 1, sizeof *evs);
  if (!evs)
    return;
  for (size_t i = 0; i < r->ntasks; i++) {
    int tid = r->tasks[i].tid;
    int pid = 1;
    for (size_t k = 0; k < r->nthreads; k++)
      if (r->threads[k].tid == tid)
        pid = r->threads[k].pid;
    evs[2 * i] = (gs_trace_event){.kind = GS_TR_STATE, .at = r->tasks[i].started, .pid = pid,
                                  .tid = tid, .value = GS_TRS_RUNNING};
    evs[2 * i + 1] = (gs_trace_event){.kind = GS_TR_STATE, .at = r->tasks[i].finished,
                                      .pid = pid, .tid = tid, .value = GS_TRS_BLOCKED};
  }
  for (size_t i = 1; i < n; i++) /* insertion sort by time; ends first on ties */
    for (size_t j = i; j > 0 && (evs[j].at < evs[j - 1].at ||
                                 (evs[j].at == evs[j - 1].at && evs[j].value > evs[j - 1].value));
         j--) {
      gs_trace_event t = evs[j];
      evs[j] = evs[j - 1];
      evs[j - 1] = t;
    }
  for (size_t i = 0; i < n; i++)
    gs_tracew_event(w, &evs[i]);
  free(evs);
}

/* ---- One configuration ------------------------------------------------------ */

gs_err measure_check(const gs_scenario *sc, gs_error *err)
{
  int have = gsh_cpus_available(err);
  if (have < 0)
    return GS_ERR_INVALID;
  if (sc->cores > have) {
    snprintf(err->msg, sizeof err->msg, "--cores %d: this machine lets the run use %d CPU%s",
             sc->cores, have, have == 1 ? "" : "s");
    return GS_ERR_INVALID;
  }
  if (sc->runtime == GS_RT_CPYTHON && sc->gil != GS_GIL_DEFAULT && sc->gil != GS_GIL_NEW) {
    snprintf(err->msg, sizeof err->msg,
             "runtime cpython measures the real GIL (new); --gil %s applies to runtime c",
             gs_gil_name(sc->gil));
    return GS_ERR_INVALID;
  }
  /* Refuse what cannot be measured before any time is spent. */
  if (sc->runtime == GS_RT_CPYTHON) {
    json_object *probe = python_job(sc, 0, err);
    if (!probe)
      return GS_ERR_INVALID;
    json_object_put(probe);
    return GS_OK;
  }
  return gsh_check(sc, err);
}

gs_err measure_once(const gs_scenario *sc, gs_results **out, gs_error *err)
{
  gsh_options opt = {.cores = sc->cores};
  gs_err e = sc->runtime == GS_RT_CPYTHON ? python_run_once(sc, out, err)
                                          : gsh_run_once(sc, &opt, out, err);
  if (e == GS_OK)
    (*out)->measured = 1;
  return e;
}

/* ---- The command ---------------------------------------------------------- */

int cmd_measure(const run_args *a)
{
  gs_error err = {{0}};
  gs_scenario *sc = NULL;
  int status = cli_load_scenario(a, a->file, &sc, 1); /* a->measure: no calibration */
  if (status)
    return status;
  gs_err e;
  if ((e = measure_check(sc, &err)) != GS_OK) {
    fprintf(stderr, "gilsim: %s\n", err.msg);
    gs_scenario_free(sc);
    return e == GS_ERR_NOMEM ? EXIT_FAIL : EXIT_USAGE;
  }

  /* A CSV that cannot be written is refused before any time is spent. */
  if (a->csv && (status = cli_output_check(a->csv, CLI_OUT_APPEND)) != 0) {
    gs_scenario_free(sc);
    return status;
  }
  gs_tracew *trace = NULL;
  status = cli_open_trace(a, sc, &trace);
  if (status) {
    gs_scenario_free(sc);
    return status;
  }

  int n = a->repeat > 0 ? a->repeat : 3;
  gs_results **runs = calloc((size_t)n, sizeof *runs);
  status = runs ? EXIT_OK : EXIT_FAIL;
  for (int i = 0; i < n && status == EXIT_OK; i++) {
    e = measure_once(sc, &runs[i], &err);
    if (e != GS_OK) {
      fprintf(stderr, "gilsim: measurement failed: %s\n", err.msg);
      status = e == GS_ERR_INVALID ? EXIT_USAGE : EXIT_FAIL;
    }
    if (isatty(2) && status == EXIT_OK)
      fprintf(stderr, "\rgilsim: repetition %d of %d done", i + 1, n);
  }
  if (isatty(2))
    fputc('\n', stderr);

  char *report = NULL;
  size_t len = 0;
  if (status == EXIT_OK) {
    repeat_stats st = summarise(runs, n);
    const gs_results *mid = runs[median_run(runs, n)];
    report = measured_report(a, sc, mid, &st, &len);
    if (!report) {
      fprintf(stderr, "gilsim: cannot format the report: %s\n", strerror(errno));
      status = EXIT_FAIL;
    }
    if (status == EXIT_OK && trace)
      trace_tasks(trace, mid);
    if (status == EXIT_OK && cli_close_trace(trace, mid->wall, true) != 0)
      status = EXIT_FAIL;
    trace = NULL;
    if (status == EXIT_OK && a->csv && append_csv(a->csv, sc, mid, &st, &err) != 0) {
      fprintf(stderr, "gilsim: %s\n", err.msg);
      status = EXIT_FAIL;
    }
  }
  cli_close_trace(trace, 0, false);
  for (int i = 0; runs && i < n; i++)
    gs_results_free(runs[i]);
  free(runs);
  gs_scenario_free(sc);
  if (status != EXIT_OK) {
    free(report);
    return status;
  }
  errno = 0;
  fwrite(report, 1, len, stdout);
  free(report);
  return cli_finish_stdout(EXIT_OK);
}
