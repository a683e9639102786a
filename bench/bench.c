/*
 * bench.c - gilsim-bench: how fast the engine runs and how much memory a
 * simulated thread costs, on fixed scenarios, beside a SimPy peer.
 *
 * Scenarios (built in memory through gs_scenario, run through gs_run):
 *   1 gil        10,000 CPU-bound threads under the new GIL (CPython
 *                runtime, a pool of 10,000 threads, 880 us of CPU each),
 *                5 us switch interval, 64 cores, round-robin scheduler:
 *                10.1 s simulated.
 *   2 downloads  100,000 coroutines on one asyncio event loop, each
 *                downloading 100 kB over one shared 1 Gbit/s link.
 *   3 memory     1,000,000 threads (or GS_MAX_WORKERS, if smaller), each
 *                one short CPU step and one blocking I/O; C runtime.
 * With --trace, scenario 1 at 1,000 threads of 10 us (so that its trace
 * stays under a gigabyte) and scenario 2 run three ways: untraced, with
 * every trace event written as Chrome JSON by the tool's trace writer
 * (tool/trace.c) to a temporary file, and with a callback that only
 * counts.
 *
 * Every run is a forked child, so that its peak resident set (VmHWM of
 * /proc/self/status) is its own; the child reads VmRSS first, before it
 * builds the scenario, and
 *     bytes per simulated thread = (VmHWM - that baseline) / threads,
 * with threads = every thread the run created (workers and main).  Only
 * gs_run is timed (CLOCK_MONOTONIC), not building or freeing the scenario.
 *
 * The peer: bench/peers/simpy_gil.py models scenario 1's machinery (cores
 * handed out round-robin, a GIL with timed waits and drop requests) in
 * SimPy 2; it runs at a smaller size, and so does gilsim on the same input
 * for the ratio of events per second.
 */
#include "gs.h"
#include "trace.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef GS_BENCH_PEER
#define GS_BENCH_PEER "bench/peers/simpy_gil.py"
#endif
#ifndef GS_BENCH_PYTHON
#define GS_BENCH_PYTHON "/usr/bin/python3"
#endif

static const char usage[] =
  "usage: gilsim-bench [--quick] [--trace] [--only N] [--repeat R] [--no-peer]\n"
  "                    [--python PATH] [--threads N] [--cpu-us US]\n";

static const char help[] =
  "\n"
  "Runs the engine benchmark: each scenario in a forked child, timed around\n"
  "gs_run, with the child's peak resident set.\n"
  "\n"
  "  --quick       small sizes (a smoke test: seconds, not minutes)\n"
  "  --trace       also run scenario 1 at 1,000 threads of 10 us, and\n"
  "                scenario 2, traced: once writing Chrome JSON (tool/trace.c)\n"
  "                to a temporary file, once with a callback that only counts\n"
  "  --only N      run scenario N only (1, 2 or 3); the peer runs with 1\n"
  "  --repeat R    run each scenario R times and report the median (default 1)\n"
  "  --no-peer     leave out the SimPy peer\n"
  "  --python PATH the Python with SimPy 2 (default " GS_BENCH_PYTHON ")\n"
  "  --threads N, --cpu-us US\n"
  "                scenario 1 with N threads of US microseconds of CPU each\n"
  "                (default 10000 and 880): a smaller run to profile\n";

/* ---- Scenarios --------------------------------------------------------- */

enum { SC_GIL = 1, SC_DOWNLOADS, SC_MEMORY, SC_COUNT };
enum { TR_NONE = 0, TR_FILE, TR_COUNT };

typedef struct {
  int threads;      /* gil, memory: threads (= tasks) */
  int cores;
  gs_time cpu;      /* gil: CPU per thread; memory: the CPU step */
  gs_time io;       /* memory: the I/O step */
  int coros;        /* downloads */
} sizes;

static char *dup_str(const char *s)
{
  char *d = strdup(s);
  if (!d) {
    perror("gilsim-bench");
    exit(1);
  }
  return d;
}

