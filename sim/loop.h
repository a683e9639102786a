/*
 * loop.h - a cooperative event loop in the style of asyncio.
 */
#ifndef GS_LOOP_H
#define GS_LOOP_H

#include "kernel.h"

/* The loop thread's program (the main thread of the asyncio model). */
void gsL_main(gsK_sim *s, gsK_thread *t);
void gsL_free(gsK_sim *s);
/* The coroutine can run again (its timer, I/O or job completed). */
void gsL_ready(gsK_sim *s, gsL_coro *c);
/* The coroutine awaits asyncio.sleep(ns) (or I/O of that latency). */
void gsL_sleep(gsK_sim *s, gsL_coro *c, gs_time ns);
/* The coroutine awaits asyncio.to_thread(work of ns). */
void gsL_offload(gsK_sim *s, gsL_coro *c, gs_time ns);
/* Timer event of a coroutine. */
void gsL_timer(gsK_sim *s, void *coro);
void gsL_stats(gsK_sim *s, gs_loop_stats *out);
/* Bytes of one coroutine (limits.c). */
size_t gsL_coro_size(void);

#endif
