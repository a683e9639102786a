/* Tests of the trace writer of the gilsim tool (tool/trace.c): the events
 * it writes for hand-made event streams (slices, exact microseconds,
 * escaping, closing at the end), that a destination is replaced only on
 * commit and never left half-written, and traces of real runs.
 * tests/check_trace.py checks whole trace files of the shipped scenarios. */
#include "gs.h"
#include "support.h"
#include "trace.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- Helpers ------------------------------------------------------------------ */

/* A fresh directory for one test, and the trace path inside it. */
static void make_dir(char *dir, size_t n, char *path, size_t pn)
{
  snprintf(dir, n, "%s/test_trace-XXXXXX", GS_BINARY_DIR);
  cr_assert_not_null(mkdtemp(dir), "mkdtemp: %s", strerror(errno));
  snprintf(path, pn, "%s/t.json", dir);
}

/* Entries of dir besides . and .. */
static int count_entries(const char *dir)
{
  DIR *d = opendir(dir);
  cr_assert_not_null(d);
  int n = 0;
  for (struct dirent *e; (e = readdir(d));)
    n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
  closedir(d);
  return n;
}

static void remove_dir(const char *dir, const char *path)
{
  unlink(path);
  cr_expect_eq(count_entries(dir), 0, "something was left in %s", dir);
  rmdir(dir);
}

static char *slurp(const char *path)
{
  FILE *f = fopen(path, "rb");
  cr_assert_not_null(f, "%s: %s", path, strerror(errno));
  char *buf = NULL;
  size_t len = 0, cap = 0;
  for (int c; (c = fgetc(f)) != EOF;) {
    if (len + 2 > cap) {
      cap = cap ? 2 * cap : 4096;
      buf = realloc(buf, cap);
      cr_assert_not_null(buf);
    }
    buf[len++] = (char)c;
  }
  fclose(f);
  if (!buf)
    buf = calloc(1, 1);
  else
    buf[len] = 0;
  return buf;
}

static size_t count_str(const char *hay, const char *needle)
{
  size_t n = 0;
  for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
    n++;
  return n;
}

static void expect_has(const char *text, const char *want)
{
  cr_expect_not_null(strstr(text, want), "missing %s in:\n%s", want, text);
}

static const gs_tracew_info info2 = {
  .scenario = "test", .seed = 7, .cores = 2, .model = "threads", .gil = "new"};

static gs_tracew *open_ok(const char *path, const gs_tracew_info *info)
{
  gs_error err = {{0}};
  gs_tracew *w = gs_tracew_open(path, info, &err);
  cr_assert_not_null(w, "open: %s", err.msg);
  return w;
}

static void ev(gs_tracew *w, gs_trace_kind kind, gs_time at, int pid, int tid, int core,
               int value)
{
  gs_trace_event e = {.kind = kind, .at = at, .pid = pid, .tid = tid, .core = core,
                      .value = value};
  gs_tracew_event(w, &e);
}

static void ev_named(gs_tracew *w, gs_trace_kind kind, gs_time at, int pid, int tid,
                     const char *name)
{
  gs_trace_event e = {.kind = kind, .at = at, .pid = pid, .tid = tid, .name = name};
  gs_tracew_event(w, &e);
}

static void ev_io(gs_tracew *w, gs_trace_kind kind, gs_time at, int pid, int tid, uint64_t id,
                  int64_t bytes)
{
  gs_trace_event e = {.kind = kind, .at = at, .pid = pid, .tid = tid, .id = id, .count = bytes};
  gs_tracew_event(w, &e);
}

/* ---- Colours ---------------------------------------------------------------------- */

Test(trace, every_state_has_its_own_colour)
{
  for (int i = 0; i < GS_TRS_COUNT; i++) {
    const char *a = gs_trace_state_cname((gs_trace_state)i);
    cr_expect(a && *a, "state %d has no colour", i);
    for (int j = 0; j < i; j++)
      cr_expect_str_neq(a, gs_trace_state_cname((gs_trace_state)j), "states %d and %d", i, j);
  }
  cr_expect_str_eq(gs_trace_state_cname(GS_TRS_GIL_WAIT), "terrible");
  cr_expect_str_eq(gs_trace_state_cname(GS_TRS_RUNNING_GIL), "good");
  cr_expect_str_eq(gs_trace_state_cname(GS_TRS_COUNT), "");
  cr_expect_str_eq(gs_trace_state_cname((gs_trace_state)-1), "");
}