static void *zalloc(size_t n, size_t size)
{
  void *p = calloc(n ? n : 1, size);
  if (!p) {
    perror("gilsim-bench");
    exit(1);
  }
  return p;
}

static void set_param(gs_scenario *sc, gs_param_id id, double v)
{
  sc->params.v[id] = v;
  sc->params.set |= (uint64_t)1 << id;
}

static gs_dist constant(gs_time ns)
{
  gs_dist d = {.kind = GS_DIST_CONST, .a = (double)ns};
  return d;
}

/* n custom tasks sharing one array of steps (as `repeat` does). */
static void custom_tasks(gs_scenario *sc, size_t n, const gs_step *steps, size_t nsteps)
{
  gs_step *shared = zalloc(nsteps, sizeof *shared);
  memcpy(shared, steps, nsteps * sizeof *steps);
  sc->workload = GS_WL_CUSTOM;
  sc->ntasks = n;
  sc->custom = zalloc(n, sizeof *sc->custom);
  for (size_t i = 0; i < n; i++) {
    sc->custom[i].nsteps = nsteps;
    sc->custom[i].steps = shared;
  }
}

static gs_scenario *build(int which, const sizes *z)
{
  gs_scenario *sc = zalloc(1, sizeof *sc);
  sc->path = dup_str("(gilsim-bench)");
  sc->description = dup_str("");
  sc->seed = 1;
  sc->sched = GS_SCHED_FAIR;
  switch (which) {
  case SC_GIL: {
    sc->name = dup_str("bench-gil");
    sc->runtime = GS_RT_CPYTHON;
    sc->model = GS_MODEL_THREADS;
    sc->sched = GS_SCHED_RR;
    sc->gil = GS_GIL_NEW;
    sc->cores = z->cores;
    sc->workers = z->threads;
    gs_step cpu = {.kind = GS_STEP_CPU, .dur = constant(z->cpu)};
    custom_tasks(sc, (size_t)z->threads, &cpu, 1);
    set_param(sc, GS_P_SWITCH_INTERVAL, 5 * GS_US);
    break;
  }
  case SC_DOWNLOADS:
    sc->name = dup_str("bench-downloads");
    sc->runtime = GS_RT_CPYTHON;
    sc->model = GS_MODEL_ASYNCIO;
    sc->cores = 2;
    sc->workers = 1;
    sc->workload = GS_WL_DOWNLOAD;
    sc->ntasks = (size_t)z->coros;
    sc->sizes = zalloc(sc->ntasks, sizeof *sc->sizes);
    for (size_t i = 0; i < sc->ntasks; i++)
      sc->sizes[i] = 100000;
    sc->net.latency.kind = GS_DIST_LOGNORMAL;
    sc->net.latency.a = 50 * GS_MS;
    sc->net.latency.b = 0.4;
    sc->net.conn_bps = 10e6;
    sc->net.link_bps = 125e6;
    sc->net.cpu_per_byte = 1;
    sc->net.cpu_holds_gil = 1;
    break;
  case SC_MEMORY: {
    sc->name = dup_str("bench-memory");
    sc->runtime = GS_RT_C;
    sc->model = GS_MODEL_THREADS;
    sc->cores = z->cores;
    sc->workers = z->threads;
    gs_step steps[2] = {{.kind = GS_STEP_CPU, .dur = constant(z->cpu)},
                        {.kind = GS_STEP_IO, .dur = constant(z->io)}};
    custom_tasks(sc, (size_t)z->threads, steps, 2);
    break;
  }
  }
  return sc;
}

/* ---- One run in a child ------------------------------------------------ */

/* What a child reports back through its pipe. */
typedef struct {
  int ok;
  char err[sizeof(gs_error)];
  uint64_t events;
  gs_time sim;          /* simulated wall time */
  double run_s;         /* host seconds inside gs_run */
  double close_s;       /* trace: host seconds to finish the file */
  long base_kb, hwm_kb; /* VmRSS before building, VmHWM after */
  uint64_t estimate;    /* what gs_run's max_memory check estimated, bytes */
  uint64_t threads, tasks;
  uint64_t records;     /* trace events received */
  long long trace_bytes;
} sample;

