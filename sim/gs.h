/*
 * gs.h - the public interface of the gilsim simulation library.
 *
 * The library loads a scenario (a libconfig file describing a machine, a
 * workload and a concurrency model), runs a deterministic discrete-event
 * simulation of it, and hands back results as plain data.  It never prints,
 * never exits and never reads the wall clock: the command-line tool, the
 * animation and the real-run harness are its callers.
 *
 * Conventions:
 *   - simulated time is an int64 count of nanoseconds (gs_time);
 *   - functions that can fail return a gs_err and leave a message (with
 *     file:line for scenario errors) in a caller-supplied gs_error;
 *   - every random variate comes from the GSL generator owned by the run,
 *     seeded from the scenario or the caller, so equal inputs give equal runs.
 */
#ifndef GS_H
#define GS_H

#include <stddef.h>
#include <stdint.h>

typedef int64_t gs_time; /* ns of simulated time */

#define GS_NS  ((gs_time)1)
#define GS_US  ((gs_time)1000)
#define GS_MS  ((gs_time)1000000)
#define GS_SEC ((gs_time)1000000000)

/* ---- Errors ------------------------------------------------------------ */

typedef enum {
  GS_OK = 0,
  GS_ERR_PARSE,   /* scenario syntax error */
  GS_ERR_INVALID, /* a value of the wrong type, range or name */
  GS_ERR_LIMIT,   /* a documented limit would be exceeded */
  GS_ERR_IO,      /* a file could not be read */
  GS_ERR_NOMEM,   /* allocation failed */
  GS_ERR_MODEL    /* the simulation itself failed (deadlock, event limit) */
} gs_err;

typedef struct {
  char msg[1024]; /* "file:line: what was expected", or a plain sentence */
} gs_error;

/* ---- Limits (documented in README "Limits") ----------------------------- */

#define GS_MAX_CORES   1024
#define GS_MAX_TASKS   1000000
#define GS_MAX_WORKERS 1000000
#define GS_MAX_STEPS   1000 /* steps in one custom task */

/* ---- Enumerations ------------------------------------------------------ */

typedef enum { GS_RT_C = 0, GS_RT_CPYTHON } gs_runtime;
typedef enum { GS_MODEL_SEQUENTIAL = 0, GS_MODEL_THREADS, GS_MODEL_PROCESSES, GS_MODEL_ASYNCIO } gs_model;
typedef enum { GS_SCHED_FAIR = 0, GS_SCHED_RR } gs_sched_policy;
/* GIL variant; DEFAULT means "by runtime": cpython -> new, c -> none. */
typedef enum { GS_GIL_DEFAULT = 0, GS_GIL_NONE, GS_GIL_NEW, GS_GIL_OLD } gs_gil;
typedef enum {
  GS_WL_PRIMES = 0, GS_WL_COUNTDOWN, GS_WL_SLEEP, GS_WL_CUSTOM, GS_WL_DOWNLOAD, GS_WL_CONVOY
} gs_workload;

const char *gs_runtime_name(gs_runtime r);
const char *gs_model_name(gs_model m);
const char *gs_sched_name(gs_sched_policy p);
const char *gs_workload_name(gs_workload w);
/* Name -> value; return -1 when the name is unknown. */
int gs_runtime_parse(const char *s);
int gs_model_parse(const char *s);
int gs_sched_parse(const char *s);
const char *gs_gil_name(gs_gil g);  /* "none", "new", "old" ("default") */
int gs_gil_parse(const char *s);     /* none|new|old; -1 when unknown */
/* The GIL a run uses: g itself, or the runtime's default. */
gs_gil gs_gil_effective(gs_gil g, gs_runtime rt);

/* ---- Distributions (durations in ns) ------------------------------------ */

typedef enum {
  GS_DIST_CONST = 0, /* a = value */
  GS_DIST_UNIFORM,   /* a = min, b = max */
  GS_DIST_EXP,       /* a = mean */
  GS_DIST_NORMAL,    /* a = mean, b = sd; truncated at 0 by resampling */
  GS_DIST_LOGNORMAL, /* a = median (ns), b = sigma of the log */
  GS_DIST_GAMMA,     /* a = shape k, b = scale theta (ns) */
  GS_DIST_PARETO,    /* a = shape alpha, b = scale x_m (ns) */
  GS_DIST_EMPIRICAL  /* one of samples[0..nsamples) (ns), each equally likely */
} gs_dist_kind;

