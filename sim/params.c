/*
 * params.c - the one table of model parameters, and the names of enums.
 *
 * Every cost the simulator charges and every scheduler tunable lives here
 * with its unit, a default per runtime and one sentence of documentation.
 * The defaults are orders of magnitude for a current x86-64 Linux host
 * (see MODEL-NOTES section 4 and the README); `gilsim calibrate` measures
 * them on a given host.  Nothing else in the library holds a cost constant.
 */
#include "gs.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define US 1e3
#define MS 1e6
#define S  1e9

static const gs_param_info params[GS_P_COUNT] = {
  [GS_P_CTX_SWITCH] = {"ctx_switch", "ns", 1.5 * US, 1.5 * US, 0, 1 * S,
    "Kernel time to switch a core from one thread to another, charged as sys time to the thread switched in."},
  [GS_P_WAKEUP_LATENCY] = {"wakeup_latency", "ns", 4 * US, 4 * US, 0, 1 * S,
    "Delay between waking a blocked thread and it running on an idle core (idle exit, IPI); a core idle for less time than this exits faster, in the time it has been idle."},
  [GS_P_MIGRATION] = {"migration", "ns", 2 * US, 2 * US, 0, 1 * S,
    "Kernel time charged (sys) when a thread resumes on a different core than it last ran on."},
  [GS_P_SYSCALL] = {"syscall", "ns", 0.5 * US, 0.5 * US, 0, 1 * S,
    "Kernel time of one system call: blocking, waking a waiter, a pipe read or write, a sleep."},
  [GS_P_THREAD_CREATE] = {"thread_create", "ns", 20 * US, 100 * US, 0, 10 * S,
    "Time charged (sys) to the creating thread for each thread it starts (pthread_create; threading.Thread.start)."},
  [GS_P_THREAD_JOIN] = {"thread_join", "ns", 5 * US, 20 * US, 0, 10 * S,
    "Time charged (sys) to the joining thread for each join, after the joined thread has exited."},
  [GS_P_FORK] = {"fork", "ns", 150 * US, 1.5 * MS, 0, 10 * S,
    "Time charged (sys) to the parent for each worker process it starts (fork; multiprocessing Process.start)."},
  [GS_P_PROC_INIT] = {"proc_init", "ns", 0, 1.5 * MS, 0, 10 * S,
    "User time a new worker process spends before it can take its first task (interpreter and pool bootstrap)."},
  [GS_P_POOL_INIT] = {"pool_init", "ns", 0, 5 * MS, 0, 10 * S,
    "User time the parent of a process pool spends on the pool itself after starting its workers and before the first task goes out (ProcessPoolExecutor's queues, management and feeder threads)."},
  [GS_P_PROC_EXIT] = {"proc_exit", "ns", 50 * US, 1 * MS, 0, 10 * S,
    "Time (sys) a process spends exiting: tearing down its address space."},
  [GS_P_IPC_PACK] = {"ipc_pack", "ns", 0.05 * US, 15 * US, 0, 10 * S,
    "User time to serialise one message (a task or a result) before writing it to a pipe (pickle in CPython)."},
  [GS_P_IPC_UNPACK] = {"ipc_unpack", "ns", 0.05 * US, 10 * US, 0, 10 * S,
    "User time to deserialise one message read from a pipe."},
  [GS_P_QUEUE_OP] = {"queue_op", "ns", 0.05 * US, 2 * US, 0, 10 * S,
    "User time to push or pop one task on a shared in-process queue, with its lock held."},
  [GS_P_DIV] = {"div", "ns", 2.0, 75.0, 0, 1 * S,
    "User time of one trial-division loop iteration of the primes workload (64-bit n % i)."},
  [GS_P_COUNTDOWN_STEP] = {"countdown_step", "ns", 0.3, 22.0, 0, 1 * S,
    "User time of one decrement-and-test of the countdown workload."},
  [GS_P_SCHED_BASE_SLICE] = {"sched_base_slice", "ns", 0.75 * MS, 0.75 * MS, 1 * US, 10 * S,
    "Fair scheduler: base time slice, multiplied by 1 + log2(min(cores, 8)) as Linux does."},
  [GS_P_SCHED_WAKEUP_GRAN] = {"sched_wakeup_gran", "ns", 1 * MS, 1 * MS, 0, 10 * S,
    "Fair scheduler: a woken thread preempts a running one only if its virtual runtime is lower by more than this (scaled like the slice)."},
  [GS_P_SCHED_SLEEPER_CREDIT] = {"sched_sleeper_credit", "ns", 3 * MS, 3 * MS, 0, 10 * S,
    "Fair scheduler: a thread waking from a sleep is placed no further than this behind min_vruntime (CFS's half sched_latency; scaled like the slice)."},
  [GS_P_SCHED_TICK] = {"sched_tick", "ns", 4 * MS, 4 * MS, 1 * US, 10 * S,
    "Fair scheduler: timer tick period (HZ=250 gives 4 ms); an expired slice ends at the next tick."},
  [GS_P_RR_QUANTUM] = {"rr_quantum", "ns", 10 * MS, 10 * MS, 1 * US, 100 * S,
    "Round-robin scheduler: the fixed time quantum."},
  [GS_P_SWITCH_INTERVAL] = {"switch_interval", "ns", 5 * MS, 5 * MS, 1 * US, 100 * S,
    "New GIL: how long a waiter waits before it sets the drop request (sys.setswitchinterval; CPython's default 5 ms)."},
  [GS_P_GIL_CHECK] = {"gil_check", "ns", 0.2 * US, 0.2 * US, 1, 1 * S,
    "New GIL: work between two eval-breaker check points of a CPU-bound thread; the holder notices a drop request only there."},
  [GS_P_CHECK_INTERVAL] = {"check_interval", "count", 100, 100, 1, 1e9,
    "Old GIL: ticks (about one bytecode each) between the holder's release and immediate re-acquire (sys.setcheckinterval)."},
  [GS_P_TICK] = {"tick", "ns", 30, 30, 1, 1 * S,
    "Old GIL: work per tick in runtime cpython (about one bytecode), and in runtime c for work that is not a loop of the workload's own (custom steps); in runtime c a tick of primes, countdown and convoy is one iteration of its loop (a division, a decrement), as the harness's C GIL counts them."},
  [GS_P_GIL_OP] = {"gil_op", "ns", 15, 15, 0, 1 * MS,
    "User time of one uncontended GIL operation, a take or a drop (a mutex lock and unlock and a condition-variable signal); the old GIL's holder pays two every check_interval ticks, except inside the loops of runtime c (gil_release_div, gil_release_step)."},
  [GS_P_GIL_RELEASE_DIV] = {"gil_release_div", "ns", 30, 30, 0, 1 * MS,
    "Old GIL, runtime c: user time one release and immediate re-take by the running holder adds to the trial-division loop (primes); the lock's atomic operations overlap with the divisions in flight, so it can be far below 2 x gil_op."},
  [GS_P_GIL_RELEASE_STEP] = {"gil_release_step", "ns", 30, 30, 0, 1 * MS,
    "Old GIL, runtime c: user time one release and immediate re-take by the running holder adds to the countdown loop (countdown, and the CPU work of convoy)."},
  [GS_P_LINE_TRANSFER] = {"line_transfer", "ns", 100, 100, 0, 1 * MS,
    "User time to fetch a cache line that a thread on another core wrote last (an atomic ping-pong between two cores, per hand-over). Old GIL: a woken waiter's look at the lock (re-locking the GIL's mutex, testing the flag, waiting again) fetches two lines the holder keeps writing, and holds the GIL's mutex meanwhile; the holder's next release fetches them back."},
  [GS_P_LINE_TRANSFER_CV] = {"line_transfer_cv", "ratio", 0, 0, 0, 10,
    "Spread of line_transfer: each fetch the old GIL charges is drawn from a gamma distribution with mean line_transfer and this coefficient of variation (standard deviation / mean), from the run's second random stream; 0 charges exactly line_transfer. On hardware no two fetches take the same time, and without a spread the old GIL's hand-offs can lock into one phase of the holder's release cycle at particular costs."},
  [GS_P_LOOP_ITER] = {"loop_iter", "ns", 0.2 * US, 5 * US, 0, 1 * S,
    "asyncio: user time of one event-loop iteration (_run_once: timers, ready queue) besides the epoll_wait system call."},
  [GS_P_CORO_RESUME] = {"coro_resume", "ns", 0.1 * US, 2 * US, 0, 1 * S,
    "asyncio: user time to resume one coroutine from the ready queue (Task.__step)."},
  [GS_P_MAX_EVENTS] = {"max_events", "count", 2e9, 2e9, 1000, 1e15,
    "Safety limit: a run that would process more events than this stops with an error."},
  [GS_P_MAX_MEMORY] = {"max_memory", "bytes", 4294967296.0, 4294967296.0, 1048576.0, 1e15,
    "Limit: a run whose scenario would need more memory than this at its peak (threads, processes, coroutines, transfers, records, the event queue; estimated before anything is allocated) is refused. A size in bytes, or with a unit: 512MB, 8GB, 16GiB."},
};