static long status_kb(const char *key)
{
  FILE *f = fopen("/proc/self/status", "r");
  if (!f)
    return -1;
  char line[256];
  long kb = -1;
  size_t n = strlen(key);
  while (fgets(line, sizeof line, f))
    if (strncmp(line, key, n) == 0 && line[n] == ':') {
      kb = strtol(line + n + 1, NULL, 10);
      break;
    }
  fclose(f);
  return kb;
}

static double now_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void count_event(void *ctx, const gs_trace_event *ev)
{
  (void)ev;
  ++*(uint64_t *)ctx;
}

/* The tool's writer, counting what passes through it. */
typedef struct {
  gs_tracew *w;
  uint64_t n;
} file_tracer;

static void file_event(void *ctx, const gs_trace_event *ev)
{
  file_tracer *ft = ctx;
  ft->n++;
  gs_tracew_event(ft->w, ev);
}

static void child_run(int which, const sizes *z, int tracing, sample *out)
{
  out->base_kb = status_kb("VmRSS");
  gs_scenario *sc = build(which, z);
  gs_footprint fp;
  gs_scenario_footprint(sc, &fp);
  out->estimate = fp.bytes;
  gs_results *r = NULL;
  gs_error err = {{0}};
  gs_err e;
  char dir[] = "/tmp/gilsim-bench-XXXXXX", path[sizeof dir + 16];
  double t0 = 0, t1 = 0;
  if (tracing == TR_FILE) {
    if (!mkdtemp(dir)) {
      snprintf(out->err, sizeof out->err, "mkdtemp: %s", strerror(errno));
      return;
    }
    snprintf(path, sizeof path, "%s/trace.json", dir);
    gs_tracew_info info = {.scenario = sc->name, .seed = sc->seed, .cores = sc->cores,
                           .model = gs_model_name(sc->model),
                           .gil = gs_gil_name(gs_gil_effective(sc->gil, sc->runtime))};
    file_tracer ft = {.w = gs_tracew_open(path, &info, &err)};
    if (!ft.w) {
      snprintf(out->err, sizeof out->err, "%s", err.msg);
      rmdir(dir);
      return;
    }
    t0 = now_s();
    e = gs_run_traced(sc, file_event, &ft, &r, &err);
    t1 = now_s();
    int rc = gs_tracew_close(ft.w, r ? r->wall : 0, e == GS_OK, &err);
    out->close_s = now_s() - t1;
    struct stat st;
    if (rc == 0 && stat(path, &st) == 0)
      out->trace_bytes = (long long)st.st_size;
    unlink(path);
    rmdir(dir);
    out->records = ft.n;
    if (e == GS_OK && rc != 0)
      e = GS_ERR_IO;
  } else if (tracing == TR_COUNT) {
    t0 = now_s();
    e = gs_run_traced(sc, count_event, &out->records, &r, &err);
    t1 = now_s();
  } else {
    t0 = now_s();
    e = gs_run(sc, &r, &err);
    t1 = now_s();
  }
  if (e != GS_OK) {
    snprintf(out->err, sizeof out->err, "%s", err.msg);
  } else {
    out->ok = 1;
    out->events = r->events;
    out->sim = r->wall;
    out->run_s = t1 - t0;
    out->threads = r->nthreads;
    out->tasks = r->ntasks;
  }
  out->hwm_kb = status_kb("VmHWM");
  gs_results_free(r);
  gs_scenario_free(sc);
}

