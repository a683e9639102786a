/*
 * limits.c - what a run will need, known before anything is allocated.
 *
 * A scenario names its threads, processes and tasks, and every large
 * structure of a run grows with one of those counts, so the memory a run
 * needs at its peak is bounded from the scenario alone:
 *
 *   threads alive at once   1 + workers (a pool's workers, the processes'
 *                           main threads, asyncio's executor threads)
 *     each                  its structure, its record (kept until the
 *                           results are out), a pointer, and its timer's
 *                           slot in the event queue, arrays grown by
 *                           doubling counted at twice their use
 *   processes               1 + workers for the processes model, each with
 *                           its structure, GIL and record
 *   tasks                   a result and a work count each; asyncio: a
 *                           coroutine each (all exist at once); download:
 *                           one transfer in flight each, at most
 *
 * gs_run refuses a scenario whose bound exceeds max_memory (a parameter:
 * 4 GiB unless the scenario, the command line or the calibration says
 * otherwise) before it allocates anything.  The bound is an estimate of
 * the simulator's own structures; the scenario itself, libraries and the
 * allocator's overhead are not in it (a few MB).
 *
 * Events are bounded from below: every task must end, every step of a
 * custom task takes at least one event, a download at least two (its first
 * byte, its last), a sleep one, and each of the convoy's I/O operations
 * one.  A run that must process more than max_events is refused too;
 * otherwise the limit still stops a run that reaches it.
 */
#include "kernel.h"
#include "gil.h"
#include "loop.h"
#include "net.h"

#include <math.h>
#include <stdio.h>

/* a + b and a * b, saturating at UINT64_MAX */
static uint64_t add_sat(uint64_t a, uint64_t b) { return a > UINT64_MAX - b ? UINT64_MAX : a + b; }
static uint64_t mul_sat(uint64_t a, uint64_t b) { return b && a > UINT64_MAX / b ? UINT64_MAX : a * b; }

static uint64_t task_min_events(const gs_scenario *sc, size_t i)
{
  switch (sc->workload) {
  case GS_WL_CUSTOM:
    return sc->custom && sc->custom[i].nsteps ? sc->custom[i].nsteps : 1;
  case GS_WL_DOWNLOAD:
    return 2;
  case GS_WL_PRIMES:
  case GS_WL_COUNTDOWN:
  case GS_WL_SLEEP:
  case GS_WL_CONVOY:
    break;
  }
  return 1;
}

void gs_scenario_footprint(const gs_scenario *sc, gs_footprint *f)
{
  uint64_t workers = sc->model == GS_MODEL_SEQUENTIAL ? 0 : (uint64_t)(sc->workers > 0 ? sc->workers : 1);
  uint64_t threads = 1 + workers;
  uint64_t procs = sc->model == GS_MODEL_PROCESSES ? 1 + workers : 1;
  uint64_t tasks = sc->ntasks;

  uint64_t per_thread = sizeof(gsK_thread) + 2 * (sizeof(gs_thread_result) + sizeof(gsK_thread *)) +
                        2 * sizeof(gsE_slot);
  uint64_t per_proc = sizeof(gsK_proc) + sizeof(gsG_gil) + 2 * sizeof(gsK_proc *) + sizeof(gs_proc_result);
  uint64_t per_task = sizeof(gs_task_result) + sizeof(uint64_t);
  if (sc->model == GS_MODEL_ASYNCIO)
    per_task += gsL_coro_size() + 2 * sizeof(gsE_slot);
  uint64_t in_flight = 0;
  if (sc->workload == GS_WL_DOWNLOAD)
    in_flight = sc->model == GS_MODEL_ASYNCIO || tasks < threads ? tasks : threads;

  uint64_t b = mul_sat(threads, per_thread);
  b = add_sat(b, mul_sat(procs, per_proc));
  b = add_sat(b, mul_sat(tasks, per_task));
  b = add_sat(b, mul_sat(in_flight, gsN_transfer_size()));
  b = add_sat(b, mul_sat((uint64_t)(sc->cores > 0 ? sc->cores : 1), 4 * sizeof(gsE_slot) + 256));
  f->bytes = b;
  f->threads = threads;

  uint64_t ev = 0;
  for (size_t i = 0; i < sc->ntasks; i++)
    ev = add_sat(ev, task_min_events(sc, i));
  if (sc->workload == GS_WL_CONVOY)
    ev = add_sat(ev, (uint64_t)(sc->convoy.ops > 0 ? sc->convoy.ops : 0));
  f->min_events = ev;
}

/* "8 GB" or "100 MB" for a round decimal size (as one is usually
 * written), else "3.2 GiB", "512 MiB" */
static void put_size(char *buf, size_t n, double bytes)
{
  if (bytes >= 1e9 && fmod(bytes, 1e9) == 0)
    snprintf(buf, n, "%.0f GB", bytes / 1e9);
  else if (bytes >= 1e6 && fmod(bytes, 1e6) == 0)
    snprintf(buf, n, "%.0f MB", bytes / 1e6);
  else if (bytes >= 1073741824.0)
    snprintf(buf, n, "%.1f GiB", bytes / 1073741824.0);
  else
    snprintf(buf, n, "%.0f MiB", bytes / 1048576.0);
}

gs_err gs_scenario_limits(const gs_scenario *sc, gs_error *err)
{
  gs_params p = sc->params;
  gs_params_resolve_with(&p, sc->runtime, sc->calibration);
  gs_footprint f;
  gs_scenario_footprint(sc, &f);
  double max_mem = p.v[GS_P_MAX_MEMORY], max_ev = p.v[GS_P_MAX_EVENTS];
  if ((double)f.bytes > max_mem) {
    if (err) {
      char need[32], have[32], twice[32];
      put_size(need, sizeof need, (double)f.bytes);
      put_size(have, sizeof have, max_mem);
      /* a round figure above the need, in GiB */
      snprintf(twice, sizeof twice, "%.0fGiB", (double)f.bytes / 1073741824.0 + 1);
      snprintf(err->msg, sizeof err->msg,
               "this run would need about %s of memory (%llu threads alive at once, %zu tasks), "
               "more than the limit max_memory = %s: raise it with --set max_memory=%s "
               "(or params = { max_memory = \"%s\"; } in the scenario)",
               need, (unsigned long long)f.threads, sc->ntasks, have, twice, twice);
    }
    return GS_ERR_LIMIT;
  }
  if ((double)f.min_events > max_ev) {
    if (err)
      snprintf(err->msg, sizeof err->msg,
               "this run must process at least %llu events (every task's steps), more than the "
               "limit max_events = %.0f: raise it with --set max_events=%llu",
               (unsigned long long)f.min_events, max_ev, (unsigned long long)mul_sat(f.min_events, 2));
    return GS_ERR_LIMIT;
  }
  return GS_OK;
}