/* ---- Hand-made streams ---------------------------------------------------------------- */

Test(trace, writes_tracks_slices_and_metadata)
{
  char dir[512], path[600];
  make_dir(dir, sizeof dir, path, sizeof path);
  gs_tracew *w = open_ok(path, &info2);
  ev_named(w, GS_TR_PROC, 0, 1, 0, "main");
  ev_named(w, GS_TR_THREAD, 0, 1, 0, "main");
  ev(w, GS_TR_STATE, 0, 1, 0, 0, GS_TRS_RUNNABLE);
  ev(w, GS_TR_CORE, 1000, 1, 0, 1, 0);
  ev(w, GS_TR_STATE, 1000, 1, 0, 0, GS_TRS_RUNNING);
  ev(w, GS_TR_GIL, 1234567, 1, 0, 0, 0);
  ev(w, GS_TR_STATE, 1234567, 1, 0, 0, GS_TRS_RUNNING_GIL);
  ev(w, GS_TR_GIL, 2000000, 1, -1, 0, 0);
  ev(w, GS_TR_STATE, 2000000, 1, 0, 0, GS_TRS_IO);
  ev(w, GS_TR_CORE, 2000000, 0, -1, 1, 0);
  ev(w, GS_TR_STATE, 3000001, 1, 0, 0, GS_TRS_DONE);
  gs_error err = {{0}};
  cr_assert_eq(gs_tracew_close(w, 4000000, true, &err), 0, "%s", err.msg);

  char *t = slurp(path);
  cr_expect_eq(strncmp(t, "{\"traceEvents\":[", 16), 0);
  expect_has(t, "\"pid\":2000000,\"name\":\"process_name\",\"args\":{\"name\":\"CPU cores\"}");
  expect_has(t, "\"pid\":2000000,\"tid\":1,\"name\":\"thread_name\","
                "\"args\":{\"name\":\"core 0\"}");
  expect_has(t, "\"pid\":2000000,\"tid\":2,\"name\":\"thread_name\","
                "\"args\":{\"name\":\"core 1\"}");
  cr_expect_null(strstr(t, "\"core 2\""));
  expect_has(t, "\"pid\":1,\"name\":\"process_name\",\"args\":{\"name\":\"main\"}");
  expect_has(t, "\"pid\":1,\"tid\":1,\"name\":\"thread_name\",\"args\":{\"name\":\"main\"}");
  /* Thread states tile: 0-1 us runnable, then running, running (GIL), I/O. */
  expect_has(t, "{\"ph\":\"X\",\"pid\":1,\"tid\":1,\"ts\":0.000,\"dur\":1.000,"
                "\"name\":\"runnable\",\"cname\":\"thread_state_runnable\"}");
  expect_has(t, "\"tid\":1,\"ts\":1.000,\"dur\":1233.567,\"name\":\"running\"");
  expect_has(t, "\"tid\":1,\"ts\":1234.567,\"dur\":765.433,\"name\":\"running (GIL)\","
                "\"cname\":\"good\"");
  expect_has(t, "\"tid\":1,\"ts\":2000.000,\"dur\":1000.001,\"name\":\"I/O\"");
  cr_expect_null(strstr(t, "\"done\""), "done is no slice");
  /* The core ran main from 1 us to 2 ms; the GIL track appeared with it. */
  expect_has(t, "{\"ph\":\"X\",\"pid\":2000000,\"tid\":2,\"ts\":1.000,\"dur\":1999.000,"
                "\"name\":\"main (pid 1)\"}");
  expect_has(t, "\"pid\":1,\"tid\":2000001,\"name\":\"thread_name\","
                "\"args\":{\"name\":\"GIL holder\"}");
  expect_has(t, "{\"ph\":\"X\",\"pid\":1,\"tid\":2000001,\"ts\":1234.567,\"dur\":765.433,"
                "\"name\":\"main\"}");
  expect_has(t, "\n],\n\"displayTimeUnit\":\"ns\",\n\"metadata\":{\"gilsim\":\"" GILSIM_VERSION
                "\",\"scenario\":\"test\",\"seed\":7,\"cores\":2,\"model\":\"threads\","
                "\"gil\":\"new\"}}\n");
  size_t len = strlen(t);
  cr_expect(len > 2 && strcmp(t + len - 2, "}\n") == 0);
  free(t);
  remove_dir(dir, path);
}