typedef struct {
  gs_dist_kind kind;
  double a, b;
  const double *samples; /* empirical: owned by the scenario */
  size_t nsamples;
} gs_dist;

const char *gs_dist_name(gs_dist_kind k);
int gs_dist_parse(const char *s); /* -1 when unknown */

/* ---- Model parameters -------------------------------------------------- */

/*
 * Every cost and scheduler tunable the model charges, in one table
 * (params.c): a name, a unit, a default for each runtime and a sentence of
 * documentation.  Scenario files override them in a `params` group and the
 * command line with --set name=value.
 */
typedef enum {
  GS_P_CTX_SWITCH,      /* sys ns charged to the thread switched in */
  GS_P_WAKEUP_LATENCY,  /* ns before a woken thread runs on an idle core */
  GS_P_MIGRATION,       /* sys ns when a thread resumes on another core */
  GS_P_SYSCALL,         /* sys ns of one system call (block, wake, pipe I/O) */
  GS_P_THREAD_CREATE,   /* sys ns charged to the creator per thread */
  GS_P_THREAD_JOIN,     /* sys ns charged to the joiner per join */
  GS_P_FORK,            /* sys ns charged to the parent per fork */
  GS_P_PROC_INIT,       /* user ns a new worker process spends starting up */
  GS_P_POOL_INIT,       /* user ns the parent spends setting up a process pool */
  GS_P_PROC_EXIT,       /* sys ns a process spends exiting */
  GS_P_IPC_PACK,        /* user ns to serialise one message (task or result) */
  GS_P_IPC_UNPACK,      /* user ns to deserialise one message */
  GS_P_QUEUE_OP,        /* user ns to push or pop a shared task queue */
  GS_P_DIV,             /* ns per trial division (primes) */
  GS_P_COUNTDOWN_STEP,  /* ns per decrement (countdown) */
  GS_P_SCHED_BASE_SLICE,/* fair: base slice, before core-count scaling */
  GS_P_SCHED_WAKEUP_GRAN,/* fair: wake-up preemption granularity, before scaling */
  GS_P_SCHED_SLEEPER_CREDIT,/* fair: how far behind min_vruntime a waking thread may be placed */
  GS_P_SCHED_TICK,      /* fair: scheduler tick period (slices end on ticks) */
  GS_P_RR_QUANTUM,      /* rr: time quantum */
  GS_P_SWITCH_INTERVAL, /* new GIL: sys.setswitchinterval */
  GS_P_GIL_CHECK,       /* new GIL: work between eval-breaker check points */
  GS_P_CHECK_INTERVAL,  /* old GIL: ticks between release and re-acquire (count) */
  GS_P_TICK,            /* old GIL: work per tick */
  GS_P_GIL_OP,          /* user ns of one uncontended GIL take or drop */
  GS_P_GIL_RELEASE_DIV, /* old GIL, runtime c: user ns a release + re-take adds to the primes loop */
  GS_P_GIL_RELEASE_STEP,/* old GIL, runtime c: user ns a release + re-take adds to the countdown loop */
  GS_P_LINE_TRANSFER,   /* user ns to fetch a cache line another core wrote last */
  GS_P_LINE_TRANSFER_CV,/* spread of one such fetch: its coefficient of variation (ratio) */
  GS_P_LOOP_ITER,       /* asyncio: user ns of one event-loop iteration */
  GS_P_CORO_RESUME,     /* asyncio: user ns to resume a coroutine */
  GS_P_MAX_EVENTS,      /* safety limit on processed events (count) */
  GS_P_MAX_MEMORY,      /* limit on the memory a run may need (bytes) */
  GS_P_COUNT
} gs_param_id;

typedef struct {
  const char *name;
  const char *unit;      /* "ns" for durations, "bytes" for sizes, "count" otherwise */
  double def_c;          /* default for runtime c */
  double def_cpython;    /* default for runtime cpython */
  double min, max;       /* accepted range */
  const char *doc;
} gs_param_info;

typedef struct {
  double v[GS_P_COUNT];
  uint64_t set; /* bit i: v[i] was given explicitly */
} gs_params;

