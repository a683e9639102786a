/*
 * net_test.c - the download server and the C clients (harness/net), on
 * 127.0.0.1 only.  Every test starts its own server (a forked child) and
 * stops it; counts are bounded and the only timings asserted are lower
 * bounds that the mechanism guarantees (a latency or a rate cannot be beaten).
 */
#define _GNU_SOURCE /* memmem */
#include "client.h"
#include "rng.h"
#include "server.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

/* ---- helpers ------------------------------------------------------------------ */

/* A download scenario of n files of `size` bytes each, constant latency. */
static gs_scenario *scenario(size_t n, int64_t size, gs_time latency)
{
  gs_scenario *sc = calloc(1, sizeof *sc);
  cr_assert_not_null(sc);
  sc->workload = GS_WL_DOWNLOAD;
  sc->seed = 1;
  sc->ntasks = n;
  sc->sizes = calloc(n, sizeof *sc->sizes);
  cr_assert_not_null(sc->sizes);
  for (size_t i = 0; i < n; i++)
    sc->sizes[i] = size;
  sc->net.latency.kind = GS_DIST_CONST;
  sc->net.latency.a = (double)latency;
  return sc;
}

static void scenario_free(gs_scenario *sc)
{
  free(sc->sizes);
  free(sc);
}

static gsn_server *start(const gs_scenario *sc, uint64_t seed)
{
  gs_error err = {{0}};
  gsn_server *s = gsn_server_start(sc, seed, &err);
  cr_assert_not_null(s, "server did not start: %s", err.msg);
  cr_assert_gt(gsn_server_port(s), 0);
  return s;
}

static gsn_server_stats stop(gsn_server *s)
{
  gsn_server_stats st;
  gs_error err = {{0}};
  cr_assert_eq(gsn_server_stop(s, &st, &err), GS_OK, "stop: %s", err.msg);
  return st;
}

