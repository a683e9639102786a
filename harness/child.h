/*
 * child.h - child processes that must not outlive the command that started
 * them: the measuring process of a repetition, the download server, the
 * python3 runner and calibrator, the plotting child.
 *
 * Each such child leads a process group of its own, so that one kill ends
 * it together with everything it started (the harness's worker processes,
 * a python3 process pool), and so that a terminal's ^C reaches only the
 * tool, which ends its children in order instead of leaving each to react,
 * and print, on its own (and a terminal's ^Z, which the tool passes on:
 * gsh_child_signal_all).  Three lines of defence, from the most orderly:
 *
 *   1. the parent waits for the child (gsh_child_wait), then kills what is
 *      left of its group before it reaps it (a python3 killed from outside
 *      leaves its pool's workers behind; they go with the group);
 *   2. a fatal signal's handler in the parent calls gsh_child_kill_all,
 *      which kills every group still recorded and waits for the leaders;
 *   3. the child gets SIGKILL when the thread that forked it ends
 *      (PR_SET_PDEATHSIG), which covers a parent that was sent SIGKILL.
 *
 * Grandchildren are covered by 1 and 2 (they are in the group) and by 3
 * when they ask for PR_SET_PDEATHSIG themselves, as the harness's worker
 * processes do.  A child's group is killed only while its leader is still
 * unreaped (a zombie at worst), so the number cannot have been reused.
 *
 * The record is a fixed table of GSH_CHILD_MAX pids, readable from a signal
 * handler; call these functions from one thread at a time.  A child forked
 * when the table is full is not recorded: lines 1 and 3 still hold for it.
 */
#ifndef GSH_CHILD_H
#define GSH_CHILD_H

#include <sys/types.h>

#define GSH_CHILD_MAX 16

/*
 * fork() for such a child.  In the child (0 returned): a process group of
 * its own; SIGKILL when the parent's forking thread ends (if the parent has
 * already gone, the child exits with status 1 at once); the handlers of
 * SIGINT, SIGTERM, SIGHUP, SIGQUIT and SIGTSTP reset to the default (a
 * child must not run its parent's clean-up; ignored signals stay ignored);
 * SIGTTOU ignored, so that its messages reach a terminal from a background
 * group even under `stty tostop`; the record, which holds the parent's
 * children, emptied.
 * In the parent: the child's pid, recorded; -1 and errno if fork failed.
 * SIGINT, SIGTERM and SIGHUP are held off from the fork to the record.
 */
pid_t gsh_child_fork(void);

/*
 * Wait for the recorded child pid to end, SIGKILL what is left of its
 * process group, reap it and drop its record.  *status (may be NULL) is
 * what waitpid gives.  0, or -1 with errno (ECHILD: not our child).
 */
int gsh_child_wait(pid_t pid, int *status);

/* SIGKILL the child's whole process group now (a child that does not
 * answer); gsh_child_wait still has to reap it. */
void gsh_child_kill(pid_t pid);

/* Async-signal-safe, for a fatal signal's handler: SIGKILL the group of
 * every recorded child, then wait for each of them. */
void gsh_child_kill_all(void);

/* Async-signal-safe: send sig to the group of every recorded child (job
 * control: ^Z reaches the tool alone, which stops its children with
 * SIGSTOP and continues them with SIGCONT). */
void gsh_child_signal_all(int sig);

#endif