const gs_param_info *gs_param_info_get(gs_param_id id);
int gs_param_lookup(const char *name); /* -1 when unknown */
/* Parse "250us", "1.5ms", "4000" (ns), "2s" etc. for a duration parameter,
 * "512MB", "8GB", "16GiB" for a size, a plain number otherwise.  Returns GS_OK or GS_ERR_INVALID with a message. */
gs_err gs_param_parse_value(gs_param_id id, const char *text, double *out, gs_error *err);
/* Parse a duration: a number and an optional unit (ns, us, µs, ms, s,
 * min); a bare number is nanoseconds.  Returns 0, or -1 if malformed. */
int gs_duration_parse(const char *text, double *ns);
/* Parse a size: a number and an optional unit (B, kB, MB, GB, TB; KiB,
 * MiB, GiB, TiB); a bare number is bytes.  Returns 0, or -1 if malformed. */
int gs_size_parse(const char *text, double *bytes);
/* Fill every parameter not set explicitly with its runtime default. */
void gs_params_resolve(gs_params *p, gs_runtime rt);

/*
 * A calibration: parameter values measured on one host ('gilsim calibrate'),
 * one set per runtime.  A run takes, for each parameter, the scenario's or
 * command line's value if given, else the calibration's for the run's
 * runtime, else the built-in default.
 */
typedef struct gs_calibration {
  char *path;
  gs_params rt[2]; /* indexed by gs_runtime; .set marks the values given */
} gs_calibration;

/* Load a calibration file (groups c.params and cpython.params).  On failure
 * *out is NULL and err holds "file:line: ..." naming what was expected. */
gs_err gs_calibration_load(const char *path, gs_calibration **out, gs_error *err);
void gs_calibration_free(gs_calibration *cal);
/* Fill every parameter not set explicitly from cal (may be NULL) for
 * runtime rt, then from the runtime's defaults. */
void gs_params_resolve_with(gs_params *p, gs_runtime rt, const gs_calibration *cal);

/* ---- Scenarios --------------------------------------------------------- */

typedef enum {
  GS_STEP_CPU = 0,   /* compute with the GIL held */
  GS_STEP_SLEEP,     /* time.sleep / asyncio.sleep: the GIL is dropped */
  GS_STEP_IO,        /* a blocking I/O call of the given latency, GIL dropped */
  GS_STEP_CPU_NOGIL, /* compute in C code that drops the GIL (hashing, zlib) */
  GS_STEP_THREAD     /* compute handed to a thread pool: asyncio.to_thread;
                        elsewhere the same as cpu */
} gs_step_kind;

typedef struct {
  gs_step_kind kind;
  gs_dist dur; /* ns */
} gs_step;

typedef struct {
  size_t nsteps;
  gs_step *steps;
} gs_task_spec;

/* The network of the download workload.  Rates in bytes per second;
 * 0 means unlimited. */
typedef struct {
  gs_dist latency;     /* first-byte latency of each request, ns */
  double conn_bps;     /* per-connection bandwidth cap */
  double link_bps;     /* shared link capacity, divided fairly */
  int server_limit;    /* requests the server serves at once; 0 = no limit */
  double cpu_per_byte; /* client CPU ns per byte received */
  int cpu_holds_gil;   /* that CPU runs with the GIL held (1) or not (0) */
} gs_net;

/* The convoy workload: one I/O thread beside CPU-bound threads. */
typedef struct {
  int64_t ops;         /* blocking I/O operations of the I/O thread */
  gs_dist latency;     /* how long each blocks, ns */
  gs_time op_cpu;      /* Python work after each operation, ns */
  int cpu_threads;     /* K CPU-bound threads */
  gs_time cpu;         /* work of each CPU-bound thread, ns */
} gs_convoy;

typedef struct gs_scenario {
  char *path;        /* as given to gs_scenario_load */
  char *name;
  char *description;
  gs_runtime runtime;
  gs_model model;
  gs_sched_policy sched;
  gs_gil gil;
  int cores;         /* 1..GS_MAX_CORES */
  int workers;       /* 1..GS_MAX_WORKERS; ignored by sequential */
  uint64_t seed;

  gs_workload workload;
  size_t ntasks;
  uint64_t *numbers;    /* primes: the numbers, ntasks of them */
  int64_t *counts;      /* countdown: loop lengths */
  gs_time *durations;   /* sleep: how long task i sleeps */
  gs_task_spec *custom; /* custom: the tasks */
  int64_t *sizes;       /* download: bytes of each file */
  gs_net net;           /* download */
  gs_convoy convoy;     /* convoy (ntasks = cpu_threads + 1) */

  gs_params params;
  /* The calibration the run uses, owned by the scenario (NULL: built-in
   * defaults).  A file's `calibration = "FILE"` sets it; so may a caller. */
  gs_calibration *calibration;

  /* Sample arrays of empirical distributions, freed with the scenario. */
  double **samples;
  size_t nsamples_arrays;
} gs_scenario;