const gs_param_info *gs_param_info_get(gs_param_id id)
{
  if ((int)id < 0 || id >= GS_P_COUNT)
    return NULL;
  return &params[id];
}

int gs_param_lookup(const char *name)
{
  for (int i = 0; i < GS_P_COUNT; i++)
    if (strcmp(params[i].name, name) == 0)
      return i;
  return -1;
}

/* Parse a duration: a number followed by an optional unit (ns, us, µs, ms, s,
 * min).  A bare number means nanoseconds. */
/* A finite number at the start of text: its value, and in *unit what
 * follows it, spaces skipped.  0, or -1 if text starts with no number. */
static int number_and_unit(const char *text, double *v, const char **unit)
{
  char *end;
  errno = 0;
  *v = strtod(text, &end);
  if (end == text || errno || !isfinite(*v))
    return -1;
  while (*end == ' ')
    end++;
  *unit = end;
  return 0;
}

int gs_duration_parse(const char *text, double *out)
{
  double v;
  const char *end;
  if (number_and_unit(text, &v, &end) != 0)
    return -1;
  double mul;
  if (*end == 0 || strcmp(end, "ns") == 0)
    mul = 1;
  else if (strcmp(end, "us") == 0 || strcmp(end, "\xc2\xb5s") == 0)
    mul = US;
  else if (strcmp(end, "ms") == 0)
    mul = MS;
  else if (strcmp(end, "s") == 0)
    mul = S;
  else if (strcmp(end, "min") == 0)
    mul = 60 * S;
  else
    return -1;
  *out = v * mul;
  return 0;
}

