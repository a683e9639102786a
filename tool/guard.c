/*
 * guard.c - the clean-up a fatal signal runs (guard.h): kill the children,
 * remove the guarded temporary files, die of the signal.
 *
 * A handler may only make async-signal-safe calls (kill, waitpid, unlink,
 * raise), so the guarded paths live in a fixed table of buffers, each with
 * a flag the handler reads; a path is copied in before its flag is set and
 * the flag is cleared before the buffer is reused, with a signal fence
 * between, so that the handler never sees half a path.  The handler is
 * installed with SA_RESETHAND | SA_NODEFER: the default action is back as
 * soon as it runs, so the raise() at its end kills the tool, and so does a
 * second ^C if killing the children hangs.
 */
#include "guard.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#define GUARD_FILES 8
#define GUARD_PATH 4400 /* the longest temporary name the tool makes, and more */

static char paths[GUARD_FILES][GUARD_PATH];
static volatile sig_atomic_t live[GUARD_FILES];
static void (*volatile kill_kids)(void);
static void (*volatile signal_kids)(int);
static struct sigaction stop_action;

static void on_fatal_signal(int sig)
{
  int e = errno;
  void (*k)(void) = kill_kids;
  if (k)
    k();
  for (int i = 0; i < GUARD_FILES; i++)
    if (live[i])
      unlink(paths[i]);
  errno = e;
  raise(sig); /* the default action again (SA_RESETHAND): die of sig */
}

/* ^Z: the children first, then the tool, by SIGTSTP's own default action
 * (which the kernel skips in an orphaned process group, where nobody could
 * continue it); once continued, the children too. */
static void on_stop(int sig)
{
  int e = errno;
  void (*s)(int) = signal_kids;
  if (s)
    s(SIGSTOP);
  struct sigaction dfl;
  memset(&dfl, 0, sizeof dfl);
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  sigaction(sig, &dfl, NULL);
  sigset_t only;
  sigemptyset(&only);
  sigaddset(&only, sig);
  sigprocmask(SIG_UNBLOCK, &only, NULL);
  raise(sig); /* stopped here until SIGCONT */
  sigprocmask(SIG_BLOCK, &only, NULL);
  sigaction(sig, &stop_action, NULL);
  if (s)
    s(SIGCONT);
  errno = e;
}

void cli_guard_install(void (*kill_children)(void), void (*signal_children)(int))
{
  kill_kids = kill_children;
  signal_kids = signal_children;
  memset(&stop_action, 0, sizeof stop_action);
  stop_action.sa_handler = on_stop;
  stop_action.sa_flags = SA_RESTART;
  sigemptyset(&stop_action.sa_mask);
  struct sigaction tstp;
  if (sigaction(SIGTSTP, NULL, &tstp) == 0 && tstp.sa_handler != SIG_IGN)
    sigaction(SIGTSTP, &stop_action, NULL);
  static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
  for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_fatal_signal;
    sa.sa_flags = SA_RESETHAND | SA_NODEFER;
    /* The other two wait while one cleans up; its own kind does not. */
    sigemptyset(&sa.sa_mask);
    for (size_t j = 0; j < sizeof sigs / sizeof sigs[0]; j++)
      if (j != i)
        sigaddset(&sa.sa_mask, sigs[j]);
    if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler != SIG_IGN)
      sigaction(sigs[i], &sa, NULL);
  }
}

int cli_guard_file(const char *path)
{
  if (strlen(path) >= GUARD_PATH)
    return -1;
  for (int i = 0; i < GUARD_FILES; i++)
    if (!live[i]) {
      strcpy(paths[i], path);
      atomic_signal_fence(memory_order_seq_cst);
      live[i] = 1;
      return 0;
    }
  return -1;
}

void cli_guard_release(const char *path)
{
  for (int i = 0; i < GUARD_FILES; i++)
    if (live[i] && strcmp(paths[i], path) == 0) {
      live[i] = 0;
      atomic_signal_fence(memory_order_seq_cst);
      return;
    }
}

void cli_guard_hold(sigset_t *old)
{
  sigset_t fatal;
  sigemptyset(&fatal);
  sigaddset(&fatal, SIGINT);
  sigaddset(&fatal, SIGTERM);
  sigaddset(&fatal, SIGHUP);
  sigprocmask(SIG_BLOCK, &fatal, old);
}

void cli_guard_resume(const sigset_t *old) { sigprocmask(SIG_SETMASK, old, NULL); }
