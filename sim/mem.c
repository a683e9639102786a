/*
 * mem.c - large arrays on huge pages.
 *
 * A large run touches tens of MB for the first time while it runs (the
 * coroutines, the transfers in flight, the event queue's buckets).  Each
 * first touch of a 4 KiB page is a page fault: a few microseconds of
 * kernel time, more in a virtual machine, where it can cost more than the
 * simulation spends on an event.  Where transparent huge pages are
 * enabled, or enabled on request (`madvise` in
 * /sys/kernel/mm/transparent_hugepage/enabled), an array that starts on a
 * 2 MiB boundary and is advised onto huge pages takes one fault per 2 MiB
 * instead of 512.  Elsewhere the advice does nothing and the pages are the
 * usual ones; no result depends on it.
 *
 * Cost: the last huge page of an array is resident in full once touched,
 * up to 2 MiB more per array than 4 KiB pages would make resident.
 */
#define _DEFAULT_SOURCE /* madvise, MADV_HUGEPAGE */
#include "mem.h"

#include <stdlib.h>
#include <string.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

#define HUGE_PAGE ((size_t)2 << 20)

void *gs__huge_alloc(size_t bytes)
{
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  if (bytes >= HUGE_PAGE) {
    size_t whole = (bytes + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
    if (whole < bytes)
      return NULL;
    void *p = aligned_alloc(HUGE_PAGE, whole);
    if (p)
      (void)madvise(p, whole, MADV_HUGEPAGE);
    return p;
  }
#endif
  return malloc(bytes ? bytes : 1);
}

void *gs__huge_realloc(void *p, size_t old_bytes, size_t new_bytes)
{
  if (new_bytes < HUGE_PAGE)
    return realloc(p, new_bytes);
  /* A copy rather than realloc: realloc would keep the old alignment. */
  void *q = gs__huge_alloc(new_bytes);
  if (!q)
    return NULL;
  if (p)
    memcpy(q, p, old_bytes);
  free(p);
  return q;
}
