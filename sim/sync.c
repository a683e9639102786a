/*
 * sync.c - blocking primitives built on wait queues: a futex-style mutex,
 * pipes, join and waitpid.
 *
 * Each primitive is "try, else block": it either succeeds at once or sets
 * the calling thread to block and returns false, and the caller's program
 * retries at the same pc once woken.  Waking is not handing over: a woken
 * thread competes again with whoever is running, exactly as a futex-based
 * pthread mutex behaves.  That retry loop is where lock convoys and
 * failed wake-ups come from; nothing here decides who "should" win.
 *
 * Costs: blocking charges one system call (gsK_block); waking a waiter
 * charges one system call to the waker; a pipe read or write is one system
 * call.  An uncontended lock or unlock is a few ns of user work, below the
 * model's resolution, and is not charged.
 */
#include "kernel.h"

#include <stdlib.h>

bool gsK_mutex_lock(gsK_sim *s, gsK_thread *t, gsK_mutex *m)
{
  if (!m->owner) {
    m->owner = t;
    return true;
  }
  gsK_block(s, t, &m->wq, -1);
  return false;
}

void gsK_mutex_unlock(gsK_sim *s, gsK_thread *t, gsK_mutex *m)
{
  m->owner = NULL;
  if (gsK_wake_one(s, &m->wq))
    gsK_charge_sys(t, (gs_time)s->p.v[GS_P_SYSCALL]);
}

void gsK_pipe_free(gsK_pipe *p)
{
  free(p->buf);
  p->buf = NULL;
  p->head = p->n = p->cap = 0;
}

int gsK_pipe_write(gsK_sim *s, gsK_thread *t, gsK_pipe *p, int64_t msg)
{
  if (p->n == p->cap) {
    size_t cap = p->cap ? 2 * p->cap : 16;
    int64_t *b = malloc(cap * sizeof *b);
    if (!b) {
      gsK_fail(s, GS_ERR_NOMEM, "out of memory growing a pipe");
      return -1;
    }
    for (size_t i = 0; i < p->n; i++)
      b[i] = p->buf[(p->head + i) % p->cap];
    free(p->buf);
    p->buf = b;
    p->head = 0;
    p->cap = cap;
  }
  p->buf[(p->head + p->n) % p->cap] = msg;
  p->n++;
  gsK_charge_sys(t, (gs_time)s->p.v[GS_P_SYSCALL]);
  gsK_wake_one(s, &p->readers);
  return 0;
}

bool gsK_pipe_read(gsK_sim *s, gsK_thread *t, gsK_pipe *p, int64_t *msg)
{
  if (p->n == 0) {
    gsK_block(s, t, &p->readers, -1);
    return false;
  }
  *msg = p->buf[p->head];
  p->head = (p->head + 1) % p->cap;
  p->n--;
  gsK_charge_sys(t, (gs_time)s->p.v[GS_P_SYSCALL]);
  return true;
}

bool gsK_join(gsK_sim *s, gsK_thread *t, int tid)
{
  gsK_thread *target = s->threads[tid]; /* NULL once reaped: done */
  if (target && target->state != GS_TS_DONE) {
    gsK_block(s, t, &target->joiners, -1);
    return false;
  }
  gsK_charge_sys(t, (gs_time)s->p.v[GS_P_THREAD_JOIN]);
  return true;
}

bool gsK_waitpid(gsK_sim *s, gsK_thread *t, gsK_proc *p)
{
  if (!p->exited) {
    gsK_block(s, t, &p->waiters, -1);
    return false;
  }
  gsK_charge_sys(t, (gs_time)s->p.v[GS_P_SYSCALL]);
  return true;
}
