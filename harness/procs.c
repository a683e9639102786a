/*
 * procs.c - the processes model, run for real: a pool of W fork()ed
 * workers fed through pipes, like ProcessPoolExecutor.
 *
 *   main process                               worker k (k = 1..W)
 *   ------------                               -------------------
 *   fork W workers                             take its own GIL (if any)
 *   loop until the result pipe is at EOF:      loop:
 *     poll(result pipe, task pipe, deaths)       drop GIL; read a task; take
 *     task pipe writable: write indices,           EOF: leave the loop
 *       one a write, while there is room;        run the task
 *       after the last, close it                 write a (task, result) record
 *     result pipe readable: read a record      drop GIL; write a summary record
 *     a worker died: kill the others, stop       (GIL figures, schedstat)
 *       feeding, read on to EOF                _exit(0)
 *   wait4 every worker: exit status and
 *     its rusage (CPU, context switches)
 *
 * Both pipes are shared by all workers: every task index (8 bytes) and
 * every record (under PIPE_BUF) is one write, which POSIX makes atomic, so
 * readers never see pieces of two messages.  The main process polls both
 * pipes instead of writing every task first, so that a full task pipe and a
 * full result pipe can never wait on each other.  Closing the task pipe is
 * the stop message; the result pipe reaches EOF when the last worker has
 * exited, dead or alive.  A worker that dies (a signal, a non-zero status)
 * fails the run at once, as a broken ProcessPoolExecutor does: the main
 * process watches every worker through a pidfd (one epoll set of them, one
 * more descriptor in its poll, nothing to do until a worker ends), kills
 * the others with SIGKILL when one dies, and reports the first by name and
 * pid after every worker has been reaped, so no zombie is left behind.
 * Where pidfds are missing (Linux before 5.3, or no descriptor left) a death
 * is noticed only at the end, when the others have done every task.  With
 * PR_SET_PDEATHSIG a worker whose parent dies is killed rather than left
 * running; workers are named gilsim-worker (ps, top).
 *
 * With a GIL each process has its own, as in CPython: the main process
 * drops it around its blocking poll and wait4, a worker around its read.
 *
 * Rows: process 1 "main" with thread 0; worker k is process k+1
 * "worker-k" (parent 1) with thread k "main", as the simulator names them.
 */
#define _GNU_SOURCE /* wait4, prctl */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

enum { REC_RESULT = 1, REC_SUMMARY = 2 };

/* One message from a worker: a task's result, or its summary at exit. */
typedef struct {
  int32_t kind;
  int32_t worker;         /* 1..W */
  gs_task_result task;    /* REC_RESULT */
  int64_t created, ended; /* REC_SUMMARY: ns since the run started */
  uint64_t tasks;
  gsh__sample sample;     /* its thread's schedstat (CPU comes from wait4) */
  gs_gil_stats gil;
  gsh_gil_thread gt;
} record;

_Static_assert(sizeof(record) <= PIPE_BUF, "a record must be one atomic pipe write");

/* Why a worker exits with a non-zero status; the parent names the cause. */
enum {
  EXIT_PARENT_GONE = 10,
  EXIT_GIL,
  EXIT_READ,
  EXIT_BAD_TASK,
  EXIT_WRITE
};

static const char *exit_cause(int status)
{
  switch (status) {
  case EXIT_PARENT_GONE: return "its parent was gone before it started";
  case EXIT_GIL: return "it could not create its GIL";
  case EXIT_READ: return "reading the task pipe failed";
  case EXIT_BAD_TASK: return "it read a task index out of range";
  case EXIT_WRITE: return "writing the result pipe failed";
  default: return "unexpected status";
  }
}

/* ---- A worker process ------------------------------------------------------ */

