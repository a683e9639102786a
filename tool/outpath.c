/*
 * outpath.c - the file an output name leads to (output.h), on its own so
 * that the trace writer can be linked without the rest of output.c.
 */
#include "output.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *cli_output_target(const char *path)
{
  char *cur = strdup(path);
  for (int hops = 0; cur && hops < 40; hops++) {
    struct stat st;
    if (lstat(cur, &st) != 0 || !S_ISLNK(st.st_mode))
      return cur;
    char link[4096];
    ssize_t n = readlink(cur, link, sizeof link - 1);
    if (n <= 0 || (size_t)n >= sizeof link - 1)
      return cur; /* unreadable or too long: the checks will say so */
    link[n] = '\0';
    char *next;
    const char *slash = strrchr(cur, '/');
    if (link[0] == '/' || !slash) {
      next = strdup(link);
    } else { /* relative to the folder that holds the link */
      size_t dir = (size_t)(slash - cur) + 1;
      next = malloc(dir + (size_t)n + 1);
      if (next) {
        memcpy(next, cur, dir);
        memcpy(next + dir, link, (size_t)n + 1);
      }
    }
    free(cur);
    cur = next;
  }
  return cur; /* a loop: stat will answer ELOOP */
}
