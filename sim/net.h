/*
 * net.h - the network of the download workload: first-byte latency, a
 * per-connection bandwidth cap, a shared link divided fairly among the
 * transfers in flight, and an optional server concurrency limit.
 */
#ifndef GS_NET_H
#define GS_NET_H

#include "kernel.h"

int gsN_init(gsK_sim *s);  /* returns a gs_err; no-op without a download workload */
void gsN_free(gsK_sim *s);
/* Start a request for `bytes` on behalf of cur; gsW_notify(cur) is called
 * when its last byte has arrived. */
void gsN_request(gsK_sim *s, gsK_cursor *cur, int64_t bytes);
/* Event handlers. */
void gsN_latency_done(gsK_sim *s, void *xfer);
void gsN_event(gsK_sim *s);
void gsN_stats(gsK_sim *s, gs_net_stats *out);
/* Bytes one transfer in flight takes at most: its record, and its mark in
 * the run or the heap with their doubling growth (limits.c). */
size_t gsN_transfer_size(void);

#endif
