/*
 * cpus.c - `--cores N` for real runs: confining a process to N CPUs with
 * sched_setaffinity, so that a measurement on N cores means the same thing
 * as a simulation with cores = N.
 *
 * "The first N CPUs" are the first N of those the process may already run
 * on (a container or taskset may have given it CPUs 4-7): asking for more
 * than that is refused, never silently rounded down.  The masks are sized
 * with CPU_ALLOC, growing until the kernel accepts them, so machines with
 * more CPUs than a fixed cpu_set_t holds (1024) work too.
 */
#define _GNU_SOURCE /* sched_getaffinity, CPU_* macros */
#include "harness.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

/* The calling process's mask in *set (CPU_ALLOC'd, of *size bytes and
 * *ncpu bits), or -1 with errno. */
static int get_mask(cpu_set_t **set, size_t *size, int *ncpu)
{
  for (int n = 1024; n <= (1 << 22); n *= 2) {
    cpu_set_t *s = CPU_ALLOC((size_t)n);
    if (!s)
      return -1;
    size_t sz = CPU_ALLOC_SIZE((size_t)n);
    if (sched_getaffinity(0, sz, s) == 0) {
      *set = s;
      *size = sz;
      *ncpu = n;
      return 0;
    }
    int e = errno;
    CPU_FREE(s);
    if (e != EINVAL)
      return errno = e, -1;
  }
  return errno = EINVAL, -1;
}

int gsh_cpus_available(gs_error *err)
{
  cpu_set_t *set;
  size_t size;
  int ncpu;
  if (get_mask(&set, &size, &ncpu) < 0) {
    snprintf(err->msg, sizeof err->msg, "cannot read this process's CPU affinity: %s",
             strerror(errno));
    return -1;
  }
  int n = CPU_COUNT_S(size, set);
  CPU_FREE(set);
  return n;
}

gs_err gsh_confine_cores(int n, gs_error *err)
{
  cpu_set_t *set;
  size_t size;
  int ncpu;
  if (get_mask(&set, &size, &ncpu) < 0) {
    snprintf(err->msg, sizeof err->msg, "cannot read this process's CPU affinity: %s",
             strerror(errno));
    return GS_ERR_IO;
  }
  int have = CPU_COUNT_S(size, set);
  if (n < 1 || n > have) {
    snprintf(err->msg, sizeof err->msg,
             "cores: cannot run on %d CPU%s: this process may use %d (see taskset, cgroups)", n,
             n == 1 ? "" : "s", have);
    CPU_FREE(set);
    return GS_ERR_INVALID;
  }
  cpu_set_t *want = CPU_ALLOC((size_t)ncpu);
  if (!want) {
    CPU_FREE(set);
    snprintf(err->msg, sizeof err->msg, "out of memory for a CPU mask");
    return GS_ERR_NOMEM;
  }
  CPU_ZERO_S(size, want);
  int taken = 0;
  for (int c = 0; c < ncpu && taken < n; c++)
    if (CPU_ISSET_S((size_t)c, size, set)) {
      CPU_SET_S((size_t)c, size, want);
      taken++;
    }
  /* pid 0 sets the calling thread only; the run confines itself before
   * it starts any thread, so every thread and child inherits the mask. */
  int rc = sched_setaffinity(0, size, want);
  int e = errno;
  CPU_FREE(want);
  CPU_FREE(set);
  if (rc < 0) {
    snprintf(err->msg, sizeof err->msg, "cannot confine the run to %d CPUs: %s", n, strerror(e));
    return GS_ERR_IO;
  }
  return GS_OK;
}