static int64_t now_ns(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* A blocking connection with a 5 s receive time-out (a failing test ends). */
static int dial(int port)
{
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  cr_assert_geq(fd, 0);
  struct timeval tv = {.tv_sec = 5};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  cr_assert_eq(connect(fd, (struct sockaddr *)&a, sizeof a), 0, "connect: %s", strerror(errno));
  return fd;
}

static void say(int fd, const char *text)
{
  size_t n = strlen(text);
  cr_assert_eq(send(fd, text, n, MSG_NOSIGNAL), (ssize_t)n);
}

/* Read one answer, and not a byte of the next (requests may be pipelined):
 * the head a byte at a time, then exactly Content-Length bytes.  Returns
 * the status; *body gets the body's length. */
static int answer(int fd, int64_t *body)
{
  char buf[8192];
  size_t have = 0;
  while (have < 4 || memcmp(buf + have - 4, "\r\n\r\n", 4) != 0) {
    cr_assert_lt(have, sizeof buf - 1, "head too long");
    ssize_t r = recv(fd, buf + have, 1, 0);
    cr_assert_eq(r, 1, "no answer (%s)", r < 0 ? strerror(errno) : "EOF");
    have++;
  }
  buf[have] = '\0';
  int status = atoi(buf + 9);
  char *cl = strcasestr(buf, "Content-Length:");
  cr_assert_not_null(cl);
  int64_t len = atoll(cl + 15), got = 0;
  char sink[65536];
  while (got < len) {
    size_t want = len - got < (int64_t)sizeof sink ? (size_t)(len - got) : sizeof sink;
    ssize_t r = recv(fd, sink, want, 0);
    cr_assert_gt(r, 0);
    got += r;
  }
  *body = len;
  return status;
}

/* True when the server has closed fd (EOF within the receive time-out). */
static bool closed_by_peer(int fd)
{
  char c;
  return recv(fd, &c, 1, 0) == 0;
}

/* A port on 127.0.0.1 that nobody listens on: bind one, note it, close it. */
static int closed_port(void)
{
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t al = sizeof a;
  cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
  cr_assert_eq(getsockname(fd, (struct sockaddr *)&a, &al), 0);
  close(fd);
  return ntohs(a.sin_port);
}

/* ---- tests ---------------------------------------------------------------------- */

Test(net, blocking_client_gets_every_file_with_its_exact_length)
{
  gs_scenario *sc = scenario(20, 0, GS_MS);
  int64_t total = 0;
  for (size_t i = 0; i < 20; i++)
    total += sc->sizes[i] = 1000 + 137 * (int64_t)i;
  gsn_server *s = start(sc, 1);
  for (int64_t i = 0; i < 20; i++) {
    gs_error err = {{0}};
    int64_t got = -1;
    cr_assert_eq(gsn_get_blocking(gsn_server_port(s), i, sc->sizes[i], 5.0, &got, &err), GS_OK,
                 "%s", err.msg);
    cr_assert_eq(got, sc->sizes[i]);
  }
  gsn_server_stats st = stop(s);
  cr_assert_eq(st.requests, 20);
  cr_assert_eq(st.served, 20);
  cr_assert_eq(st.connections, 20);
  cr_assert_eq(st.bytes, (uint64_t)total);
  cr_assert_eq(st.errors, 0);
  cr_assert_eq(st.latency_ns, 20 * GS_MS);
  scenario_free(sc);
}

Test(net, blocking_client_refuses_a_wrong_length)
{
  gs_scenario *sc = scenario(1, 500, 0);
  gsn_server *s = start(sc, 1);
  gs_error err = {{0}};
  int64_t got = 0;
  cr_assert_eq(gsn_get_blocking(gsn_server_port(s), 0, 501, 5.0, &got, &err), GS_ERR_IO);
  cr_assert_str_eq(err.msg, "download of file 0: server sends 500 bytes, expected 501");
  stop(s);
  scenario_free(sc);
}

Test(net, epoll_client_gets_200_files_at_once)
{
  enum { N = 200 };
  gs_scenario *sc = scenario(N, 1000, GS_MS);
  gsn_server *s = start(sc, 1);
  gsn_get_result *r = calloc(N, sizeof *r);
  gs_error err = {{0}};
  cr_assert_eq(gsn_get_all_epoll(gsn_server_port(s), N, sc->sizes, 5.0, r, &err), GS_OK, "%s",
               err.msg);
  for (size_t i = 0; i < N; i++) {
    cr_assert_eq(r[i].bytes, 1000, "file %zu", i);
    cr_assert_eq(r[i].status, 200);
    cr_assert_gt(r[i].start_ns, 0);
    /* The first byte comes after the latency, from the start at the earliest. */
    cr_assert_geq(r[i].first_byte_ns - r[i].start_ns, GS_MS);
    cr_assert_geq(r[i].finish_ns, r[i].first_byte_ns);
  }
  gsn_server_stats st = stop(s);
  cr_assert_eq(st.served, N);
  cr_assert_eq(st.bytes, (uint64_t)N * 1000);
  cr_assert_eq(st.errors, 0);
  cr_assert_gt(st.max_in_service, 1, "requests were served one at a time");
  cr_assert_gt(st.max_connections, 1);
  free(r);
  scenario_free(sc);
}

Test(net, keep_alive_serves_two_requests_on_one_connection)
{
  gs_scenario *sc = scenario(2, 3000, GS_MS);
  sc->sizes[1] = 4000;
  gsn_server *s = start(sc, 1);
  int fd = dial(gsn_server_port(s));
  int64_t len;
  say(fd, "GET /file/0 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  cr_assert_eq(answer(fd, &len), 200);
  cr_assert_eq(len, 3000);
  say(fd, "GET /file/1 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  cr_assert_eq(answer(fd, &len), 200);
  cr_assert_eq(len, 4000);
  cr_assert(closed_by_peer(fd), "Connection: close was not honoured");
  close(fd);
  gsn_server_stats st = stop(s);
  cr_assert_eq(st.connections, 1);
  cr_assert_eq(st.served, 2);
  cr_assert_eq(st.errors, 0);
  scenario_free(sc);
}

Test(net, pipelined_requests_are_answered_in_order)
{
  gs_scenario *sc = scenario(3, 100, 0);
  sc->sizes[1] = 200;
  sc->sizes[2] = 300;
  gsn_server *s = start(sc, 1);
  int fd = dial(gsn_server_port(s));
  say(fd, "GET /file/2 HTTP/1.1\r\n\r\nGET /file/0 HTTP/1.1\r\n\r\n"
          "GET /file/1 HTTP/1.0\r\n\r\n");
  int64_t len;
  cr_assert_eq(answer(fd, &len), 200);
  cr_assert_eq(len, 300);
  cr_assert_eq(answer(fd, &len), 200);
  cr_assert_eq(len, 100);
  cr_assert_eq(answer(fd, &len), 200);
  cr_assert_eq(len, 200);
  cr_assert(closed_by_peer(fd), "HTTP/1.0 without keep-alive must close");
  close(fd);
  gsn_server_stats st = stop(s);
  cr_assert_eq(st.served, 3);
  scenario_free(sc);
}

Test(net, unknown_files_get_404_and_malformed_requests_400)
{
  gs_scenario *sc = scenario(5, 100, 0);
  gsn_server *s = start(sc, 1);
  int port = gsn_server_port(s);
  int fd = dial(port);
  int64_t len;
  say(fd, "GET /file/5 HTTP/1.1\r\n\r\n");
  cr_assert_eq(answer(fd, &len), 404);
  say(fd, "GET /other HTTP/1.1\r\n\r\n");
  cr_assert_eq(answer(fd, &len), 404);
  say(fd, "GET /file/-1 HTTP/1.1\r\n\r\n");
  cr_assert_eq(answer(fd, &len), 404);
  /* A 404 keeps the connection: the next request is served. */
  say(fd, "GET /file/4 HTTP/1.1\r\n\r\n");
  cr_assert_eq(answer(fd, &len), 200);
  cr_assert_eq(len, 100);
  close(fd);

  static const char *const bad[] = {
    "BLAH\r\n\r\n",
    "GET /file/1\r\n\r\n",
    "GET /file/1 HTTP/2.0\r\n\r\n",
    "GET /file/1 HTTP/1.1\r\nNoColonHere\r\n\r\n",
    "GET /file/1 HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello",
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    fd = dial(port);
    say(fd, bad[i]);
    cr_assert_eq(answer(fd, &len), 400, "request %zu", i);
    cr_assert(closed_by_peer(fd), "a 400 must close the connection (request %zu)", i);
    close(fd);
  }
  fd = dial(port);
  say(fd, "POST /file/1 HTTP/1.1\r\n\r\n");
  cr_assert_eq(answer(fd, &len), 405);
  close(fd);

  gs_error err = {{0}};
  int64_t got;
  cr_assert_eq(gsn_get_blocking(port, 7, 100, 5.0, &got, &err), GS_ERR_IO);
  cr_assert_str_eq(err.msg, "download of file 7: server answered 404 Not Found");

  gsn_server_stats st = stop(s);
  cr_assert_eq(st.not_found, 4);
  cr_assert_eq(st.bad_requests, 6);
  cr_assert_eq(st.served, 1);
  cr_assert_eq(st.requests, 1);
  scenario_free(sc);
}

Test(net, a_head_larger_than_8k_gets_400)
{
  gs_scenario *sc = scenario(1, 100, 0);
  gsn_server *s = start(sc, 1);
  int fd = dial(gsn_server_port(s));
  char big[9000];
  memset(big, 'a', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  memcpy(big, "GET /file/0 HTTP/1.1\r\nX: ", 25);
  say(fd, big);
  int64_t len;
  cr_assert_eq(answer(fd, &len), 400);
  close(fd);
  gsn_server_stats st = stop(s);
  cr_assert_eq(st.bad_requests, 1);
  scenario_free(sc);
}

Test(net, server_limit_caps_requests_in_service)
{
  /* 20 requests at once, 2 slots, 5 ms latency each: at most 2 in service,
   * and each slot serves 10 latencies one after another (>= 50 ms). */
  enum { N = 20 };
  gs_scenario *sc = scenario(N, 1000, 5 * GS_MS);
  sc->net.server_limit = 2;
  gsn_server *s = start(sc, 1);
  gs_error err = {{0}};
  int64_t t0 = now_ns();
  cr_assert_eq(gsn_get_all_epoll(gsn_server_port(s), N, sc->sizes, 5.0, NULL, &err), GS_OK, "%s",
               err.msg);
  int64_t took = now_ns() - t0;
  gsn_server_stats st = stop(s);
  cr_assert_eq(st.served, N);
  cr_assert_leq(st.max_in_service, 2);
  cr_assert_geq(st.max_in_service, 1);
  cr_assert_geq(took, 10 * 5 * GS_MS);
  scenario_free(sc);
}

Test(net, per_connection_bandwidth_paces_the_body)
{
  /* 200 kB at 1 MB/s: 0.2 s of transfer; asserted as a lower bound only. */
  gs_scenario *sc = scenario(1, 200000, 0);
  sc->net.conn_bps = 1e6;
  gsn_server *s = start(sc, 1);
  gsn_get_result r;
  gs_error err = {{0}};
  cr_assert_eq(gsn_get_blocking_timed(gsn_server_port(s), 0, 200000, 5.0, &r, &err), GS_OK,
               "%s", err.msg);
  cr_assert_eq(r.bytes, 200000);
  cr_assert_geq(r.finish_ns - r.start_ns, 150 * GS_MS);
  gsn_server_stats st = stop(s);
  cr_assert_eq(st.bytes, 200000);
  scenario_free(sc);
}

Test(net, link_capacity_is_shared_by_the_transfers)
{
  /* Two 100 kB files through a 1 MB/s link, no per-connection cap: 0.2 s
   * for both together at best, however they share it. */
  gs_scenario *sc = scenario(2, 100000, 0);
  sc->net.link_bps = 1e6;
  gsn_server *s = start(sc, 1);
  gsn_get_result r[2];
  gs_error err = {{0}};
  int64_t t0 = now_ns();
  cr_assert_eq(gsn_get_all_epoll(gsn_server_port(s), 2, sc->sizes, 5.0, r, &err), GS_OK, "%s",
               err.msg);
  int64_t took = now_ns() - t0;
  cr_assert_geq(took, 150 * GS_MS);
  cr_assert_eq(r[0].bytes + r[1].bytes, 200000);
  gsn_server_stats st = stop(s);
  cr_assert_eq(st.max_transfers, 2);
  scenario_free(sc);
}

Test(net, the_link_is_shared_fairly_while_transfers_overlap)
{
  /* 50 kB and 150 kB through a 1 MB/s link: while both run each gets half,
   * so the small one needs 0.1 s, not the 0.05 s the whole link would take;
   * then the big one has the link to itself and ends at 0.2 s. */
  gs_scenario *sc = scenario(2, 50000, 0);
  sc->sizes[1] = 150000;
  sc->net.link_bps = 1e6;
  gsn_server *s = start(sc, 1);
  gsn_get_result r[2];
  gs_error err = {{0}};
  cr_assert_eq(gsn_get_all_epoll(gsn_server_port(s), 2, sc->sizes, 5.0, r, &err), GS_OK, "%s",
               err.msg);
  cr_assert_geq(r[0].finish_ns - r[0].start_ns, 90 * GS_MS);
  cr_assert_geq(r[1].finish_ns - r[0].start_ns, 180 * GS_MS);
  stop(s);
  scenario_free(sc);
}

Test(net, kth_latency_is_the_kth_draw_of_the_seeded_stream)
{
  gs_scenario *sc = scenario(6, 100, 0);
  sc->net.latency.kind = GS_DIST_EXP;
  sc->net.latency.a = 2e6; /* mean 2 ms */
  const uint64_t seed = 42;
  gsR_rng g;
  cr_assert_eq(gsR_init(&g, seed), 0);
  gs_time want[6];
  for (uint64_t k = 0; k < 6; k++) {
    want[k] = gsR_sample(&g, &sc->net.latency);
    cr_assert_eq(gsn_latency_for(seed, sc, k), want[k], "draw %llu", (unsigned long long)k);
  }
  gsR_free(&g);
  cr_assert_neq(want[0], want[1]);

  /* One request at a time, so arrival order is request order: request k
   * waits at least latency k, and the server drew exactly those. */
  gsn_server *s = start(sc, seed);
  gs_time sum = 0;
  for (int64_t k = 0; k < 6; k++) {
    gsn_get_result r;
    gs_error err = {{0}};
    int64_t file = 5 - k; /* the draw follows the arrival, not the file */
    cr_assert_eq(gsn_get_blocking_timed(gsn_server_port(s), file, 100, 5.0, &r, &err), GS_OK,
                 "%s", err.msg);
    cr_assert_geq(r.first_byte_ns - r.start_ns, want[k], "request %lld", (long long)k);
    sum += want[k];
  }
  gsn_server_stats st = stop(s);
  cr_assert_eq(st.latency_ns, sum);
  scenario_free(sc);
}

Test(net, the_simulator_draws_the_same_latency_for_its_kth_request)
{
  /* Sequential downloads in the simulator, no rate limit: request k takes
   * its latency plus a few µs of modelled system calls, and its latency
   * must be the server's latency k for the same seed. */
  gs_scenario *sc = scenario(8, 1000, 0);
  sc->runtime = GS_RT_C;
  sc->model = GS_MODEL_SEQUENTIAL;
  sc->sched = GS_SCHED_FAIR;
  sc->cores = 1;
  sc->workers = 1;
  sc->seed = 7;
  sc->net.latency.kind = GS_DIST_EXP;
  sc->net.latency.a = 10e6; /* mean 10 ms: draws differ by far more than the slack */
  gs_params_resolve(&sc->params, sc->runtime);
  gs_results *r = NULL;
  gs_error err = {{0}};
  cr_assert_eq(gs_run(sc, &r, &err), GS_OK, "%s", err.msg);
  for (uint64_t k = 0; k < 8; k++) {
    gs_time took = r->tasks[k].finished - r->tasks[k].started;
    gs_time lat = gsn_latency_for(sc->seed, sc, k);
    cr_assert_geq(took, lat, "request %llu", (unsigned long long)k);
    cr_assert_lt(took - lat, 100 * GS_US, "request %llu: %lld ns in the simulator, latency %lld",
                 (unsigned long long)k, (long long)took, (long long)lat);
  }
  gs_results_free(r);
  scenario_free(sc);
}

Test(net, a_stalled_server_gives_the_stall_error)
{
  /* A socket that listens and never answers: the kernel completes the
   * connection, and no byte ever comes back. */
  int l = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t al = sizeof a;
  cr_assert_eq(bind(l, (struct sockaddr *)&a, sizeof a), 0);
  cr_assert_eq(listen(l, 8), 0);
  cr_assert_eq(getsockname(l, (struct sockaddr *)&a, &al), 0);
  int port = ntohs(a.sin_port);

  gs_error err = {{0}};
  int64_t got = -1;
  int64_t t0 = now_ns();
  cr_assert_eq(gsn_get_blocking(port, 3, 100, 0.3, &got, &err), GS_ERR_IO);
  cr_assert_geq(now_ns() - t0, 250 * GS_MS);
  cr_assert_str_eq(err.msg, "download of file 3 stalled: no data for 0.3 s");
  cr_assert_eq(got, 0);

  t0 = now_ns();
  int64_t sizes[1] = {100};
  cr_assert_eq(gsn_get_all_epoll(port, 1, sizes, 0.3, NULL, &err), GS_ERR_IO);
  cr_assert_geq(now_ns() - t0, 250 * GS_MS);
  cr_assert_str_eq(err.msg, "download of file 0 stalled: no data for 0.3 s");
  close(l);
}

Test(net, a_closed_port_gives_connection_refused)
{
  int port = closed_port();
  char want[128];
  snprintf(want, sizeof want, "cannot connect to 127.0.0.1:%d: Connection refused", port);
  gs_error err = {{0}};
  int64_t got;
  cr_assert_eq(gsn_get_blocking(port, 0, 100, 1.0, &got, &err), GS_ERR_IO);
  cr_assert_str_eq(err.msg, want);
  int64_t sizes[3] = {1, 2, 3};
  memset(&err, 0, sizeof err);
  cr_assert_eq(gsn_get_all_epoll(port, 3, sizes, 1.0, NULL, &err), GS_ERR_IO);
  cr_assert_str_eq(err.msg, want);
}

Test(net, a_client_that_leaves_mid_transfer_is_counted_and_its_slot_freed)
{
  /* One slot; the first client takes it for a slow 200 kB answer, reads
   * the head and resets the connection.  The server must count the error,
   * free the slot and serve the next client. */
  gs_scenario *sc = scenario(2, 200000, 0);
  sc->sizes[1] = 100;
  sc->net.conn_bps = 1e6;
  sc->net.server_limit = 1;
  gsn_server *s = start(sc, 1);
  int fd = dial(gsn_server_port(s));
  say(fd, "GET /file/0 HTTP/1.1\r\n\r\n");
  char buf[256];
  cr_assert_gt(recv(fd, buf, sizeof buf, 0), 0);
  struct linger lg = {.l_onoff = 1, .l_linger = 0}; /* close with a reset */
  setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  close(fd);
  gs_error err = {{0}};
  int64_t got;
  cr_assert_eq(gsn_get_blocking(gsn_server_port(s), 1, 100, 5.0, &got, &err), GS_OK, "%s",
               err.msg);
  gsn_server_stats st = stop(s);
  cr_assert_eq(st.errors, 1);
  cr_assert_eq(st.served, 1);
  cr_assert_lt(st.bytes, 200000 + 100);
  scenario_free(sc);
}

Test(net, stopping_cuts_answers_in_progress)
{
  gs_scenario *sc = scenario(1, 1000000, 0);
  sc->net.conn_bps = 1e6; /* a second of transfer */
  gsn_server *s = start(sc, 1);
  int fd = dial(gsn_server_port(s));
  say(fd, "GET /file/0 HTTP/1.1\r\n\r\n");
  char buf[256];
  cr_assert_gt(recv(fd, buf, sizeof buf, 0), 0);
  gsn_server_stats st = stop(s);
  cr_assert_eq(st.errors, 1);
  cr_assert_eq(st.served, 0);
  close(fd);
  scenario_free(sc);
}

Test(net, a_server_that_died_is_reported_with_its_signal)
{
  gs_scenario *sc = scenario(1, 100, 0);
  gsn_server *s = start(sc, 1);
  long pid = gsn_server_pid(s);
  cr_assert_eq(kill((pid_t)pid, SIGKILL), 0);
  gs_error err = {{0}};
  gsn_server_stats st;
  cr_assert_eq(gsn_server_stop(s, &st, &err), GS_ERR_IO);
  char want[128];
  snprintf(want, sizeof want, "download server (pid %ld) was killed by signal 9 (Killed)", pid);
  cr_assert_str_eq(err.msg, want);
  scenario_free(sc);
}

Test(net, invalid_networks_are_refused)
{
  gs_scenario *sc = scenario(1, 100, 0);
  sc->net.conn_bps = -1;
  gs_error err = {{0}};
  cr_assert_null(gsn_server_start(sc, 1, &err));
  cr_assert_neq(err.msg[0], '\0');
  scenario_free(sc);
}

Test(net, stopping_nothing_is_fine)
{
  gs_error err = {{0}};
  cr_assert_eq(gsn_server_stop(NULL, NULL, &err), GS_OK);
}
