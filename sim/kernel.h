/*
 * kernel.h - the simulated machine and operating system: cores, processes,
 * threads, wait queues and the scheduler.  Internal to the library.
 *
 * A thread runs a *program*: a step function with a program counter (pc).
 * The kernel calls the step function whenever the thread is on a core and
 * has nothing left to do; the step function must then end in exactly one of
 *   gsK_work()   - compute for a while (user or sys time), then step again;
 *   gsK_block()  - make a blocking system call (wait queue and/or timeout);
 *   gsK_exit()   - the thread is done.
 * Non-blocking actions (waking others, spawning, charging kernel time) may
 * come before that.  Code after a blocking call runs only once the thread
 * is back on a core, as in a real program.
 */
#ifndef GS_KERNEL_H
#define GS_KERNEL_H

#include "engine.h"
#include "rng.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct gsK_sim gsK_sim;
typedef struct gsK_thread gsK_thread;
typedef struct gsK_proc gsK_proc;
typedef struct gsK_core gsK_core;
typedef struct gsG_gil gsG_gil;
typedef struct gsL_coro gsL_coro;

/* Where a task stands: each thread has one, and so does each coroutine of
 * an event loop (workload.c moves it forward). */
typedef struct {
  int64_t task;        /* task being run, -1 when none */
  size_t stepi;        /* next step of that task */
  gs_time left;        /* work or waiting left in that step */
  gsK_thread *owner;   /* thread that runs it (the loop thread for coroutines) */
  gsL_coro *coro;      /* the coroutine, or NULL when a thread runs it itself */
  int wpc;             /* position inside the current step */
  bool job;            /* a lone compute step (thread-pool job), not a task */
} gsK_cursor;          /* 48 bytes: every coroutine has one */

typedef void (*gsK_step_fn)(gsK_sim *s, gsK_thread *t);

/* Event kinds dispatched by sim.c. */
enum { GSK_EV_CORE = 1, GSK_EV_TIMER, GSK_EV_CORO, GSK_EV_NET_LATENCY, GSK_EV_NET };

/* Why a blocked thread became runnable. */
enum { GSK_WAKE_NONE = 0, GSK_WAKE_SIGNAL, GSK_WAKE_TIMEOUT };

/* A FIFO of blocked threads (a futex hash bucket, a pipe's readers...). */
typedef struct {
  gsK_thread *head, *tail;
} gsK_waitq;

struct gsK_thread {
  int tid;
  gsK_proc *proc;
  char name[32];
  gs_thread_state state;
  gs_time state_since; /* when the current state began (accounting) */

  /* Program. */
  gsK_step_fn step;
  int pc;
  int64_t i;      /* loop counter for the program's own use */
  gsK_cursor run; /* the task this thread runs itself */
  gsK_waitq io_wq; /* where it waits for its own I/O to complete */
  bool io_done;
  bool blk_io;    /* the current block is I/O (else sleep or lock) */

  /* Current operation: pending_sys first, then op_left of user/sys work. */
  gs_time pending_sys;
  gs_time op_left;
  bool op_sys;
  /* Check points (eval breaker): every op_check ns of an interruptible
   * operation the thread looks at its breaker flag.  gsK_interrupt cuts
   * the operation at the next check point and keeps the rest in op_rest. */
  gs_time op_check;    /* 0: not interruptible */
  gs_time op_done;     /* work done in the current operation */
  gs_time op_rest;     /* work left over after an interruption */
  bool breaker;
  bool stepped;   /* the step function ended in work/block/exit */

  /* A blocking call in progress: the syscall cost is paid first, then the
   * thread sleeps unless a wake-up arrived meanwhile (no lost wake-ups). */
  bool blk;
  bool blk_woken;
  gs_time blk_timeout; /* relative ns, -1 for none */
  int wake_reason;
  gsK_waitq *wq;       /* queue this thread is linked on, if any */
  gsK_thread *wq_next, *wq_prev;
  gsE_event timer;

  /* Scheduling. */
  gsK_core *core;      /* core it runs on (or is being dispatched to) */
  int last_core;       /* -1 before it first ran */
  gs_time vruntime;    /* fair policy: ns of weighted runtime */
  gs_time dispatch_cost; /* kernel time its last dispatch added (switch, migration) */

  gsK_waitq joiners;   /* threads blocked in join on this one */

  /* GIL (gil.c). */
  bool gil_held;
  int gil_pc;          /* position inside gsG_take / gsG_drop */
  uint64_t cond_seq;   /* old GIL: position among the condition's waiters */
  bool cond_ref;       /* old GIL: signalled after it went to sleep, not yet run */
  bool gil_asked;      /* this thread set the drop request while waiting */
  uint64_t gil_seen_switch;
  gs_time gil_wait_since;
  gs_time gil_wait, gil_wait_max;
  uint64_t gil_acquisitions;

