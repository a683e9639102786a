/*
 * pipes.c - whole messages over pipes, for the worker processes and for the
 * child that runs one repetition: read() and write() return short counts
 * and EINTR, and both callers want all of a message or a clear failure.
 */
#include "internal.h"

#include <errno.h>
#include <unistd.h>

ssize_t gsh__read_full(int fd, void *buf, size_t n)
{
  size_t got = 0;
  while (got < n) {
    ssize_t k = read(fd, (char *)buf + got, n - got);
    if (k == 0)
      break;
    if (k < 0) {
      if (errno == EINTR)
        continue;
      return -1;
    }
    got += (size_t)k;
  }
  return (ssize_t)got;
}

int gsh__write_full(int fd, const void *buf, size_t n)
{
  size_t put = 0;
  while (put < n) {
    ssize_t k = write(fd, (const char *)buf + put, n - put);
    if (k < 0) {
      if (errno == EINTR)
        continue;
      return -1;
    }
    put += (size_t)k;
  }
  return 0;
}
