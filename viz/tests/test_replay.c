/* The animation's picture of a run (viz/record.c, viz/replay.c): what it
 * reads off the trace stream must agree with the simulation's own
 * results. */
#include "record.h"
#include "replay.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static gs_scenario *load(const char *name)
{
  char path[1024];
  snprintf(path, sizeof path, "%s/scenarios/%s", GS_SOURCE_DIR, name);
  gs_scenario *sc = NULL;
  gs_error err = {{0}};
  cr_assert_eq(gs_scenario_load(path, &sc, &err), GS_OK, "%s", err.msg);
  return sc;
}

/* countdown.cfg with each thread counting `count` instead of 10^8. */
static gs_scenario *countdown(gs_gil gil, int cores, int64_t count)
{
  gs_scenario *sc = load("countdown.cfg");
  for (size_t i = 0; i < sc->ntasks; i++)
    sc->counts[i] = count;
  sc->gil = gil;
  sc->cores = cores;
  return sc;
}

static vz_rec *record(const gs_scenario *sc)
{
  vz_rec *r = NULL;
  gs_error err = {{0}};
  cr_assert_eq(vz_record(sc, &r, &err), GS_OK, "%s", err.msg);
  cr_assert(!r->truncated);
  return r;
}

/* Replays r to its end and checks every process's GIL counts. */
static void expect_gil_counts_match(const vz_rec *r)
{
  vz_play *p = vz_play_new(r);
  cr_assert_not_null(p);
  vz_play_seek(p, r->end);
  cr_assert_eq(p->next, r->nev);
  for (size_t i = 0; i < r->res->nprocs; i++) {
    const gs_proc_result *pr = &r->res->procs[i];
    const gs_gil_stats *want = &pr->gil;
    const vz_gstate *got = &p->g[pr->pid];
    cr_expect_eq(got->acquisitions, want->acquisitions, "pid %d acquisitions %llu, want %llu",
                 pr->pid, (unsigned long long)got->acquisitions,
                 (unsigned long long)want->acquisitions);
    cr_expect_eq(got->switches, want->switches, "pid %d switches", pr->pid);
    cr_expect_eq(got->drop_requests, want->drop_requests, "pid %d drop requests %llu, want %llu",
                 pr->pid, (unsigned long long)got->drop_requests,
                 (unsigned long long)want->drop_requests);
    cr_expect_eq(got->forced_switches, want->forced_switches, "pid %d forced %llu, want %llu",
                 pr->pid, (unsigned long long)got->forced_switches,
                 (unsigned long long)want->forced_switches);
    cr_expect_eq(got->failed_wakeups, want->failed_wakeups, "pid %d failed %llu, want %llu",
                 pr->pid, (unsigned long long)got->failed_wakeups,
                 (unsigned long long)want->failed_wakeups);
  }
  vz_play_free(p);
}

Test(replay, new_gil_drop_requests_and_forced_switches_match_the_simulation)
{
  gs_scenario *sc = countdown(GS_GIL_NEW, 2, 5000000);
  vz_rec *r = record(sc);
  cr_assert_gt(r->res->procs[0].gil.drop_requests, 10);
  expect_gil_counts_match(r);
  vz_rec_free(r);
  gs_scenario_free(sc);
}

Test(replay, old_gil_failed_wakeups_match_the_simulation_and_name_their_waiter)
{
  gs_scenario *sc = countdown(GS_GIL_OLD, 2, 300000);
  vz_rec *r = record(sc);
  cr_assert_gt(r->res->procs[0].gil.failed_wakeups, 10);
  expect_gil_counts_match(r);
  vz_play *p = vz_play_new(r);
  vz_play_seek(p, r->end);
  uint64_t named = 0;
  for (size_t t = 0; t < r->nthr; t++)
    named += p->t[t].fails;
  cr_assert_eq(named, r->res->procs[0].gil.failed_wakeups, "every failed wake-up has its waiter");
  vz_play_free(p);
  vz_rec_free(r);
  gs_scenario_free(sc);
}

Test(replay, convoy_drop_requests_and_failed_wakeups_match_the_simulation)
{
  gs_scenario *sc = load("convoy.cfg");
  sc->convoy.ops = 200;
  vz_rec *r = record(sc);
  expect_gil_counts_match(r);
  vz_rec_free(r);
  gs_scenario_free(sc);
}

Test(replay, every_process_gil_matches_in_a_process_pool)
{
  gs_scenario *sc = countdown(GS_GIL_NEW, 2, 2000000);
  sc->model = GS_MODEL_PROCESSES;
  vz_rec *r = record(sc);
  cr_assert_gt(r->res->nprocs, 1);
  expect_gil_counts_match(r);
  vz_rec_free(r);
  gs_scenario_free(sc);
}

Test(replay, cpu_times_grow_and_end_at_the_results)
{
  gs_scenario *sc = countdown(GS_GIL_NEW, 2, 5000000);
  vz_rec *r = record(sc);
  vz_play *p = vz_play_new(r);
  gs_time pu = 0, ps = 0;
  for (int k = 1; k <= 50; k++) {
    gs_time u, s;
    vz_play_seek(p, r->end * k / 50);
    vz_play_cpu(p, &u, &s);
    cr_assert_geq(u, pu);
    cr_assert_geq(s, ps);
    cr_assert_leq(u + s, (gs_time)r->ncores * p->now + 1, "more CPU than cores x time");
    pu = u;
    ps = s;
  }
  cr_expect_eq(pu, r->res->user, "user %lld, want %lld", (long long)pu, (long long)r->res->user);
  cr_expect_eq(ps, r->res->sys, "sys %lld, want %lld", (long long)ps, (long long)r->res->sys);
  vz_play_free(p);
  vz_rec_free(r);
  gs_scenario_free(sc);
}

