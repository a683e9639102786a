/*
 * output.c - output files checked up front and replaced whole (output.h).
 *
 * The check asks the kernel the questions the final write will ask, with
 * this process's own rights (faccessat with AT_EACCESS: a read-only file
 * system, a folder without write permission, a root without
 * CAP_DAC_OVERRIDE all answer as they will later).  It cannot promise the
 * write: a full disk, or a folder whose rights change during the run,
 * still fail at the end, with exit 1 and the file as it was.
 */
#define _GNU_SOURCE /* AT_EACCESS */
#include "output.h"
#include "cli.h"
#include "guard.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int refuse(const char *path, const char *why)
{
  fprintf(stderr, "gilsim: cannot write '%s': %s\n", path, why);
  return EXIT_USAGE;
}

static int check_target(const char *path, const char *target, unsigned flags);

int cli_output_check(const char *path, unsigned flags)
{
  size_t len = strlen(path);
  if (len == 0 || path[len - 1] == '/')
    return refuse(path, "expected a file name");
  char *target = cli_output_target(path);
  if (!target)
    return refuse(path, strerror(ENOMEM));
  int status = check_target(path, target, flags);
  free(target);
  return status;
}

/* The checks, on the file a chain of symbolic links from path leads to
 * (path itself if it is none): messages name path. */
static int check_target(const char *path, const char *target, unsigned flags)
{
  struct stat st;
  if (stat(target, &st) == 0) {
    if (S_ISDIR(st.st_mode))
      return refuse(path, "it is a directory");
    if (!S_ISREG(st.st_mode))
      return refuse(path, "it is not a regular file (it would be replaced by one)");
    if ((flags & CLI_OUT_APPEND) && faccessat(AT_FDCWD, target, R_OK, AT_EACCESS) != 0) {
      char why[300];
      snprintf(why, sizeof why, "cannot read it to append to it: %s", strerror(errno));
      return refuse(path, why);
    }
  } else if (errno != ENOENT && errno != ENOTDIR) { /* ENOTDIR: said of the folder below */
    return refuse(path, strerror(errno));
  }

  /* The folder, where the temporary is created and renamed. */
  char *dir = strdup(target);
  if (!dir)
    return refuse(path, strerror(ENOMEM));
  char *slash = strrchr(dir, '/');
  if (!slash)
    strcpy(dir, ".");
  else if (slash == dir)
    dir[1] = '\0';
  else
    *slash = '\0';
  char why[4400];
  why[0] = '\0';
  if (stat(dir, &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR)
      snprintf(why, sizeof why, "no folder '%.4000s'", dir);
    else
      snprintf(why, sizeof why, "'%.4000s': %s", dir, strerror(errno));
  } else if (!S_ISDIR(st.st_mode)) {
    snprintf(why, sizeof why, "'%.4000s' is not a folder", dir);
  } else if (faccessat(AT_FDCWD, dir, W_OK | X_OK, AT_EACCESS) != 0) {
    int e = errno;
    if (e == EROFS)
      snprintf(why, sizeof why, "'%.4000s' is on a read-only file system", dir);
    else if (e == EACCES)
      snprintf(why, sizeof why, "no permission to create files in '%.4000s'", dir);
    else
      snprintf(why, sizeof why, "'%.4000s': %s", dir, strerror(e));
  }
  free(dir);
  return why[0] ? refuse(path, why) : 0;
}

int cli_output_temp(const char *path, char *tmp, size_t n)
{
  char *target = cli_output_target(path);
  if (!target) {
    errno = ENOMEM;
    return -1;
  }
  int len = snprintf(tmp, n, "%s.tmp.XXXXXX", target);
  free(target);
  if (len >= (int)n) {
    errno = ENAMETOOLONG;
    return -1;
  }
  /* No signal between the creation and the guard: it would leave the
   * temporary behind. */
  sigset_t old_mask;
  cli_guard_hold(&old_mask);
  int fd = mkstemp(tmp);
  int e = errno;
  if (fd >= 0)
    cli_guard_file(tmp);
  cli_guard_resume(&old_mask);
  if (fd < 0) {
    errno = e;
    return -1;
  }
  /* mkstemp makes the file 0600: give it the old file's mode, or what a
   * plain creation would. */
  struct stat old;
  if (stat(path, &old) == 0) {
    fchmod(fd, old.st_mode & 07777);
  } else {
    mode_t mask = umask(0);
    umask(mask);
    fchmod(fd, 0666 & ~mask);
  }
  return fd;
}

int cli_output_commit(const char *tmp, const char *path)
{
  char *target = cli_output_target(path);
  int done = target && rename(tmp, target) == 0;
  int e = target ? errno : ENOMEM;
  free(target);
  if (done) {
    cli_guard_release(tmp);
    return 0;
  }
  cli_output_discard(tmp);
  errno = e;
  return -1;
}

void cli_output_discard(const char *tmp)
{
  unlink(tmp);
  cli_guard_release(tmp);
}