/* Parse a size: a number followed by an optional unit (B, kB, MB, GB, TB
 * in powers of 1000; KiB, MiB, GiB, TiB in powers of 1024).  A bare
 * number means bytes. */
int gs_size_parse(const char *text, double *out)
{
  static const struct {
    const char *unit;
    double mul;
  } units[] = {{"", 1},        {"B", 1},       {"kB", 1e3},    {"KB", 1e3},
               {"MB", 1e6},    {"GB", 1e9},    {"TB", 1e12},   {"KiB", 1024.0},
               {"MiB", 1048576.0}, {"GiB", 1073741824.0}, {"TiB", 1099511627776.0}};
  double v;
  const char *end;
  if (number_and_unit(text, &v, &end) != 0)
    return -1;
  for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
    if (strcmp(end, units[i].unit) == 0) {
      *out = v * units[i].mul;
      return 0;
    }
  return -1;
}

gs_err gs_param_parse_value(gs_param_id id, const char *text, double *out, gs_error *err)
{
  const gs_param_info *pi = gs_param_info_get(id);
  double v;
  int bad;
  if (strcmp(pi->unit, "ns") == 0) {
    bad = gs_duration_parse(text, &v);
  } else if (strcmp(pi->unit, "bytes") == 0) {
    bad = gs_size_parse(text, &v);
  } else {
    char *end;
    errno = 0;
    v = strtod(text, &end);
    bad = end == text || *end || errno || !isfinite(v);
  }
  if (bad) {
    if (err)
      snprintf(err->msg, sizeof err->msg, "%s: expected %s, got '%s'", pi->name,
               strcmp(pi->unit, "ns") == 0      ? "a duration such as 250us, 1.5ms or 2s"
               : strcmp(pi->unit, "bytes") == 0 ? "a size such as 512MB, 8GB or 16GiB"
                                                : "a number",
               text);
    return GS_ERR_INVALID;
  }
  if (v < pi->min || v > pi->max) {
    if (err)
      snprintf(err->msg, sizeof err->msg, "%s: expected a value between %g and %g %s, got %g",
               pi->name, pi->min, pi->max, pi->unit, v);
    return GS_ERR_INVALID;
  }
  *out = v;
  return GS_OK;
}