Test(trace, closes_open_slices_at_the_end)
{
  char dir[512], path[600];
  make_dir(dir, sizeof dir, path, sizeof path);
  gs_tracew *w = open_ok(path, &info2);
  ev_named(w, GS_TR_PROC, 0, 1, 0, "main");
  ev_named(w, GS_TR_THREAD, 0, 1, 0, "main");
  ev(w, GS_TR_STATE, 0, 1, 0, 0, GS_TRS_RUNNING_GIL);
  ev(w, GS_TR_CORE, 0, 1, 0, 0, 0);
  ev(w, GS_TR_GIL, 0, 1, 0, 0, 0);
  ev_io(w, GS_TR_IO_BEGIN, 500, 1, 0, 0xabc, 4096);
  ev_io(w, GS_TR_IO_BEGIN, 600, 1, 0, 12, 1);
  ev_io(w, GS_TR_IO_END, 700, 1, 0, 12, 1);
  ev_io(w, GS_TR_IO_END, 800, 1, 0, 99, 1); /* never begun: dropped */
  gs_error err = {{0}};
  /* The end is before the last event: slices close at the last event. */
  cr_assert_eq(gs_tracew_close(w, 100, true, &err), 0, "%s", err.msg);
  char *t = slurp(path);
  expect_has(t, "{\"ph\":\"X\",\"pid\":1,\"tid\":1,\"ts\":0.000,\"dur\":0.800,"
                "\"name\":\"running (GIL)\"");
  expect_has(t, "{\"ph\":\"X\",\"pid\":2000000,\"tid\":1,\"ts\":0.000,\"dur\":0.800,"
                "\"name\":\"main (pid 1)\"}");
  expect_has(t, "{\"ph\":\"X\",\"pid\":1,\"tid\":2000001,\"ts\":0.000,\"dur\":0.800,"
                "\"name\":\"main\"}");
  expect_has(t, "{\"ph\":\"b\",\"cat\":\"io\",\"id\":\"0xabc\",\"name\":\"transfer\",\"pid\":1,"
                "\"tid\":1,\"ts\":0.500,\"args\":{\"bytes\":4096}}");
  expect_has(t, "{\"ph\":\"e\",\"cat\":\"io\",\"id\":\"0xc\",\"name\":\"transfer\",\"pid\":1,"
                "\"tid\":1,\"ts\":0.700}");
  expect_has(t, "{\"ph\":\"e\",\"cat\":\"io\",\"id\":\"0xabc\",\"name\":\"transfer\",\"pid\":1,"
                "\"tid\":1,\"ts\":0.800}");
  cr_expect_eq(count_str(t, "\"ph\":\"b\""), 2);
  cr_expect_eq(count_str(t, "\"ph\":\"e\""), 2);
  cr_expect_null(strstr(t, "0x63"), "an end without a begin is dropped");
  free(t);
  remove_dir(dir, path);
}

