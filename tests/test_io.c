/* I/O, the network and the event loop (sim/net.c, sim/loop.c). */
#include "support.h"

Test(io, threads_and_asyncio_overlap_downloads_sequential_sums_them)
{
  /* 8 files of 1.2 MB at 1.2 MB/s each, 100 ms to the first byte. */
  gs_scenario *sc = ts_download(GS_MODEL_SEQUENTIAL, 8, 1200000, 1.2e6, 100 * GS_MS);
  gs_results *seq = ts_run(sc);
  sc->model = GS_MODEL_THREADS;
  gs_results *thr = ts_run(sc);
  sc->model = GS_MODEL_ASYNCIO;
  gs_results *aio = ts_run(sc);
  cr_assert_geq(seq->wall, 8 * 1100 * GS_MS);
  cr_assert_lt(thr->wall, 1200 * GS_MS);
  cr_assert_lt(aio->wall, 1200 * GS_MS);
  cr_assert_eq(thr->net.bytes, 8 * 1200000);
  cr_assert_eq(aio->net.max_in_flight, 8);
  gs_results_free(seq);
  gs_results_free(thr);
  gs_results_free(aio);
  ts_free(sc);
}

Test(io, shared_link_caps_total_throughput)
{
  gs_scenario *sc = ts_download(GS_MODEL_THREADS, 10, 1000000, 1e6, 0);
  sc->net.link_bps = 2e6; /* 10 MB through a 2 MB/s link: 5 s, not 1 s */
  gs_results *r = ts_run(sc);
  cr_assert_geq(r->wall, 5 * GS_SEC);
  cr_assert_lt(r->wall, 5100 * GS_MS);
  gs_results_free(r);
  ts_free(sc);
}

Test(io, link_share_is_recomputed_when_a_transfer_ends)
{
  /* One 1 MB and one 3 MB file on a 2 MB/s link: 1 MB/s each until the
   * small one ends at 1 s, then 2 MB/s for the rest: 2 s in all. */
  gs_scenario *sc = ts_download(GS_MODEL_THREADS, 2, 1000000, 0, 0);
  sc->sizes[1] = 3000000;
  sc->net.link_bps = 2e6;
  sc->net.cpu_per_byte = 0;
  gs_results *r = ts_run(sc);
  cr_assert_lt(r->tasks[0].finished, 1010 * GS_MS);
  cr_assert_geq(r->tasks[1].finished, 2000 * GS_MS);
  cr_assert_lt(r->tasks[1].finished, 2010 * GS_MS);
  gs_results_free(r);
  ts_free(sc);
}

Test(io, server_limit_queues_requests)
{
  gs_scenario *sc = ts_download(GS_MODEL_ASYNCIO, 6, 1000000, 1e6, 0);
  sc->net.server_limit = 2;
  gs_results *r = ts_run(sc);
  cr_assert_eq(r->net.max_in_flight, 2);
  cr_assert_geq(r->wall, 3 * GS_SEC);
  gs_results_free(r);
  ts_free(sc);
}

Test(io, cpu_heavy_coroutine_delays_every_other_coroutine_by_its_length)
{
  gs_scenario *sc = ts_custom(10, GS_STEP_SLEEP, 10 * GS_MS);
  sc->runtime = GS_RT_CPYTHON;
  sc->model = GS_MODEL_ASYNCIO;
  sc->cores = 2;
  gs_results *calm = ts_run(sc);
  sc->custom[0].steps[0].kind = GS_STEP_CPU;
  sc->custom[0].steps[0].dur.a = 300e6;
  gs_results *busy = ts_run(sc);
  cr_assert_lt(calm->loop.lag_max, 1 * GS_MS);
  cr_assert_geq(busy->loop.lag_max, 290 * GS_MS);
  /* The sleepers were due at 10 ms but ran only after the 300 ms step. */
  for (size_t i = 1; i < busy->ntasks; i++)
    cr_assert_geq(busy->tasks[i].finished, 300 * GS_MS);
  cr_assert_lt(calm->wall, 15 * GS_MS);
  gs_results_free(calm);
  gs_results_free(busy);
  ts_free(sc);
}

Test(io, to_thread_keeps_the_loop_responsive_without_a_gil)
{
  gs_scenario *sc = ts_custom(10, GS_STEP_SLEEP, 10 * GS_MS);
  sc->runtime = GS_RT_C; /* no GIL: the pool thread computes in parallel */
  sc->model = GS_MODEL_ASYNCIO;
  sc->cores = 2;
  sc->custom[0].steps[0].kind = GS_STEP_THREAD;
  sc->custom[0].steps[0].dur.a = 300e6;
  gs_results *r = ts_run(sc);
  cr_assert_lt(r->loop.lag_max, 1 * GS_MS);
  cr_assert_geq(r->wall, 300 * GS_MS);
  cr_assert_eq(r->nthreads, 2); /* the loop and one pool thread */
  gs_results_free(r);
  ts_free(sc);
}

Test(io, loop_counts_iterations_and_epoll_waits)
{
  gs_scenario *sc = ts_custom(3, GS_STEP_SLEEP, 10 * GS_MS);
  sc->runtime = GS_RT_CPYTHON;
  sc->model = GS_MODEL_ASYNCIO;
  sc->custom[1].steps[0].dur.a = 20e6;
  sc->custom[2].steps[0].dur.a = 30e6;
  gs_results *r = ts_run(sc);
  /* start, then one wake-up per timer: 4 iterations, each polling once. */
  cr_assert_eq(r->loop.iterations, 4);
  cr_assert_eq(r->loop.epoll_waits, r->loop.iterations);
  cr_assert_eq(r->loop.resumes, 6);
  gs_results_free(r);
  ts_free(sc);
}

/* Simulated time ends at 2^62 ns (kernel.h): a draw that would carry it
 * further fails the run with a limit error; the sum used to overflow
 * int64 (the second request's 8e18 ns after the first's). */
Test(io, a_first_byte_latency_past_the_time_horizon_fails_the_run)
{
  gs_scenario *sc = ts_download(GS_MODEL_SEQUENTIAL, 2, 1000, 0, (gs_time)8e18);
  gs_results *r = NULL;
  gs_error err = {{0}};
  cr_assert_eq(gs_run(sc, &r, &err), GS_ERR_LIMIT, "%s", err.msg);
  cr_assert_null(r);
  cr_assert(strstr(err.msg, "simulated time would pass 2^62 ns (146 years)"), "%s", err.msg);
  ts_free(sc);
}

Test(io, a_coroutine_sleep_past_the_time_horizon_fails_the_run)
{
  gs_scenario *sc = ts_custom(1, GS_STEP_CPU, 1000);
  ts_interactive(sc, 0, 2, 1000, (gs_time)8e18); /* two sleeps in a row */
  sc->model = GS_MODEL_ASYNCIO;
  gs_results *r = NULL;
  gs_error err = {{0}};
  cr_assert_eq(gs_run(sc, &r, &err), GS_ERR_LIMIT, "%s", err.msg);
  cr_assert(strstr(err.msg, "146 years"), "%s", err.msg);
  ts_free(sc);
}