/* Run one configuration in a fresh child; false if it failed. */
static bool run_child(int which, const sizes *z, int tracing, sample *out)
{
  memset(out, 0, sizeof *out);
  int fd[2];
  if (pipe(fd) != 0) {
    perror("gilsim-bench: pipe");
    return false;
  }
  fflush(stdout);
  pid_t pid = fork();
  if (pid < 0) {
    perror("gilsim-bench: fork");
    close(fd[0]);
    close(fd[1]);
    return false;
  }
  if (pid == 0) {
    close(fd[0]);
    sample s = {0};
    child_run(which, z, tracing, &s);
    ssize_t w = write(fd[1], &s, sizeof s);
    _exit(w == (ssize_t)sizeof s ? 0 : 1);
  }
  close(fd[1]);
  size_t got = 0;
  while (got < sizeof *out) {
    ssize_t n = read(fd[0], (char *)out + got, sizeof *out - got);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    got += (size_t)n;
  }
  close(fd[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
    ;
  if (got != sizeof *out || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    fprintf(stderr, "gilsim-bench: scenario %d: the child died (status %d)\n", which, status);
    return false;
  }
  if (!out->ok) {
    fprintf(stderr, "gilsim-bench: scenario %d: %s\n", which, out->err);
    return false;
  }
  return true;
}

static int by_run_s(const void *a, const void *b)
{
  double x = ((const sample *)a)->run_s, y = ((const sample *)b)->run_s;
  return (x > y) - (x < y);
}

/* Run R times and keep the median by time (peak RSS: the largest). */
static bool measure(int which, const sizes *z, int tracing, int repeat, sample *med)
{
  sample *all = zalloc((size_t)repeat, sizeof *all);
  bool ok = true;
  long hwm = 0;
  for (int i = 0; i < repeat && ok; i++) {
    ok = run_child(which, z, tracing, &all[i]);
    if (all[i].hwm_kb > hwm)
      hwm = all[i].hwm_kb;
  }
  if (ok) {
    qsort(all, (size_t)repeat, sizeof *all, by_run_s);
    *med = all[repeat / 2];
    med->hwm_kb = hwm;
  }
  free(all);
  return ok;
}

/* ---- Printing ---------------------------------------------------------- */

static void header(void)
{
  printf("%-40s %9s %12s %8s %8s %9s %8s %8s %9s %7s %9s\n", "scenario", "threads", "events", "sim s",
         "run s", "events/s", "ns/event", "sim/wall", "peak RSS", "B/thr", "estimate");
}

static void row(const char *label, const sample *s)
{
  double rate = s->run_s > 0 ? (double)s->events / s->run_s : 0;
  double per = (double)(s->hwm_kb - s->base_kb) * 1024.0 / (double)(s->threads ? s->threads : 1);
  printf("%-40s %9" PRIu64 " %12" PRIu64 " %8.3f %8.3f %8.2fM %8.1f %8.3f %6.1f MB %7.0f %6.1f MB\n", label,
         s->threads, s->events, (double)s->sim / 1e9, s->run_s, rate / 1e6,
         s->events ? s->run_s * 1e9 / (double)s->events : 0, s->run_s > 0 ? (double)s->sim / 1e9 / s->run_s : 0,
         (double)s->hwm_kb / 1024.0, per, (double)s->estimate / 1048576.0);
}

/* ---- The SimPy peer ---------------------------------------------------- */

typedef struct {
  uint64_t events;
  double sim_s, run_s;
} peer_result;

/* Run the peer with an argument vector (no shell); parse its one line
 * "events=N sim_s=X run_s=Y".  false (and a message) if it failed. */
static bool run_peer(const char *python, const sizes *z, gs_time sim_until, peer_result *out)
{
  char threads[32], cores[32], cpu[32], until[32];
  snprintf(threads, sizeof threads, "%d", z->threads);
  snprintf(cores, sizeof cores, "%d", z->cores);
  snprintf(cpu, sizeof cpu, "%" PRId64, z->cpu);
  snprintf(until, sizeof until, "%" PRId64, sim_until);
  int fd[2];
  if (pipe(fd) != 0)
    return false;
  fflush(stdout);
  pid_t pid = fork();
  if (pid < 0) {
    close(fd[0]);
    close(fd[1]);
    return false;
  }
  if (pid == 0) {
    close(fd[0]);
    dup2(fd[1], 1);
    close(fd[1]);
    char *argv[] = {(char *)python, (char *)GS_BENCH_PEER, "--threads", threads, "--cores", cores,
                    "--cpu-ns", cpu, "--interval-ns", "5000", "--until-ns", until, NULL};
    execv(python, argv);
    fprintf(stderr, "gilsim-bench: cannot run %s: %s\n", python, strerror(errno));
    _exit(127);
  }
  close(fd[1]);
  char buf[512];
  size_t got = 0;
  for (;;) {
    ssize_t n = read(fd[0], buf + got, sizeof buf - 1 - got);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    got += (size_t)n;
    if (got == sizeof buf - 1)
      break;
  }
  buf[got] = '\0';
  close(fd[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
    ;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return false;
  return sscanf(buf, "events=%" SCNu64 " sim_s=%lf run_s=%lf", &out->events, &out->sim_s, &out->run_s) == 3;
}

/* ---- main -------------------------------------------------------------- */

int main(int argc, char **argv)
{
  bool quick = false, trace = false, peer = true;
  int only = 0, repeat = 1, gil_threads = 0;
  long gil_cpu_us = 0;
  const char *python = GS_BENCH_PYTHON;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--quick") == 0)
      quick = true;
    else if (strcmp(a, "--trace") == 0)
      trace = true;
    else if (strcmp(a, "--no-peer") == 0)
      peer = false;
    else if (strcmp(a, "--only") == 0 && i + 1 < argc)
      only = atoi(argv[++i]);
    else if (strcmp(a, "--repeat") == 0 && i + 1 < argc)
      repeat = atoi(argv[++i]);
    else if (strcmp(a, "--python") == 0 && i + 1 < argc)
      python = argv[++i];
    else if (strcmp(a, "--threads") == 0 && i + 1 < argc)
      gil_threads = atoi(argv[++i]);
    else if (strcmp(a, "--cpu-us") == 0 && i + 1 < argc)
      gil_cpu_us = atol(argv[++i]);
    else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      fputs(usage, stdout);
      fputs(help, stdout);
      return 0;
    } else {
      fputs(usage, stderr);
      return 2;
    }
  }
  if (only < 0 || only >= SC_COUNT || repeat < 1 || repeat > 99 || gil_threads < 0 ||
      gil_threads > GS_MAX_WORKERS || gil_cpu_us < 0) {
    fputs(usage, stderr);
    return 2;
  }

  /* Sizes: full, then --quick (seconds under sanitizers). */
  sizes gil = {.threads = 10000, .cores = 64, .cpu = 880 * GS_US};
  sizes dl = {.coros = 100000};
  sizes mem = {.threads = 1000000, .cores = 64, .cpu = 10 * GS_US, .io = 1 * GS_MS};
  sizes gil_traced = {.threads = 1000, .cores = 64, .cpu = 10 * GS_US};
  sizes gil_peer = {.threads = 1000, .cores = 64, .cpu = 100 * GS_US};
  gs_time peer_until = 2 * GS_MS;
  if (quick) {
    gil = (sizes){.threads = 200, .cores = 16, .cpu = 100 * GS_US};
    dl = (sizes){.coros = 2000};
    mem = (sizes){.threads = 20000, .cores = 64, .cpu = 10 * GS_US, .io = 1 * GS_MS};
    gil_traced = (sizes){.threads = 100, .cores = 16, .cpu = 50 * GS_US};
    gil_peer = (sizes){.threads = 50, .cores = 16, .cpu = 100 * GS_US};
    peer_until = 1 * GS_MS;
  }
  if (gil_threads)
    gil.threads = gil_threads;
  if (gil_cpu_us)
    gil.cpu = gil_cpu_us * GS_US;
  /* Scenario 3's threads are a thread pool's workers: the pool can be no
   * larger than the library allows. */
  bool mem_capped = mem.threads > GS_MAX_WORKERS;
  if (mem_capped)
    mem.threads = GS_MAX_WORKERS;

  int failed = 0;
  sample s;
  char label[80];
  printf("gilsim-bench%s: median of %d run%s, each in its own process\n", quick ? " --quick" : "", repeat,
         repeat == 1 ? "" : "s");
  header();
  if (!only || only == SC_GIL) {
    snprintf(label, sizeof label, "1 gil: %d threads, %d cores", gil.threads, gil.cores);
    if (measure(SC_GIL, &gil, TR_NONE, repeat, &s))
      row(label, &s);
    else
      failed = 1;
  }
  if (!only || only == SC_DOWNLOADS) {
    snprintf(label, sizeof label, "2 downloads: %d coroutines", dl.coros);
    if (measure(SC_DOWNLOADS, &dl, TR_NONE, repeat, &s)) {
      row(label, &s);
      printf("%-40s %.0f bytes per coroutine\n", "",
             (double)(s.hwm_kb - s.base_kb) * 1024.0 / (double)(s.tasks ? s.tasks : 1));
    } else {
      failed = 1;
    }
  }
  if (!only || only == SC_MEMORY) {
    if (mem_capped)
      printf("note: scenario 3 asks for 1000000 threads; this build's GS_MAX_WORKERS is %d\n",
             GS_MAX_WORKERS);
    snprintf(label, sizeof label, "3 memory: %d threads", mem.threads);
    if (measure(SC_MEMORY, &mem, TR_NONE, repeat, &s))
      row(label, &s);
    else
      failed = 1;
  }
  if (trace) {
    struct {
      int which;
      const sizes *z;
      const char *name;
    } traced[] = {{SC_GIL, &gil_traced, "1 gil, 1000 threads"}, {SC_DOWNLOADS, &dl, "2 downloads"}};
    for (size_t i = 0; i < sizeof traced / sizeof *traced; i++) {
      if (only && only != traced[i].which)
        continue;
      sample plain, file, count;
      if (!measure(traced[i].which, traced[i].z, TR_NONE, repeat, &plain) ||
          !measure(traced[i].which, traced[i].z, TR_FILE, repeat, &file) ||
          !measure(traced[i].which, traced[i].z, TR_COUNT, repeat, &count)) {
        failed = 1;
        continue;
      }
      snprintf(label, sizeof label, "%s, untraced", traced[i].name);
      row(label, &plain);
      snprintf(label, sizeof label, "%s, trace to JSON file", traced[i].name);
      row(label, &file);
      printf("%-40s %" PRIu64 " trace events, %.1f MB of JSON; finishing the file (fsync): %.3f s\n", "",
             file.records, (double)file.trace_bytes / 1e6, file.close_s);
      snprintf(label, sizeof label, "%s, counting callback", traced[i].name);
      row(label, &count);
    }
  }
  if (peer && (!only || only == SC_GIL)) {
    peer_result pr;
    if (!run_peer(python, &gil_peer, peer_until, &pr)) {
      printf("peer: SimPy 2 (%s, %s) did not run; no ratio\n", python, GS_BENCH_PEER);
    } else {
      printf("peer: SimPy 2, scenario 1's model, %d threads, %d cores, %.3f s simulated: %" PRIu64
             " events in %.3f s, %.3fM events/s\n",
             gil_peer.threads, gil_peer.cores, pr.sim_s, pr.events, pr.run_s, (double)pr.events / pr.run_s / 1e6);
      if (measure(SC_GIL, &gil_peer, TR_NONE, repeat, &s)) {
        snprintf(label, sizeof label, "1 gil at the peer's size");
        row(label, &s);
        double ours = (double)s.events / s.run_s, theirs = (double)pr.events / pr.run_s;
        printf("ratio of events per second, gilsim / SimPy: %.0fx\n", ours / theirs);
        /* The same input, by how much simulated time a second of the host
         * buys (the two count events of different sizes). */
        double ours_sim = (double)s.sim / 1e9 / s.run_s, theirs_sim = pr.sim_s / pr.run_s;
        printf("ratio of simulated seconds per wall second on this input: %.0fx\n", ours_sim / theirs_sim);
      } else {
        failed = 1;
      }
    }
  }
  return failed;
}