Test(trace, drops_empty_slices_and_formats_counters)
{
  char dir[512], path[600];
  make_dir(dir, sizeof dir, path, sizeof path);
  gs_tracew *w = open_ok(path, &info2);
  ev_named(w, GS_TR_THREAD, 0, 1, 3, "w");
  ev(w, GS_TR_STATE, 5, 1, 3, 0, GS_TRS_RUNNABLE);
  ev(w, GS_TR_STATE, 5, 1, 3, 0, GS_TRS_RUNNING); /* 0 ns runnable: no slice */
  ev(w, GS_TR_STATE, 7, 1, 3, 0, GS_TRS_SLEEP);
  gs_trace_event c = {.kind = GS_TR_COUNTER, .at = 9, .name = "runnable threads", .count = -3};
  gs_tracew_event(w, &c);
  gs_error err = {{0}};
  cr_assert_eq(gs_tracew_close(w, 1000000000123, true, &err), 0, "%s", err.msg);
  char *t = slurp(path);
  cr_expect_null(strstr(t, "\"runnable\""));
  expect_has(t, "\"pid\":1,\"tid\":4,\"ts\":0.005,\"dur\":0.002,\"name\":\"running\"");
  expect_has(t, "\"pid\":1,\"tid\":4,\"ts\":0.007,\"dur\":1000000000.116,\"name\":\"sleeping\"");
  expect_has(t, "{\"ph\":\"C\",\"pid\":2000000,\"ts\":0.009,\"name\":\"runnable threads\","
                "\"args\":{\"value\":-3}}");
  free(t);
  remove_dir(dir, path);
}

Test(trace, escapes_strings)
{
  char dir[512], path[600];
  make_dir(dir, sizeof dir, path, sizeof path);
  gs_tracew_info info = info2;
  info.scenario = "a\"b\\c\n\x01 \xc3\xa9 \xff";
  gs_tracew *w = open_ok(path, &info);
  ev_named(w, GS_TR_PROC, 0, 2, 0, "tab\there");
  gs_error err = {{0}};
  cr_assert_eq(gs_tracew_close(w, 0, true, &err), 0, "%s", err.msg);
  char *t = slurp(path);
  expect_has(t, "\"scenario\":\"a\\\"b\\\\c\\u000a\\u0001 \xc3\xa9 \\ufffd\"");
  expect_has(t, "\"args\":{\"name\":\"tab\\u0009here\"}");
  free(t);
  remove_dir(dir, path);
}

Test(trace, many_io_in_flight)
{
  /* Enough transfers to grow the table several times, ended in a
   * scrambled order, so that removal keeps every other one findable. */
  char dir[512], path[600];
  make_dir(dir, sizeof dir, path, sizeof path);
  gs_tracew *w = open_ok(path, &info2);
  enum { N = 1000 };
  for (uint64_t i = 0; i < N; i++)
    ev_io(w, GS_TR_IO_BEGIN, 1, 1, 0, i * 64, 1);
  for (uint64_t i = 0; i < N; i += 2)
    ev_io(w, GS_TR_IO_END, 2, 1, 0, (i * 7919 % N) * 64, 1);
  gs_error err = {{0}};
  cr_assert_eq(gs_tracew_close(w, 3, true, &err), 0, "%s", err.msg);
  char *t = slurp(path);
  cr_expect_eq(count_str(t, "\"ph\":\"b\""), N);
  cr_expect_eq(count_str(t, "\"ph\":\"e\""), N);
  cr_expect_eq(count_str(t, "\"ts\":0.002}"), N / 2);
  cr_expect_eq(count_str(t, "\"ts\":0.003}"), N / 2);
  free(t);
  remove_dir(dir, path);
}

/* ---- Files ---------------------------------------------------------------------- */

Test(trace, nothing_appears_before_commit)
{
  char dir[512], path[600];
  make_dir(dir, sizeof dir, path, sizeof path);
  gs_tracew *w = open_ok(path, &info2);
  struct stat st;
  cr_expect_neq(stat(path, &st), 0, "the destination appeared before commit");
  const char *tmp = gs_tracew_temp_path(w);
  cr_assert_not_null(tmp);
  cr_expect_eq(strncmp(tmp, path, strlen(path)), 0, "temporary %s not beside %s", tmp, path);
  cr_expect_eq(stat(tmp, &st), 0);
  gs_error err = {{0}};
  cr_assert_eq(gs_tracew_close(w, 0, true, &err), 0, "%s", err.msg);
  cr_expect_eq(stat(path, &st), 0);
  cr_expect_eq(count_entries(dir), 1, "the temporary file is left");
  remove_dir(dir, path);
}