  /* Accounting. */
  int8_t tr_state;     /* last trace state emitted, -1 before any */
  gs_time created, ended;
  gs_time user, sys, runnable, blocked;
  uint64_t nvcsw, nivcsw, migrations, tasks;
};

struct gsK_proc {
  int pid;
  gsK_proc *parent;
  char name[32];
  int nthreads, live;   /* threads created, and not yet exited */
  gs_time started, ended;
  bool exited;
  gsK_waitq waiters;    /* threads blocked in waitpid on this process */
  gsG_gil *gil;         /* NULL when the process has no GIL */
  void *ctx;            /* the concurrency model's per-process data */
};

struct gsK_core {
  int id;
  gsK_thread *cur;      /* thread on this core, or NULL when idle */
  gs_time seg_start;    /* when cur began its current accounted segment */
  gs_time slice_end;    /* when cur's slice ends (absolute ns) */
  bool resched;         /* preemption requested by a wake-up */
  int32_t idle_idx;     /* position in the idle set, -1 when busy */
  gs_time idle_since;   /* when it last went idle */
  gsE_event ev;
  gs_time busy_user, busy_sys;
  uint64_t switches;
};

/* The run queue, ordered by (key, seq), seq the order threads were queued.
 * Fair: key = vruntime, a binary min-heap of slots; round-robin: key = 0,
 * so the order is FIFO and the slots form a ring starting at head.  A
 * queued thread's vruntime does not change, so the slot's copy of it stays
 * exact and ordering never reads the threads. */
typedef struct {
  gs_time key;
  uint64_t seq;
  gsK_thread *t;
} gsK_rqslot;

typedef struct {
  gsK_rqslot *slot;
  size_t n, cap, head; /* head: ring start (round-robin); cap a power of 2 */
} gsK_runq;

struct gsK_sim {
  const gs_scenario *sc;
  gs_params p;          /* resolved */
  gsE_queue q;
  gsR_rng rng;
  gsR_rng noise;        /* the machine's own variation (line_transfer_cv): a
                         * stream of its own, so that the workload's draws
                         * stay the same with or without it */
  gs_sched_policy policy;

  int ncores;
  gsK_core *cores;
  int *idle;            /* ids of idle cores; idle_n of them */
  int idle_n;

  gsK_runq rq;
  uint64_t rq_seq;
  gs_time min_vruntime;
  gs_time slice, wakeup_gran, sleeper_credit; /* fair: scaled with cores */

  /* threads[tid]: NULL once the thread is reaped (it has exited and left
   * its core); rec[tid] then holds its accounting, which is all that is
   * left of it.  Reaped structures wait on `spare` for the next spawn. */
  gsK_thread **threads;
  gs_thread_result *rec;
  size_t nthreads, cap_threads;
  gsK_thread *spare;
  gsK_proc **procs;
  size_t nprocs, cap_procs;
  size_t live_threads;

  gsK_thread *main;     /* its exit ends the run */
  int failed;           /* gs_err of a failure inside the kernel */
  gs_error *err;

  gs_trace_fn trace;    /* NULL when the run is not traced */
  void *trace_ctx;
  int64_t last_runnable; /* last value of the runnable counter traced */

  void *model;          /* the concurrency model's data */
  void *loop;           /* the event loop (asyncio model) */
  void *net;            /* the network (download workload) */
  gs_task_result *tasks;
  uint64_t *work;        /* per task: divisions (primes), decrements (countdown) */
  gs_time old_release;   /* old GIL: user ns a release + re-take adds to the loop */
};

static inline gs_time gsK_now(const gsK_sim *s) { return s->q.now; }

/* ---- Setting up ------------------------------------------------------ */
int gsK_init(gsK_sim *s, const gs_scenario *sc, gs_error *err);
void gsK_free(gsK_sim *s);
/* Run events until the main thread exits; returns a gs_err. */
int gsK_run(gsK_sim *s);

/* ---- Processes and threads (thread.c) -------------------------------- */
gsK_proc *gsK_proc_new(gsK_sim *s, gsK_proc *parent, const char *name);
/* Create a thread in p running step; it becomes runnable at once. */
gsK_thread *gsK_spawn(gsK_sim *s, gsK_proc *p, const char *name, gsK_step_fn step);
/* t has exited and left its core: keep its accounting in rec[t->tid] and
 * its structure for a later spawn (not the main thread's: it ends the run). */
void gsK_reap(gsK_sim *s, gsK_thread *t);
/* A thread's accounting as results report it. */
void gsK_record(const gsK_thread *t, gs_thread_result *tr);

