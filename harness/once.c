/*
 * once.c - one repetition of a measurement in a fresh child process.
 *
 *   caller                          child (gsh_child_fork)
 *   ------                          ----------------------
 *   pipe, fork                      gsh_run_here: confine CPUs, run, measure
 *   read the reply until EOF  <---  write the reply: a header (error code
 *   gsh_child_wait the child         and message, the gs_results struct),
 *   killed or failed: an error       then threads, procs, cores, tasks
 *     naming the signal or status   _exit(0)
 *
 * Why a child: getrusage(RUSAGE_CHILDREN) of a process only grows, so
 * repetitions run by one process would each see the worker processes of
 * the earlier ones; sched_setaffinity would confine the caller for good;
 * and a repetition that crashes (a worker thread killed, an abort in the
 * GIL) must come back as an error, not end the tool.  The child leads a
 * process group (child.h) that its worker processes join, so that an
 * interrupted tool ends the whole repetition with one kill (the download
 * server, a group of its own, dies with its parent); it is named
 * gilsim-measure (ps, top).
 *
 * The reply is the raw bytes of the structs: both ends are the same binary
 * on the same machine, so no encoding is needed; the header's pointers are
 * meaningless on arrival and replaced.  Sizes read from the header are
 * checked against the library's limits before anything is allocated.
 */
#define _GNU_SOURCE /* prctl */
#include "child.h"
#include "internal.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define REPLY_MAGIC 0x67736831u /* "gsh1" */
/* Far above any real machine; only a corrupt header gets near it. */
#define REPLY_MAX_CPUS (1 << 22)

typedef struct {
  uint32_t magic;
  int32_t err;     /* gs_err of the run */
  gs_error msg;    /* its message when err != GS_OK */
  gs_results r;    /* when err == GS_OK; pointers are not valid */
} reply_head;

/* Each array of a gs_results, in the order they travel. */
#define FOR_EACH_ARRAY(r, X)                            \
  X((r)->threads, (r)->nthreads)                        \
  X((r)->procs, (r)->nprocs)                            \
  X((r)->core, (size_t)((r)->cores > 0 ? (r)->cores : 0)) \
  X((r)->tasks, (r)->ntasks)

static _Noreturn void child_main(const gs_scenario *sc, const gsh_options *o, int fd)
{
  /* A measurement nobody waits for would only burn the CPUs: gsh_child_fork
   * has asked for SIGKILL when the caller dies. */
  prctl(PR_SET_NAME, "gilsim-measure");
  reply_head h;
  memset(&h, 0, sizeof h);
  h.magic = REPLY_MAGIC;
  gs_results *r = NULL;
  h.err = gsh_run_here(sc, o, &r, &h.msg);
  if (r)
    h.r = *r;
  int bad = gsh__write_full(fd, &h, sizeof h) < 0;
#define SEND(ptr, n) bad = bad || gsh__write_full(fd, (ptr), (n) * sizeof *(ptr)) < 0;
  if (!bad && r) {
    FOR_EACH_ARRAY(r, SEND)
  }
#undef SEND
  /* _exit: the caller's atexit handlers and stdio buffers are not ours. */
  _exit(bad ? 4 : 0);
}

/* Read the child's reply into *out (GS_OK) or its error into err.  -1 when
 * the reply is missing or cut short, i.e. the child died. */
static int receive(int fd, gs_err *e, gs_results **out, gs_error *err)
{
  reply_head h;
  if (gsh__read_full(fd, &h, sizeof h) != (ssize_t)sizeof h || h.magic != REPLY_MAGIC)
    return -1;
  if (h.err != GS_OK) {
    *e = (gs_err)h.err;
    memcpy(err->msg, h.msg.msg, sizeof err->msg);
    err->msg[sizeof err->msg - 1] = 0;
    return 0;
  }
  if (h.r.ntasks > GS_MAX_TASKS || h.r.nthreads > (size_t)GS_MAX_WORKERS + 1 ||
      h.r.nprocs > (size_t)GS_MAX_WORKERS + 1 || h.r.cores < 0 || h.r.cores > REPLY_MAX_CPUS)
    return -1;
  gs_results *r = calloc(1, sizeof *r);
  if (!r) {
    *e = GS_ERR_NOMEM;
    snprintf(err->msg, sizeof err->msg, "out of memory receiving the results");
    return 0;
  }
  *r = h.r;
  r->threads = NULL;
  r->procs = NULL;
  r->core = NULL;
  r->tasks = NULL;
  int bad = 0;
  /* calloc(n ? n : 1): an empty array is still a pointer gs_results_free
   * can take, as the simulator's results always are. */
#define RECV(ptr, n)                                                                     \
  if (!bad) {                                                                            \
    (ptr) = calloc((n) ? (n) : 1, sizeof *(ptr));                                        \
    bad = !(ptr) ? 2 : gsh__read_full(fd, (ptr), (n) * sizeof *(ptr)) != (ssize_t)((n) * sizeof *(ptr)); \
  }
  FOR_EACH_ARRAY(r, RECV)
#undef RECV
  if (bad) {
    gs_results_free(r);
    if (bad == 2) {
      *e = GS_ERR_NOMEM;
      snprintf(err->msg, sizeof err->msg, "out of memory receiving the results");
      return 0;
    }
    return -1;
  }
  *e = GS_OK;
  *out = r;
  return 0;
}

static const char *model_name(const gs_scenario *sc)
{
  return sc ? gs_model_name(sc->model) : "?";
}

gs_err gsh_run_once(const gs_scenario *sc, const gsh_options *o, gs_results **out,
                    gs_error *err)
{
  *out = NULL;
  int fd[2];
  if (pipe(fd) < 0) {
    snprintf(err->msg, sizeof err->msg, "cannot create a pipe for the measuring process: %s",
             strerror(errno));
    return GS_ERR_IO;
  }
  pid_t pid = gsh_child_fork();
  if (pid < 0) {
    int e = errno;
    close(fd[0]);
    close(fd[1]);
    snprintf(err->msg, sizeof err->msg, "cannot fork the measuring process: %s", strerror(e));
    return GS_ERR_LIMIT;
  }
  if (pid == 0) {
    close(fd[0]);
    child_main(sc, o, fd[1]);
  }
  close(fd[1]);

  gs_err e = GS_OK;
  gs_results *r = NULL;
  gs_error got;
  int lost = receive(fd[0], &e, &r, &got);
  close(fd[0]);
  int status = 0;
  if (gsh_child_wait(pid, &status) < 0) {
    gs_results_free(r);
    snprintf(err->msg, sizeof err->msg, "waiting for the measuring process (pid %ld) failed: %s",
             (long)pid, strerror(errno));
    return GS_ERR_IO;
  }
  if (WIFSIGNALED(status) || (WIFEXITED(status) && WEXITSTATUS(status) != 0) || lost) {
    gs_results_free(r);
    if (WIFSIGNALED(status))
      snprintf(err->msg, sizeof err->msg,
               "the measuring process (pid %ld, model %s) was killed by signal %d (%s)", (long)pid,
               model_name(sc), WTERMSIG(status), strsignal(WTERMSIG(status)));
    else if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
      snprintf(err->msg, sizeof err->msg,
               "the measuring process (pid %ld, model %s) exited with status %d", (long)pid,
               model_name(sc), WEXITSTATUS(status));
    else
      snprintf(err->msg, sizeof err->msg,
               "the measuring process (pid %ld, model %s) ended without sending its results",
               (long)pid, model_name(sc));
    return GS_ERR_MODEL;
  }
  if (e != GS_OK) {
    *err = got;
    return e;
  }
  *out = r;
  return GS_OK;
}