void gs_params_resolve(gs_params *p, gs_runtime rt)
{
  for (int i = 0; i < GS_P_COUNT; i++)
    if (!(p->set & (UINT64_C(1) << i)))
      p->v[i] = rt == GS_RT_CPYTHON ? params[i].def_cpython : params[i].def_c;
}

void gs_params_resolve_with(gs_params *p, gs_runtime rt, const gs_calibration *cal)
{
  if (cal && (rt == GS_RT_C || rt == GS_RT_CPYTHON)) {
    const gs_params *c = &cal->rt[rt];
    for (int i = 0; i < GS_P_COUNT; i++)
      if (!(p->set & (UINT64_C(1) << i)) && (c->set & (UINT64_C(1) << i)))
        p->v[i] = c->v[i];
    /* calibrated values count as given, so the defaults leave them be */
    uint64_t given = p->set;
    p->set |= c->set;
    gs_params_resolve(p, rt);
    p->set = given;
    return;
  }
  gs_params_resolve(p, rt);
}

/* ---- Enum names -------------------------------------------------------- */

static const char *const runtime_names[] = {"c", "cpython"};
static const char *const model_names[] = {"sequential", "threads", "processes", "asyncio"};
static const char *const sched_names[] = {"fair", "rr"};
static const char *const gil_names[] = {"default", "none", "new", "old"};
static const char *const workload_names[] = {"primes", "countdown", "sleep", "custom", "download", "convoy"};
static const char *const dist_names[] = {"constant", "uniform", "exponential", "normal",
                                         "lognormal", "gamma", "pareto", "empirical"};

#define NELEM(a) ((int)(sizeof(a) / sizeof((a)[0])))

static int lookup(const char *const *names, int n, const char *s)
{
  for (int i = 0; i < n; i++)
    if (s && strcmp(names[i], s) == 0)
      return i;
  return -1;
}

static const char *name_of(const char *const *names, int n, int v)
{
  return v >= 0 && v < n ? names[v] : "?";
}

const char *gs_runtime_name(gs_runtime r) { return name_of(runtime_names, NELEM(runtime_names), r); }
const char *gs_model_name(gs_model m) { return name_of(model_names, NELEM(model_names), m); }
const char *gs_sched_name(gs_sched_policy p) { return name_of(sched_names, NELEM(sched_names), p); }
const char *gs_workload_name(gs_workload w) { return name_of(workload_names, NELEM(workload_names), w); }
const char *gs_dist_name(gs_dist_kind k) { return name_of(dist_names, NELEM(dist_names), k); }
int gs_runtime_parse(const char *s) { return lookup(runtime_names, NELEM(runtime_names), s); }
int gs_model_parse(const char *s) { return lookup(model_names, NELEM(model_names), s); }
int gs_sched_parse(const char *s) { return lookup(sched_names, NELEM(sched_names), s); }
const char *gs_gil_name(gs_gil g) { return name_of(gil_names, NELEM(gil_names), g); }
int gs_gil_parse(const char *s)
{
  int g = lookup(gil_names, NELEM(gil_names), s);
  return g == GS_GIL_DEFAULT ? -1 : g;
}
gs_gil gs_gil_effective(gs_gil g, gs_runtime rt)
{
  if (g != GS_GIL_DEFAULT)
    return g;
  return rt == GS_RT_CPYTHON ? GS_GIL_NEW : GS_GIL_NONE;
}
int gs_dist_parse(const char *s) { return lookup(dist_names, NELEM(dist_names), s); }
