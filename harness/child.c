/*
 * child.c - the record of children that must not outlive their parent
 * (child.h says which and why), their process groups, and their ends.
 *
 *   gsh_child_fork    block fatal signals; fork
 *     child:            setpgid(0, 0); PR_SET_PDEATHSIG; reset handlers;
 *                       empty the record; unblock
 *     parent:           setpgid(pid, pid); record pid; unblock
 *   gsh_child_wait    waitid(WNOWAIT) until it has ended; kill(-pid);
 *                     drop the record; waitpid (reap)
 *   gsh_child_kill_all  (signal handler) kill(-pid) each; waitpid each
 *   gsh_child_signal_all  (signal handler) kill(-pid, sig) each
 *
 * Both sides call setpgid, so the group exists before either goes on,
 * whichever runs first.  The record is an array of sig_atomic_t so that a
 * handler reads whole pids; 0 marks a free slot.
 */
#define _GNU_SOURCE /* prctl */
#include "child.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

_Static_assert(sizeof(sig_atomic_t) >= sizeof(pid_t), "a pid must fit a sig_atomic_t");

static volatile sig_atomic_t recorded[GSH_CHILD_MAX];

/* The signals a terminal, a kill or a closed session end the tool with;
 * held off around fork so that a child is never forked but unrecorded. */
static void fatal_set(sigset_t *s)
{
  sigemptyset(s);
  sigaddset(s, SIGINT);
  sigaddset(s, SIGTERM);
  sigaddset(s, SIGHUP);
}

static void record(pid_t pid)
{
  for (int i = 0; i < GSH_CHILD_MAX; i++)
    if (recorded[i] == 0) {
      recorded[i] = pid;
      return;
    }
}

static void forget(pid_t pid)
{
  for (int i = 0; i < GSH_CHILD_MAX; i++)
    if (recorded[i] == pid)
      recorded[i] = 0;
}

/* In the new child: everything child.h promises but the fork itself. */
static void become_child(pid_t parent)
{
  setpgid(0, 0);
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent)
    _exit(1); /* the parent died before PR_SET_PDEATHSIG could cover it */
  static const int reset[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP};
  for (size_t i = 0; i < sizeof reset / sizeof reset[0]; i++) {
    struct sigaction old;
    if (sigaction(reset[i], NULL, &old) == 0 && old.sa_handler != SIG_IGN &&
        old.sa_handler != SIG_DFL) {
      struct sigaction dfl;
      memset(&dfl, 0, sizeof dfl);
      dfl.sa_handler = SIG_DFL;
      sigemptyset(&dfl.sa_mask);
      sigaction(reset[i], &dfl, NULL);
    }
  }
  signal(SIGTTOU, SIG_IGN);
  for (int i = 0; i < GSH_CHILD_MAX; i++)
    recorded[i] = 0;
}

pid_t gsh_child_fork(void)
{
  sigset_t fatal, old;
  fatal_set(&fatal);
  sigprocmask(SIG_BLOCK, &fatal, &old);
  pid_t parent = getpid();
  pid_t pid = fork();
  int e = errno;
  if (pid == 0)
    become_child(parent);
  else if (pid > 0) {
    setpgid(pid, pid); /* EACCES once the child has exec'd: it did it itself */
    record(pid);
  }
  sigprocmask(SIG_SETMASK, &old, NULL);
  errno = e;
  return pid;
}

int gsh_child_wait(pid_t pid, int *status)
{
  siginfo_t si;
  for (;;) {
    memset(&si, 0, sizeof si);
    if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT) == 0)
      break;
    if (errno != EINTR) {
      int e = errno;
      forget(pid);
      errno = e;
      return -1;
    }
  }
  /* Ended but not reaped: its number still names its group. */
  kill(-pid, SIGKILL);
  forget(pid);
  int st = 0;
  while (waitpid(pid, &st, 0) < 0)
    if (errno != EINTR)
      return -1;
  if (status)
    *status = st;
  return 0;
}

void gsh_child_kill(pid_t pid)
{
  if (pid > 0)
    kill(-pid, SIGKILL);
}

void gsh_child_signal_all(int sig)
{
  int e = errno;
  for (int i = 0; i < GSH_CHILD_MAX; i++) {
    pid_t pid = recorded[i];
    if (pid > 0)
      kill(-pid, sig);
  }
  errno = e;
}

void gsh_child_kill_all(void)
{
  int e = errno; /* a handler leaves errno as it found it */
  for (int i = 0; i < GSH_CHILD_MAX; i++) {
    pid_t pid = recorded[i];
    if (pid > 0)
      kill(-pid, SIGKILL);
  }
  for (int i = 0; i < GSH_CHILD_MAX; i++) {
    pid_t pid = recorded[i];
    if (pid <= 0)
      continue;
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
      ;
    recorded[i] = 0;
  }
  errno = e;
}
