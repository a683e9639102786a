/* Children that must not outlive their parent (harness/child.c): their
 * process groups, the kill of what is left of a group, the kill of every
 * recorded child from a signal handler, death with the parent, and the
 * handlers a child must not inherit.  Each test makes itself a child
 * subreaper, so that grandchildren orphaned by a test come back to it and
 * their end can be read with waitpid. */
#define _GNU_SOURCE /* prctl */
#include "child.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static void subreaper(void)
{
  cr_assert_eq(prctl(PR_SET_CHILD_SUBREAPER, 1), 0, "%s", strerror(errno));
}

/* How pid ended, once it has: the signal that killed it, or 0. */
static int killed_by(pid_t pid)
{
  int st = 0;
  while (waitpid(pid, &st, 0) < 0)
    cr_assert_eq(errno, EINTR, "waitpid(%ld): %s", (long)pid, strerror(errno));
  return WIFSIGNALED(st) ? WTERMSIG(st) : 0;
}

/* A grandchild that waits for ever, started by a child of child.h: its pid
 * comes back through a pipe.  *child gets the child's pid. */
static pid_t child_with_sleeping_grandchild(pid_t *child, int then_exit)
{
  int p[2];
  cr_assert_eq(pipe(p), 0);
  pid_t c = gsh_child_fork();
  cr_assert_geq(c, 0);
  if (c == 0) {
    pid_t g = fork();
    if (g == 0) {
      for (;;)
        pause();
    }
    (void)!write(p[1], &g, sizeof g);
    if (then_exit)
      _exit(0);
    for (;;)
      pause();
  }
  close(p[1]);
  pid_t g = 0;
  cr_assert_eq(read(p[0], &g, sizeof g), (ssize_t)sizeof g);
  close(p[0]);
  *child = c;
  return g;
}

Test(harness_child, child_leads_a_process_group_of_its_own)
{
  pid_t c = gsh_child_fork();
  cr_assert_geq(c, 0);
  if (c == 0)
    _exit(getpgid(0) == getpid() ? 0 : 1);
  int st = -1;
  cr_assert_eq(gsh_child_wait(c, &st), 0);
  cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d", st);
  cr_assert_neq(getpgid(0), c);
}

Test(harness_child, wait_kills_what_is_left_of_the_childs_group)
{
  subreaper();
  pid_t c;
  pid_t g = child_with_sleeping_grandchild(&c, 1);
  int st = -1;
  cr_assert_eq(gsh_child_wait(c, &st), 0);
  cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d", st);
  cr_assert_eq(killed_by(g), SIGKILL, "the grandchild outlived its group's leader");
}

Test(harness_child, kill_all_ends_and_reaps_every_recorded_child_with_its_group)
{
  subreaper();
  pid_t c1, c2;
  pid_t g1 = child_with_sleeping_grandchild(&c1, 0);
  pid_t g2 = child_with_sleeping_grandchild(&c2, 0);
  gsh_child_kill_all();
  /* The children were reaped by gsh_child_kill_all itself. */
  cr_assert_eq(waitpid(c1, NULL, WNOHANG), -1);
  cr_assert_eq(waitpid(c2, NULL, WNOHANG), -1);
  cr_assert_eq(killed_by(g1), SIGKILL);
  cr_assert_eq(killed_by(g2), SIGKILL);
  cr_assert_eq(gsh_child_wait(c1, NULL), -1, "c1 should be forgotten");
  cr_assert_eq(errno, ECHILD);
}

Test(harness_child, child_is_killed_when_its_parent_dies)
{
  subreaper();
  int p[2], ready[2];
  cr_assert_eq(pipe(p), 0);
  cr_assert_eq(pipe(ready), 0);
  pid_t parent = fork(); /* plain fork: the parent that will die */
  cr_assert_geq(parent, 0);
  if (parent == 0) {
    pid_t c = gsh_child_fork();
    if (c == 0) {
      /* Set up (a child whose parent is already gone exits at once): say
       * so, then wait for ever. */
      pid_t self = getpid();
      (void)!write(p[1], &self, sizeof self);
      (void)!write(ready[1], "r", 1);
      for (;;)
        pause();
    }
    char b;
    (void)!read(ready[0], &b, 1);
    _exit(0); /* without waiting for it */
  }
  close(p[1]);
  close(ready[0]);
  close(ready[1]);
  pid_t c = 0;
  cr_assert_eq(read(p[0], &c, sizeof c), (ssize_t)sizeof c);
  close(p[0]);
  cr_assert_eq(killed_by(parent), 0);
  cr_assert_eq(killed_by(c), SIGKILL, "the child outlived its parent");
}

static void on_term(int sig) { (void)sig; }

Test(harness_child, child_runs_no_handler_of_its_parent_and_keeps_ignored_signals)
{
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_term;
  sigemptyset(&sa.sa_mask);
  cr_assert_eq(sigaction(SIGTERM, &sa, NULL), 0);
  signal(SIGHUP, SIG_IGN);
  pid_t c = gsh_child_fork();
  cr_assert_geq(c, 0);
  if (c == 0) {
    struct sigaction term, hup;
    sigaction(SIGTERM, NULL, &term);
    sigaction(SIGHUP, NULL, &hup);
    _exit(term.sa_handler == SIG_DFL && hup.sa_handler == SIG_IGN ? 0 : 1);
  }
  int st = -1;
  cr_assert_eq(gsh_child_wait(c, &st), 0);
  cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "a handler or an ignored signal was not "
                                                   "as child.h says");
}