/* Load and validate a scenario file.  On failure *out is NULL and err holds
 * "file:line: ..." naming what was expected. */
gs_err gs_scenario_load(const char *path, gs_scenario **out, gs_error *err);
void gs_scenario_free(gs_scenario *sc);
/* Check the fields a caller may have overridden (cores, workers, ...). */
gs_err gs_scenario_check(const gs_scenario *sc, gs_error *err);

/* What a run of sc needs at its peak, estimated from the scenario alone
 * (limits.c): memory, an upper bound within a small factor, and a lower
 * bound on the events it must process. */
typedef struct {
  uint64_t bytes;
  uint64_t threads;    /* threads alive at once, at most */
  uint64_t min_events;
} gs_footprint;
void gs_scenario_footprint(const gs_scenario *sc, gs_footprint *f);
/* GS_ERR_LIMIT, with a message naming the limit and how to raise it, if a
 * run of sc would need more memory than max_memory or more events than
 * max_events (the scenario's, else its calibration's, else the default);
 * gs_run calls it before it allocates anything. */
gs_err gs_scenario_limits(const gs_scenario *sc, gs_error *err);

/* ---- Workload arithmetic ----------------------------------------------- */

/* Least prime factor of n >= 2 and the number of trial divisions the
 * reference algorithm (2, then odd divisors up to the square root) makes to
 * find it.  Exact for every uint64_t, computed without trial division. */
uint64_t gs_least_prime_factor(uint64_t n, uint64_t *divisions);

/* ---- Running ----------------------------------------------------------- */

typedef enum {
  GS_TS_NEW = 0, GS_TS_RUNNABLE, GS_TS_RUNNING, GS_TS_BLOCKED, GS_TS_DONE
} gs_thread_state;

/* GIL statistics of one process (all zero when it has no GIL). */
typedef struct {
  uint64_t acquisitions;   /* take_gil completed */
  uint64_t switches;       /* the GIL went to a different thread */
  uint64_t drop_requests;  /* a waiter timed out and asked the holder to drop */
  uint64_t forced_switches;/* a dropper waited until another thread took it */
  uint64_t failed_wakeups; /* a waiter was signalled but found the GIL taken again */
  gs_time wait;            /* total time threads spent waiting for the GIL */
} gs_gil_stats;

typedef struct {
  int pid;            /* simulated process id, 1 = the main process */
  int tid;            /* global thread index */
  char name[32];
  gs_time created, ended;
  gs_time user, sys;  /* CPU time by kind */
  gs_time runnable;   /* time spent waiting for a core */
  gs_time blocked;    /* time spent blocked (sleep, lock, join, pipe) */
  uint64_t nvcsw;     /* voluntary context switches */
  uint64_t nivcsw;    /* involuntary context switches */
  uint64_t migrations;
  uint64_t tasks;     /* tasks this thread completed */
  gs_time gil_wait;   /* time spent waiting for its process's GIL */
  gs_time gil_wait_max; /* longest single wait */
  uint64_t gil_acquisitions;
} gs_thread_result;

typedef struct {
  int pid;
  int parent;         /* 0 for the main process */
  char name[32];
  int nthreads;
  gs_time user, sys;  /* summed over the process's threads */
  gs_time started, ended;
  gs_gil_stats gil;
} gs_proc_result;

/* Event-loop statistics (asyncio model). */
typedef struct {
  uint64_t iterations;
  uint64_t epoll_waits;  /* epoll_wait calls, blocking or not */
  uint64_t resumes;      /* coroutine resumptions */
  gs_time lag_total;     /* sum over resumptions of ready -> running */
  gs_time lag_max;
} gs_loop_stats;

