/*
 * sample.c - what the operating system says a thread or a process has
 * used: CPU time by kind, context switches, and time spent waiting for a
 * CPU, turned into the rows of a gs_results.
 *
 * Sources, all Linux: getrusage(RUSAGE_THREAD) for a thread's user and sys
 * time and its voluntary/involuntary switches; /proc/thread-self/schedstat
 * ("ns on a CPU, ns waiting on a run queue, time slices", present when the
 * kernel has CONFIG_SCHED_INFO) for runnable time; wait4's struct rusage
 * for a whole child process.  Reading schedstat costs an open, a read and a
 * close (a few µs), so it is done once at each end of a thread's life.
 */
#define _GNU_SOURCE /* RUSAGE_THREAD */
#include "internal.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

int64_t gsh__now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t tv_ns(struct timeval tv)
{
  return (int64_t)tv.tv_sec * 1000000000 + (int64_t)tv.tv_usec * 1000;
}

void gsh__sample_rusage(const struct rusage *ru, gsh__sample *s)
{
  memset(s, 0, sizeof *s);
  s->user = tv_ns(ru->ru_utime);
  s->sys = tv_ns(ru->ru_stime);
  s->nvcsw = (uint64_t)ru->ru_nvcsw;
  s->nivcsw = (uint64_t)ru->ru_nivcsw;
}

/* The first two fields of a schedstat file; 0 if it cannot be read. */
static int read_schedstat(int64_t *run, int64_t *wait)
{
  /* open/read rather than stdio: no allocation, safe in a forked child. */
  int fd = open("/proc/thread-self/schedstat", O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return 0;
  char buf[128];
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0)
    return 0;
  buf[n] = 0;
  unsigned long long a, b;
  if (sscanf(buf, "%llu %llu", &a, &b) != 2)
    return 0;
  *run = (int64_t)a;
  *wait = (int64_t)b;
  return 1;
}

void gsh__sample_thread(gsh__sample *s)
{
  struct rusage ru;
  memset(&ru, 0, sizeof ru);
  getrusage(RUSAGE_THREAD, &ru);
  gsh__sample_rusage(&ru, s);
  s->has_sched = read_schedstat(&s->run, &s->wait);
}

void gsh__fill_thread(gs_thread_result *tr, const gsh__sample *from, const gsh__sample *to,
                      int64_t created, int64_t ended)
{
  static const gsh__sample zero;
  if (!from)
    from = &zero;
  tr->created = created;
  tr->ended = ended;
  tr->user = to->user - from->user;
  tr->sys = to->sys - from->sys;
  tr->nvcsw = to->nvcsw - from->nvcsw;
  tr->nivcsw = to->nivcsw - from->nivcsw;
  if (to->has_sched && (from == &zero || from->has_sched)) {
    int64_t run = to->run - from->run, wait = to->wait - from->wait;
    int64_t blocked = (ended - created) - run - wait;
    tr->runnable = wait;
    tr->blocked = blocked > 0 ? blocked : 0;
  }
}

void gsh__gil_figures(const gsh_gil *g, gs_gil_stats *st)
{
  gsh_gil_stats s;
  gsh_gil_get_stats(g, &s);
  *st = s.st;
}

void gsh__thread_gil(const gsh_gil_thread *gt, gs_thread_result *tr)
{
  tr->gil_acquisitions = gt->acquisitions;
  tr->gil_wait = gt->wait;
  tr->gil_wait_max = gt->wait_max;
}