static _Noreturn void worker_process(gsh__run *run, int k, pid_t parent, int task_r, int res_w)
{
  /* Die with the parent rather than compute for nobody. */
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent)
    _exit(EXIT_PARENT_GONE);
  prctl(PR_SET_NAME, "gilsim-worker");
  int64_t created = gsh__now() - run->t0;
  gsh_gil *gil = NULL;
  if (run->gil != GS_GIL_NONE) {
    gs_error e;
    if (gsh_gil_create(run->gil, run->interval_us, run->check_interval, &gil, &e) != GS_OK)
      _exit(EXIT_GIL);
  }
  gsh__worker w = {.run = run, .gil = gil, .tid = k};
  gsh_gil_thread_init(&w.gt, k);
  if (gil)
    gsh_gil_take(gil, &w.gt);
  for (;;) {
    uint64_t task;
    if (gil)
      gsh_gil_drop(gil, &w.gt); /* a blocking read: Py_BEGIN_ALLOW_THREADS */
    ssize_t n = gsh__read_full(task_r, &task, sizeof task);
    if (gil)
      gsh_gil_take(gil, &w.gt);
    if (n == 0)
      break; /* the task pipe is closed: no more work */
    if (n != (ssize_t)sizeof task)
      _exit(EXIT_READ);
    if (task >= run->sc->ntasks)
      _exit(EXIT_BAD_TASK);
    record rec;
    memset(&rec, 0, sizeof rec);
    rec.kind = REC_RESULT;
    rec.worker = k;
    gsh__run_task(&w, (size_t)task, &rec.task);
    if (gsh__write_full(res_w, &rec, sizeof rec) < 0)
      _exit(EXIT_WRITE);
  }
  if (gil)
    gsh_gil_drop(gil, &w.gt);
  record sum;
  memset(&sum, 0, sizeof sum);
  sum.kind = REC_SUMMARY;
  sum.worker = k;
  sum.created = created;
  sum.tasks = w.tasks;
  gsh__sample_thread(&sum.sample);
  if (gil)
    gsh__gil_figures(gil, &sum.gil);
  sum.gt = w.gt;
  sum.ended = gsh__now() - run->t0;
  if (gsh__write_full(res_w, &sum, sizeof sum) < 0)
    _exit(EXIT_WRITE);
  /* _exit: no atexit handlers or stdio buffers of the parent run twice. */
  _exit(0);
}

/* ---- The main process ------------------------------------------------------ */

typedef struct {
  pid_t pid;         /* 0: never started */
  int pidfd;         /* watched for its end; -1: not (any more) */
  int status;        /* from wait4 */
  struct rusage ru;
  record sum;        /* its summary; sum.kind == 0 if none came */
} child;

typedef struct {
  gsh__run *run;
  child *kids;
  int nkids;         /* forked */
  int deaths;        /* epoll set of the kids' pidfds; -1: none */
  int first_dead;    /* index of the first kid that ended badly while
                        the run went on; -1: none */
  unsigned char *done;
  size_t ndone;
  gs_err e;          /* the first error, GS_OK if none */
} state;