/* The threads whose state is "runnable" are the OS run queue: as many as
 * the simulation's own "runnable threads" counter says, at every change. */
Test(replay, runnable_threads_are_the_run_queue_counter)
{
  gs_scenario *sc = load("primes.cfg");
  sc->model = GS_MODEL_THREADS;
  sc->workers = 6;
  sc->runtime = GS_RT_C;
  sc->cores = 2;
  vz_rec *r = record(sc);
  cr_assert_geq(r->ctr_runnable, 0);
  vz_play *p = vz_play_new(r);
  int checked = 0;
  for (size_t i = 0; i < r->nev; i++) {
    const vz_ev *e = &r->ev[i];
    if (e->kind != GS_TR_COUNTER || e->c != r->ctr_runnable)
      continue;
    vz_play_seek(p, e->at);
    int n = 0;
    for (size_t t = 0; t < r->nthr; t++)
      n += p->t[t].live && p->t[t].state == GS_TRS_RUNNABLE;
    cr_assert_eq(n, p->counter[r->ctr_runnable], "at %lld: %d runnable, counter %lld",
                 (long long)e->at, n, (long long)p->counter[r->ctr_runnable]);
    checked++;
  }
  cr_assert_gt(checked, 5);
  vz_play_free(p);
  vz_rec_free(r);
  gs_scenario_free(sc);
}

Test(replay, downloads_get_their_first_byte_between_request_and_end)
{
  gs_scenario *sc = load("download.cfg");
  vz_rec *r = record(sc);
  cr_assert_eq(r->nxfer, sc->ntasks);
  int latent = 0;
  for (size_t k = 0; k < r->nxfer; k++) {
    const vz_xfer *x = &r->xfer[k];
    cr_assert_leq(x->requested, x->first_byte);
    cr_assert_leq(x->first_byte, x->done);
    latent += x->first_byte > x->requested;
    cr_assert_eq(vz_xfer_progress(r, x, x->first_byte), 0);
    cr_assert_eq(vz_xfer_progress(r, x, x->done), 1);
    /* The fluid curve brings it to its size exactly at its end. */
    double got = vz_net_served(r, x->done) - x->served0;
    cr_assert(got > (double)x->bytes * 0.999 && got < (double)x->bytes * 1.001,
              "transfer %zu: %.0f of %lld bytes at its end", k, got, (long long)x->bytes);
    gs_time mid = x->first_byte + (x->done - x->first_byte) / 2;
    double f = vz_xfer_progress(r, x, mid);
    cr_assert(f > 0 && f < 1, "transfer %zu half-way: %f", k, f);
  }
  cr_assert_gt(latent, 0, "no first-byte latency seen");
  vz_rec_free(r);
  gs_scenario_free(sc);
}

Test(replay, event_loop_ready_queue_fills_at_start_and_empties)
{
  gs_scenario *sc = load("asyncio.cfg");
  vz_rec *r = record(sc);
  cr_assert_geq(r->ctr_ready, 0);
  vz_play *p = vz_play_new(r);
  int64_t most = 0;
  for (size_t i = 0; i < r->nev; i++)
    if (r->ev[i].kind == GS_TR_COUNTER && r->ev[i].c == r->ctr_ready && r->ev[i].x > most)
      most = r->ev[i].x;
  cr_assert_eq(most, (int64_t)sc->ntasks, "all coroutines ready at the start");
  vz_play_seek(p, r->end);
  cr_assert_eq(p->counter[r->ctr_ready], 0);
  vz_play_free(p);
  vz_rec_free(r);
  gs_scenario_free(sc);
}

Test(replay, seeking_back_gives_the_same_picture_as_going_forward)
{
  gs_scenario *sc = countdown(GS_GIL_NEW, 2, 3000000);
  vz_rec *r = record(sc);
  vz_play *a = vz_play_new(r), *b = vz_play_new(r);
  gs_time t = r->end / 3;
  vz_play_seek(a, r->end);
  vz_play_seek(a, t);
  vz_play_seek(b, t / 2);
  vz_play_seek(b, t);
  cr_assert_eq(a->next, b->next);
  cr_assert_eq(memcmp(a->t, b->t, r->nthr * sizeof *a->t), 0);
  cr_assert_eq(memcmp(a->g, b->g, r->nprocs * sizeof *a->g), 0);
  cr_assert_eq(memcmp(a->c, b->c, (size_t)r->ncores * sizeof *a->c), 0);
  vz_play_free(a);
  vz_play_free(b);
  vz_rec_free(r);
  gs_scenario_free(sc);
}

Test(replay, sleeps_know_when_they_end)
{
  gs_scenario *sc = load("sleep.cfg");
  vz_rec *r = record(sc);
  vz_play *p = vz_play_new(r);
  vz_play_seek(p, GS_SEC / 2);
  int sleeping = 0;
  for (size_t t = 0; t < r->nthr; t++)
    if (p->t[t].state == GS_TRS_SLEEP) {
      sleeping++;
      cr_assert_gt(p->t[t].until, p->now);
      cr_assert_leq(p->t[t].until, r->end);
    }
  cr_assert_gt(sleeping, 0);
  vz_play_free(p);
  vz_rec_free(r);
  gs_scenario_free(sc);
}