Test(trace, discard_keeps_the_old_file)
{
  char dir[512], path[600];
  make_dir(dir, sizeof dir, path, sizeof path);
  FILE *f = fopen(path, "w");
  cr_assert_not_null(f);
  fputs("old", f);
  fclose(f);
  gs_tracew *w = open_ok(path, &info2);
  ev_named(w, GS_TR_PROC, 0, 1, 0, "main");
  gs_error err = {{0}};
  cr_expect_eq(gs_tracew_close(w, 0, false, &err), 0);
  char *t = slurp(path);
  cr_expect_str_eq(t, "old");
  free(t);
  cr_expect_eq(count_entries(dir), 1, "the temporary file is left");
  remove_dir(dir, path);
  cr_expect_eq(gs_tracew_close(NULL, 0, true, &err), 0);
}

Test(trace, unwritable_destinations)
{
  gs_error err = {{0}};
  errno = 0;
  cr_expect_null(gs_tracew_open("/nonexistent/dir/t.json", &info2, &err));
  cr_expect_eq(errno, ENOENT);
  cr_expect_str_eq(err.msg,
                   "cannot write trace '/nonexistent/dir/t.json': No such file or directory");
  char dir[512], path[600];
  make_dir(dir, sizeof dir, path, sizeof path);
  cr_expect_null(gs_tracew_open(dir, &info2, &err), "a directory is no trace file");
  cr_expect_eq(errno, EISDIR);
  cr_expect_not_null(strstr(err.msg, "Is a directory"), "%s", err.msg);
  remove_dir(dir, path);
}

/* ---- Real runs ------------------------------------------------------------------- */

/* Trace sc into a fresh file; check that the run matches an untraced one
 * and return the trace's text. */
static char *trace_run(gs_scenario *sc, int cores)
{
  char dir[512], path[600];
  make_dir(dir, sizeof dir, path, sizeof path);
  gs_tracew_info info = {.scenario = "run", .seed = sc->seed, .cores = cores,
                         .model = gs_model_name(sc->model), .gil = "new"};
  gs_tracew *w = open_ok(path, &info);
  gs_results *r = NULL, *plain = NULL;
  gs_error err = {{0}};
  cr_assert_eq(gs_run_traced(sc, gs_tracew_event, w, &r, &err), GS_OK, "%s", err.msg);
  cr_assert_eq(gs_run(sc, &plain, &err), GS_OK, "%s", err.msg);
  cr_expect_eq(r->wall, plain->wall, "tracing changed the run");
  cr_expect_eq(r->events, plain->events, "tracing changed the run");
  cr_assert_eq(gs_tracew_close(w, r->wall, true, &err), 0, "%s", err.msg);
  gs_results_free(r);
  gs_results_free(plain);
  char *t = slurp(path);
  remove_dir(dir, path);
  return t;
}

Test(trace, countdown_shows_the_gil)
{
  gs_scenario *sc = ts_countdown(GS_GIL_NEW, 2, 2000000);
  char *t = trace_run(sc, 2);
  ts_free(sc);
  expect_has(t, "\"name\":\"waiting for GIL\",\"cname\":\"terrible\"");
  expect_has(t, "\"args\":{\"name\":\"GIL holder\"}");
  expect_has(t, "\"name\":\"worker-1 (pid 1)\"");
  expect_has(t, "\"tid\":2000001,");
  cr_expect_null(strstr(t, "\"dur\":-"));
  cr_expect_null(strstr(t, "\"ts\":-"));
  free(t);
}

Test(trace, no_gil_no_gil_track)
{
  gs_scenario *sc = ts_countdown(GS_GIL_NONE, 2, 2000000);
  char *t = trace_run(sc, 2);
  ts_free(sc);
  cr_expect_null(strstr(t, "GIL"));
  free(t);
}

Test(trace, downloads_are_async_slices)
{
  gs_scenario *sc = ts_download(GS_MODEL_THREADS, 5, 100000, 1e6, 10 * GS_MS);
  char *t = trace_run(sc, 2);
  ts_free(sc);
  cr_expect_eq(count_str(t, "\"ph\":\"b\",\"cat\":\"io\""), 5);
  cr_expect_eq(count_str(t, "\"ph\":\"e\",\"cat\":\"io\""), 5);
  expect_has(t, "\"args\":{\"bytes\":100000}");
  expect_has(t, "\"name\":\"transfers in flight\"");
  expect_has(t, "\"name\":\"I/O\"");
  free(t);
}
