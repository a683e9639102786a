/*
 * view.h - one frame of gilsim-viz: every panel drawn from the replay's
 * picture of the run at its clock.
 *
 *   +----------------------------------------------------------------+
 *   | scenario, settings, clock, speed, CPU times, Wall time         |
 *   +-------------------------------+--------------------------------+
 *   | cores: a lane per core        | GIL of each process: holder,   |
 *   | (history, thread now)         | drop request, waiters' timers  |
 *   +-------------------+-----------+--------+-----------------------+
 *   | OS run queue      | event loop ready    | I/O in flight          |
 *   +-------------------+---------------------+------------------------+
 *   | threads: a scrolling timeline per thread (| measured, --compare) |
 *   +----------------------------------------------------------------+
 *   | legend: the trace file's state colours                          |
 *   +----------------------------------------------------------------+
 *
 * The layout follows the window's size at every frame.  With `describe`
 * set, the frame also writes what it shows and where, one line per item,
 * for tests and scripts (README.md, "Watching a run", "Frame descriptions"):
 *
 *   frame t=NS w=W h=H cores=N gil=MODE
 *   lane CORE tid=T pid=P x=X y=Y w=W h=H rgb=R,G,B name=NAME
 *   holder PID tid=T x=.. y=.. w=.. h=.. rgb=.. name=NAME   (tid -1: free)
 *   drop PID lit=0|1 glow=0|1 x=.. y=.. w=.. h=.. rgb=..  (glow: just asked)
 *   waiter PID tid=T fill=F failed=0|1 name=NAME
 *   runq tid=T name=NAME
 *   ready n=N
 *   io kind=download|sleep|io tid=T progress=F left=NS
 *   thread TID state=S x=.. y=.. w=.. h=.. rgb=.. name=NAME
 *   measured TID state=S x=.. y=.. w=.. h=.. rgb=.. name=NAME   (S -1: none)
 *   cpu user=NS sys=NS wall=NS
 *   end
 *
 * Each rectangle given is a patch of solid colour rgb in the image.
 */
#ifndef VZ_VIEW_H
#define VZ_VIEW_H

#include "draw.h"
#include "measured.h"
#include "replay.h"

#include <stdbool.h>
#include <stdio.h>

typedef struct {
  const gs_scenario *sc;
  const vz_rec *rec;
  const vz_play *play;      /* at the frame's time */
  const vz_measured *meas;  /* --compare, or NULL */
  double speed;             /* ns of simulated time per second of animation */
  bool playing, help;
  const char *status;       /* a message for the header, or NULL */
  gs_time end;              /* where the animation ends */
  int w, h;
  FILE *describe;           /* or NULL */
} vz_view;

void vz_view_draw(vz_gfx *g, const vz_view *v);

/* The colour of a thread state: the trace file's (gs_trace_state_cname)
 * in the palette of the Chrome trace viewer. */
SDL_Color vz_state_color(int state);
/* The colour of process pid. */
SDL_Color vz_proc_color(int pid);

#endif
