/*
 * guard.h - what a fatal signal must undo before the tool dies of it: the
 * temporary files that would be left beside the user's outputs, and the
 * child processes (python3, the measuring process, the download server)
 * that would run on without anyone to read their results.
 *
 * After the clean-up the tool dies of the same signal, so a shell sees what
 * it expects of an interrupted command (status 130 for ^C, 143 for a kill).
 *
 * The children lead process groups of their own, so a terminal's ^Z
 * (SIGTSTP) reaches the tool alone too: the guard stops them (SIGSTOP)
 * before the tool stops, and continues them (SIGCONT) when it continues.
 */
#ifndef GS_GUARD_H
#define GS_GUARD_H

#include <signal.h>

/* Catch SIGINT, SIGTERM and SIGHUP, except where they are ignored (nohup,
 * a shell's background job): the handler calls kill_children (may be NULL;
 * it must be async-signal-safe, e.g. gsh_child_kill_all), removes every
 * guarded file, and dies of the signal.  A second signal of the same kind
 * during the clean-up ends the tool at once.  And catch SIGTSTP (unless
 * ignored): signal_children(SIGSTOP) (may be NULL; async-signal-safe, e.g.
 * gsh_child_signal_all), stop as SIGTSTP's default action does, then
 * signal_children(SIGCONT).  Call again to change the functions. */
void cli_guard_install(void (*kill_children)(void), void (*signal_children)(int));

/* Remove path if a fatal signal ends the tool before cli_guard_release(path).
 * 0, or -1 when the path is too long or too many are guarded (then it is
 * merely not removed by a signal). */
int cli_guard_file(const char *path);
void cli_guard_release(const char *path);

/* Hold off the fatal signals the guard handles (^C, SIGTERM, SIGHUP) over
 * a few steps that must not be cut apart, the previous mask into *old;
 * cli_guard_resume(old) lets them in again (a pending one is handled then). */
void cli_guard_hold(sigset_t *old);
void cli_guard_resume(const sigset_t *old);

#endif