/* Network statistics (download workload). */
typedef struct {
  uint64_t requests;
  uint64_t bytes;
  uint64_t max_in_flight;  /* most transfers active at once */
  gs_time busy;            /* time with at least one transfer active */
} gs_net_stats;

typedef struct {
  gs_time busy_user, busy_sys; /* time the core ran program or kernel work */
  uint64_t switches;           /* times the core switched to another thread */
} gs_core_result;

typedef struct {
  uint64_t task;     /* index in the scenario */
  uint64_t value;    /* primes: least prime factor; others: 0 */
  gs_time started, finished;
  int tid;           /* thread that ran it */
} gs_task_result;

typedef struct gs_results {
  gs_time wall;       /* simulated wall time: start to main thread exit */
  gs_time user, sys;  /* over every process, children included */
  uint64_t events;    /* events processed */
  uint64_t seed;
  int cores, workers;
  gs_runtime runtime;
  gs_model model;
  gs_sched_policy sched;
  gs_gil gil;         /* effective */
  gs_params params;   /* resolved */
  size_t nthreads, nprocs, ntasks;
  gs_thread_result *threads;
  gs_proc_result *procs;
  gs_core_result *core;
  gs_task_result *tasks;
  gs_loop_stats loop;
  gs_net_stats net;
  /* convoy: the I/O thread's operations and the time it took for them */
  uint64_t convoy_ops;
  gs_time convoy_time;
  /* Set by real runs (gilsim measure): figures only a simulation has
   * (events, per-core busy time, scheduler) are then absent, not zero. */
  int measured;
} gs_results;

/* Run the scenario to completion.  Deterministic in (scenario, seed).
 * On success *out holds results to be freed with gs_results_free. */
gs_err gs_run(const gs_scenario *sc, gs_results **out, gs_error *err);
void gs_results_free(gs_results *r);

/* ---- Tracing ----------------------------------------------------------- */

/* What a thread is doing, as a trace shows it. */
typedef enum {
  GS_TRS_RUNNING = 0, /* on a core, not holding a GIL (or there is none) */
  GS_TRS_RUNNING_GIL, /* on a core, holding its process's GIL */
  GS_TRS_RUNNABLE,    /* waiting for a core */
  GS_TRS_GIL_WAIT,    /* blocked until the GIL is free */
  GS_TRS_IO,          /* blocked on I/O (epoll_wait included) */
  GS_TRS_SLEEP,       /* sleeping */
  GS_TRS_BLOCKED,     /* blocked on a lock, a join, a pipe */
  GS_TRS_DONE,
  GS_TRS_COUNT
} gs_trace_state;
const char *gs_trace_state_name(gs_trace_state st);

typedef enum {
  GS_TR_PROC = 0,  /* a process was created: pid, parent in value, name */
  GS_TR_THREAD,    /* a thread was created: pid, tid, name */
  GS_TR_STATE,     /* thread tid entered state `value` (gs_trace_state) */
  GS_TR_CORE,      /* core `core` now runs thread `tid` (-1: idle); count and
                      id: the ns of user and of sys time it has run so far */
  GS_TR_GIL,       /* the GIL of process pid is now held by tid (-1: free) */
  GS_TR_IO_BEGIN,  /* thread tid started I/O `id` of `count` bytes */
  GS_TR_IO_END,    /* I/O `id` completed */
  GS_TR_COUNTER    /* counter `name` is now `count`: "runnable threads" (the
                      OS run queue), "transfers in flight" (downloads past
                      their first byte), "ready coroutines" (the event
                      loop's ready queue), "awaiting coroutines" (their
                      sleep or I/O pending), "GIL drop request, pid N" (1
                      while one is pending), "GIL failed wake-ups, pid N"
                      (so far) */
} gs_trace_kind;

typedef struct {
  gs_trace_kind kind;
  gs_time at;
  int pid, tid, core, value;
  uint64_t id;
  int64_t count;
  const char *name; /* valid during the call only */
} gs_trace_event;

/* Called for every traced change, in time order.  The run's one source of
 * truth for trace files and the animation. */
typedef void (*gs_trace_fn)(void *ctx, const gs_trace_event *ev);

/* gs_run, calling fn(ctx, ...) for every change of state. */
gs_err gs_run_traced(const gs_scenario *sc, gs_trace_fn fn, void *ctx, gs_results **out,
                     gs_error *err);

#endif