/* What a step function ends with. */
void gsK_work(gsK_thread *t, gs_time ns, bool sys);
/* User work with a check point every check ns (see op_check). */
void gsK_work_checked(gsK_thread *t, gs_time ns, gs_time check);
void gsK_block(gsK_sim *s, gsK_thread *t, gsK_waitq *wq, gs_time timeout);
void gsK_exit(gsK_sim *s, gsK_thread *t);
/* Kernel time to charge before the next operation (sys). */
static inline void gsK_charge_sys(gsK_thread *t, gs_time ns) { t->pending_sys += ns; }

/* Wake the first waiter / every waiter of wq; returns how many. */
int gsK_wake_one(gsK_sim *s, gsK_waitq *wq);
int gsK_wake_all(gsK_sim *s, gsK_waitq *wq);
/* Set t's eval breaker: if it runs interruptible work, it stops at its
 * next check point (now, if running; when next dispatched, otherwise). */
void gsK_interrupt(gsK_sim *s, gsK_thread *t);
/* Timer expiry of a thread (dispatched from the event loop). */
void gsK_timer_fired(gsK_sim *s, gsK_thread *t);

/* ---- Scheduler (sched.c) --------------------------------------------- */
void gsK_sched_init(gsK_sim *s);
/* t has become runnable: give it an idle core or queue it (may preempt). */
void gsK_make_runnable(gsK_sim *s, gsK_thread *t);
/* The core's event fired: account, run the program, preempt or continue. */
void gsK_core_event(gsK_sim *s, gsK_core *c);
/* Fail the run with a model error (allocation failure, event limit). */
void gsK_fail(gsK_sim *s, int code, const char *msg);

/* ---- Simulated time ---------------------------------------------------- */
/* Simulated time ends at GSK_HORIZON, 2^62 ns (146 years).  A duration may
 * be far longer (a draw from a heavy tail saturates at 9e18 ns, rng.c, and
 * so does work), so a time ahead is summed with gsK_later, which saturates
 * instead of overflowing, and every event goes through gsK_schedule, which
 * fails the run (GS_ERR_LIMIT) rather than schedule one past the horizon.
 * Hence now <= GSK_HORIZON, and the bounded sums of the scheduler (a slice,
 * a tick, a wake-up latency after now) cannot overflow either. */
#define GSK_HORIZON ((gs_time)1 << 62)

/* a + b for a time and a duration (both >= 0), saturating at INT64_MAX. */
static inline gs_time gsK_later(gs_time a, gs_time b)
{
  return b > INT64_MAX - a ? INT64_MAX : a + b;
}

/* Schedule ev at `at` (>= now); past the horizon, or when the event queue
 * cannot grow, fail the run instead. */
static inline void gsK_schedule(gsK_sim *s, gsE_event *ev, gs_time at)
{
  if (at > GSK_HORIZON)
    gsK_fail(s, GS_ERR_LIMIT,
             "simulated time would pass 2^62 ns (146 years): a duration of the scenario, or a "
             "draw from the tail of one of its distributions, is too long");
  else if (gsE_schedule(&s->q, ev, at) < 0)
    gsK_fail(s, GS_ERR_NOMEM, "out of memory growing the event queue");
}

/* ---- Synchronisation (sync.c) ----------------------------------------- */
/* A futex-style mutex: unlock wakes one waiter but hands nothing over; the
 * woken thread must try again and may lose to a thread that never slept. */
typedef struct {
  gsK_thread *owner;
  gsK_waitq wq;
} gsK_mutex;

/* true if t now owns m; false if t has been set to block on it (the step
 * function must return and retry at the same pc). */
bool gsK_mutex_lock(gsK_sim *s, gsK_thread *t, gsK_mutex *m);
void gsK_mutex_unlock(gsK_sim *s, gsK_thread *t, gsK_mutex *m);

/* A pipe carrying int64 messages (task indices, results). */
typedef struct {
  int64_t *buf;
  size_t head, n, cap;
  gsK_waitq readers;
} gsK_pipe;

void gsK_pipe_free(gsK_pipe *p);
/* Write one message; wakes a blocked reader.  Charges the write syscall. */
int gsK_pipe_write(gsK_sim *s, gsK_thread *t, gsK_pipe *p, int64_t msg);
/* true and *msg if a message was read (read syscall charged); false if t
 * has been set to block (retry at the same pc). */
bool gsK_pipe_read(gsK_sim *s, gsK_thread *t, gsK_pipe *p, int64_t *msg);

/* Join thread tid: true once it has exited (join cost charged); false if
 * t has been set to block. */
bool gsK_join(gsK_sim *s, gsK_thread *t, int tid);
/* waitpid: true once p has exited; false if t has been set to block. */
bool gsK_waitpid(gsK_sim *s, gsK_thread *t, gsK_proc *p);

#endif