static void fail(state *s, gs_err e, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Keep the first error: it explains the ones that follow from it. */
static void fail(state *s, gs_err e, const char *fmt, ...)
{
  if (s->e != GS_OK)
    return;
  s->e = e;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(s->run->err->msg, sizeof s->run->err->msg, fmt, ap);
  va_end(ap);
}

static void take_record(state *s, const record *rec)
{
  int nw = s->run->sc->workers;
  if (rec->worker < 1 || rec->worker > nw) {
    fail(s, GS_ERR_MODEL, "a record from worker %d of %d", (int)rec->worker, nw);
    return;
  }
  if (rec->kind == REC_SUMMARY) {
    s->kids[rec->worker - 1].sum = *rec;
    return;
  }
  uint64_t t = rec->task.task;
  if (rec->kind != REC_RESULT || t >= s->run->sc->ntasks) {
    fail(s, GS_ERR_MODEL, "worker-%d sent a malformed record (task %llu)", (int)rec->worker,
         (unsigned long long)t);
    return;
  }
  if (s->done[t]) {
    fail(s, GS_ERR_MODEL, "task %llu was done twice (again by worker-%d)", (unsigned long long)t,
         (int)rec->worker);
    return;
  }
  s->done[t] = 1;
  s->ndone++;
  s->run->r->tasks[t] = rec->task;
}

/* ---- Deaths ---------------------------------------------------------------- */

/* Watch every worker's end: a pidfd each, in one epoll set.  A worker whose
 * pidfd cannot be had is only checked at the end. */
static void watch_workers(state *s)
{
  s->deaths = -1;
#ifdef SYS_pidfd_open
  s->deaths = epoll_create1(EPOLL_CLOEXEC);
  for (int i = 0; i < s->nkids && s->deaths >= 0; i++) {
    child *c = &s->kids[i];
    c->pidfd = (int)syscall(SYS_pidfd_open, c->pid, 0);
    if (c->pidfd < 0)
      continue;
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
    if (epoll_ctl(s->deaths, EPOLL_CTL_ADD, c->pidfd, &ev) < 0) {
      close(c->pidfd);
      c->pidfd = -1;
    }
  }
#endif
}

static void unwatch_workers(state *s)
{
  for (int i = 0; i < s->nkids; i++)
    if (s->kids[i].pidfd >= 0) {
      close(s->kids[i].pidfd);
      s->kids[i].pidfd = -1;
    }
  if (s->deaths >= 0)
    close(s->deaths);
  s->deaths = -1;
}

/* Workers that have ended since the last look: one that ended badly is the
 * first death, and the others are killed (each by pid: the main process
 * shares their process group).  1 when that happened now. */
static int look_at_deaths(state *s)
{
  struct epoll_event evs[32];
  int n = epoll_wait(s->deaths, evs, 32, 0);
  int stopped = 0;
  for (int k = 0; k < n; k++) {
    child *c = &s->kids[evs[k].data.u32];
    siginfo_t si;
    memset(&si, 0, sizeof si);
    /* WNOWAIT: wait4 reaps it later, with its rusage. */
    if (waitid(P_PID, (id_t)c->pid, &si, WEXITED | WNOHANG | WNOWAIT) < 0 || si.si_pid != c->pid)
      continue;
    epoll_ctl(s->deaths, EPOLL_CTL_DEL, c->pidfd, NULL);
    close(c->pidfd);
    c->pidfd = -1;
    if ((si.si_code == CLD_EXITED && si.si_status == 0) || s->first_dead >= 0)
      continue;
    s->first_dead = (int)(c - s->kids);
    for (int i = 0; i < s->nkids; i++)
      if (&s->kids[i] != c)
        kill(s->kids[i].pid, SIGKILL);
    stopped = 1;
  }
  return stopped;
}

/* ---- Feeding ----------------------------------------------------------------- */

/* Feed tasks and collect records until every worker has closed its end of
 * the result pipe. */
static void feed_and_collect(state *s, gsh_gil *gil, gsh_gil_thread *gt, int task_w, int res_r)
{
  size_t n = s->run->sc->ntasks, next = 0;
  if (n == 0) {
    close(task_w);
    task_w = -1;
  }
  for (;;) {
    /* A negative fd is skipped by poll: no task pipe, no deaths to watch. */
    struct pollfd pf[3] = {{.fd = res_r, .events = POLLIN},
                           {.fd = task_w, .events = POLLOUT},
                           {.fd = s->deaths, .events = POLLIN}};
    if (gil)
      gsh_gil_drop(gil, gt);
    int rc = poll(pf, 3, -1);
    if (gil)
      gsh_gil_take(gil, gt);
    if (rc < 0) {
      if (errno == EINTR)
        continue;
      fail(s, GS_ERR_IO, "poll on the worker pipes failed: %s", strerror(errno));
      break;
    }
    if (s->deaths >= 0 && pf[2].revents && look_at_deaths(s) && task_w >= 0) {
      close(task_w); /* no more work: the pool is broken */
      task_w = -1;
      pf[1].revents = 0;
    }
    if (task_w >= 0 && pf[1].revents) {
      /* One write per task, as the model charges them, for as long as the
       * pipe has room (the main process's end is non-blocking; an 8-byte
       * write is all or nothing).  POLLERR or EPIPE: every worker has
       * gone; stop feeding and let the reaping explain why. */
      if (!(pf[1].revents & POLLOUT))
        next = n;
      while (next < n) {
        uint64_t t = next;
        ssize_t k = write(task_w, &t, sizeof t);
        if (k == (ssize_t)sizeof t)
          next++;
        else if (k < 0 && errno == EINTR)
          continue;
        else if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
          break;
        else
          next = n;
      }
      if (next == n) {
        close(task_w);
        task_w = -1;
      }
    }
    if (pf[0].revents) {
      record rec;
      ssize_t got = gsh__read_full(res_r, &rec, sizeof rec);
      if (got == 0)
        break; /* every worker has exited */
      if (got != (ssize_t)sizeof rec) {
        fail(s, GS_ERR_IO, "reading the result pipe failed: %s",
             got < 0 ? strerror(errno) : "a record was cut short");
        break;
      }
      take_record(s, &rec);
    }
  }
  if (task_w >= 0)
    close(task_w);
}

/* Reap every worker (wait4: its status and its rusage). */
static void reap(state *s, gsh_gil *gil, gsh_gil_thread *gt)
{
  if (gil)
    gsh_gil_drop(gil, gt);
  for (int i = 0; i < s->nkids; i++) {
    child *c = &s->kids[i];
    while (wait4(c->pid, &c->status, 0, &c->ru) < 0) {
      if (errno != EINTR) {
        /* ECHILD: someone else (a SIGCHLD handler of the caller?) reaped it. */
        fail(s, GS_ERR_IO, "waiting for worker process worker-%d (pid %ld) failed: %s", i + 1,
             (long)c->pid, strerror(errno));
        c->status = 0;
        memset(&c->ru, 0, sizeof c->ru);
        break;
      }
    }
  }
  if (gil)
    gsh_gil_take(gil, gt);
}

/* The first worker that did not end well, named in the run's error. */
static void check_workers(state *s)
{
  size_t n = s->run->sc->ntasks;
  for (int k = -1; k < s->nkids; k++) {
    /* The first death, when one stopped the run, before any in order. */
    int i = k < 0 ? s->first_dead : k;
    if (i < 0 || (k >= 0 && k == s->first_dead))
      continue;
    child *c = &s->kids[i];
    char how[160];
    if (WIFSIGNALED(c->status))
      snprintf(how, sizeof how, "was killed by signal %d (%s)", WTERMSIG(c->status),
               strsignal(WTERMSIG(c->status)));
    else if (WIFEXITED(c->status) && WEXITSTATUS(c->status) != 0)
      snprintf(how, sizeof how, "exited with status %d: %s", WEXITSTATUS(c->status),
               exit_cause(WEXITSTATUS(c->status)));
    else if (c->sum.kind != REC_SUMMARY)
      snprintf(how, sizeof how, "exited without sending its summary");
    else
      continue;
    /* A dead worker is the root cause of whatever the main process saw
     * after it (a short read, missing tasks): name it instead. */
    s->e = GS_ERR_MODEL;
    snprintf(s->run->err->msg, sizeof s->run->err->msg,
             "worker process worker-%d (pid %ld) %s; %zu of %zu tasks done%s", i + 1,
             (long)c->pid, how, s->ndone, n,
             k < 0 && s->nkids > 1 ? ", the other workers stopped" : "");
    return;
  }
  if (s->e == GS_OK && s->ndone != n)
    fail(s, GS_ERR_MODEL, "only %zu of %zu tasks came back from the workers", s->ndone, n);
}

static void fill_rows(state *s)
{
  gs_results *r = s->run->r;
  for (int i = 0; i < s->nkids; i++) {
    child *c = &s->kids[i];
    int k = i + 1;
    gs_proc_result *p = &r->procs[k];
    gs_thread_result *tr = &r->threads[k];
    gsh__sample cpu;
    gsh__sample_rusage(&c->ru, &cpu);
    p->user = cpu.user;
    p->sys = cpu.sys;
    tr->pid = p->pid;
    tr->tid = k;
    snprintf(tr->name, sizeof tr->name, "main");
    if (c->sum.kind != REC_SUMMARY)
      continue;
    p->started = c->sum.created;
    p->ended = c->sum.ended;
    p->gil = c->sum.gil;
    cpu.has_sched = c->sum.sample.has_sched;
    cpu.run = c->sum.sample.run;
    cpu.wait = c->sum.sample.wait;
    gsh__fill_thread(tr, NULL, &cpu, c->sum.created, c->sum.ended);
    tr->tasks = c->sum.tasks;
    gsh__thread_gil(&c->sum.gt, tr);
  }
}

gs_err gsh__run_processes(gsh__run *run)
{
  gs_results *r = run->r;
  int nw = run->sc->workers;
  size_t nrows = (size_t)nw + 1;
  state s = {.run = run, .deaths = -1, .first_dead = -1, .e = GS_OK};
  r->threads = calloc(nrows, sizeof *r->threads);
  r->procs = calloc(nrows, sizeof *r->procs);
  s.kids = calloc((size_t)nw, sizeof *s.kids);
  s.done = calloc(run->sc->ntasks ? run->sc->ntasks : 1, 1);
  if (!r->threads || !r->procs || !s.kids || !s.done) {
    free(s.kids);
    free(s.done);
    snprintf(run->err->msg, sizeof run->err->msg, "out of memory for %d worker processes", nw);
    return GS_ERR_NOMEM;
  }
  r->nthreads = nrows;
  r->nprocs = nrows;
  for (size_t i = 0; i < nrows; i++) {
    gs_proc_result *p = &r->procs[i];
    p->pid = (int)i + 1;
    p->parent = i ? 1 : 0;
    p->nthreads = 1;
    if (i)
      snprintf(p->name, sizeof p->name, "worker-%zu", i);
    else
      snprintf(p->name, sizeof p->name, "main");
  }

  gsh_gil *gil = NULL;
  if (run->gil != GS_GIL_NONE) {
    gs_err e = gsh_gil_create(run->gil, run->interval_us, run->check_interval, &gil, run->err);
    if (e != GS_OK) {
      free(s.kids);
      free(s.done);
      return e;
    }
  }
  gsh_gil_thread gt;
  gsh_gil_thread_init(&gt, 0);
  gsh__sample start;
  gsh__sample_thread(&start);
  if (gil)
    gsh_gil_take(gil, &gt);

  int task_pipe[2], res_pipe[2];
  if (pipe(task_pipe) < 0) {
    fail(&s, GS_ERR_IO, "could not create the task pipe: %s", strerror(errno));
  } else if (pipe(res_pipe) < 0) {
    fail(&s, GS_ERR_IO, "could not create the result pipe: %s", strerror(errno));
    close(task_pipe[0]);
    close(task_pipe[1]);
  }
  if (s.e == GS_OK) {
    /* With every worker gone a write to the task pipe must fail with
     * EPIPE, not kill the main process. */
    struct sigaction ign = {.sa_handler = SIG_IGN}, old;
    sigemptyset(&ign.sa_mask);
    sigaction(SIGPIPE, &ign, &old);
    pid_t self = getpid();
    for (int i = 0; i < nw; i++) {
      pid_t pid = fork();
      if (pid == 0) {
        close(task_pipe[1]);
        close(res_pipe[0]);
        worker_process(run, i + 1, self, task_pipe[0], res_pipe[1]);
      }
      if (pid < 0) {
        fail(&s, GS_ERR_LIMIT, "could not fork worker process %d of %d: %s", i + 1, nw,
             strerror(errno));
        break;
      }
      s.kids[i].pid = pid;
      s.kids[i].pidfd = -1;
      s.nkids++;
    }
    close(task_pipe[0]);
    close(res_pipe[1]);
    fcntl(task_pipe[1], F_SETFL, O_NONBLOCK);
    if (s.e != GS_OK) {
      /* No task will be sent: the workers started read EOF and exit. */
      close(task_pipe[1]);
      task_pipe[1] = -1;
      record rec;
      while (gsh__read_full(res_pipe[0], &rec, sizeof rec) > 0)
        ;
    } else {
      watch_workers(&s);
      feed_and_collect(&s, gil, &gt, task_pipe[1], res_pipe[0]);
      unwatch_workers(&s);
    }
    close(res_pipe[0]); /* a worker still writing now gets EPIPE and exits */
    reap(&s, gil, &gt);
    sigaction(SIGPIPE, &old, NULL);
    check_workers(&s);
    fill_rows(&s);
  }

  if (gil)
    gsh_gil_drop(gil, &gt);
  gsh__sample end;
  gsh__sample_thread(&end);
  int64_t ended = gsh__now() - run->t0;
  gs_thread_result *tr = &r->threads[0];
  tr->pid = 1;
  tr->tid = 0;
  snprintf(tr->name, sizeof tr->name, "main");
  gsh__fill_thread(tr, &start, &end, 0, ended);
  gsh__thread_gil(&gt, tr);
  r->procs[0].ended = ended;
  if (gil) {
    gsh__gil_figures(gil, &r->procs[0].gil);
    gsh_gil_destroy(gil);
  }
  free(s.kids);
  free(s.done);
  return s.e;
}
