/*
 * fuzz_scenario.c - libFuzzer target: a scenario file's text, loaded the
 * way `gilsim run` loads it, then checked, run and reported.
 *
 * Each input is written to one file (a private folder under $TMPDIR, made
 * once per process) and handed to gs_scenario_load, so the whole path of a
 * real run is taken: reading the file, the integer scan, libconfig, every
 * check of scenario.c.  The same file is also loaded as a calibration
 * (the same parser with other groups).  A scenario that loads goes through
 * gs_scenario_check and, when it is small, a simulation traced by the trace
 * writer and reported in the three formats, so that the simulator, the
 * trace writer and the reports meet the values the loader lets through.
 *
 * Cost per input: the load is O(file size + tasks); the run is capped at
 * FUZZ_MAX_EVENTS events, FUZZ_MAX_CORES cores and FUZZ_MAX_WORKERS
 * workers, and skipped above FUZZ_MAX_TASKS tasks, so that one input takes
 * well under a millisecond to a few milliseconds.
 *
 * The folder holds, beside the scenario, links to the sample files of
 * tests/bad/ and, one level up, to data/, so that the empirical
 * distributions of the seed corpus ("samples-values.txt",
 * "../data/latency/...") resolve as they do in the source tree.
 */
#define _GNU_SOURCE /* open_memstream, mkdtemp */

#include "gs.h"
#include "report.h"
#include "trace.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef GILSIM_SOURCE_DIR
#error "GILSIM_SOURCE_DIR must name the source tree (the build sets it)"
#endif

/* The caps that keep one input fast (see the header). */
#define FUZZ_MAX_EVENTS 2000 /* the least max_events allows is 1000 */
#define FUZZ_MAX_CORES 8
#define FUZZ_MAX_WORKERS 8
#define FUZZ_MAX_TASKS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char top[4096];       /* the private folder */
static char scenario[4200];  /* top/s/scenario.cfg */
static char trace_path[4200];

static void link_into(const char *target, const char *dir, const char *name)
{
  char path[4400];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  if (symlink(target, path) != 0)
    fprintf(stderr, "fuzz_scenario: cannot link %s: %s\n", path, strerror(errno));
}

static void remove_folder(void)
{
  static const char *const names[] = {
    "s/scenario.cfg", "s/trace.json", "s/samples-values.txt", "s/samples-empty.txt",
    "s/samples-malformed.txt", "s/samples-negative.txt", "s", "data",
  };
  char path[4400];
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    snprintf(path, sizeof path, "%s/%s", top, names[i]);
    if (unlink(path) != 0)
      rmdir(path);
  }
  rmdir(top);
}

static int setup(void)
{
  const char *tmp = getenv("TMPDIR");
  snprintf(top, sizeof top, "%s/gilsim-fuzz.XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (!mkdtemp(top)) {
    fprintf(stderr, "fuzz_scenario: mkdtemp %s: %s\n", top, strerror(errno));
    return -1;
  }
  char dir[4200];
  snprintf(dir, sizeof dir, "%s/s", top);
  if (mkdir(dir, 0700) != 0) {
    fprintf(stderr, "fuzz_scenario: mkdir %s: %s\n", dir, strerror(errno));
    return -1;
  }
  atexit(remove_folder);
  link_into(GILSIM_SOURCE_DIR "/data", top, "data");
  static const char *const samples[] = {"samples-values.txt", "samples-empty.txt",
                                        "samples-malformed.txt", "samples-negative.txt"};
  for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
    char target[4400];
    snprintf(target, sizeof target, "%s/tests/bad/%s", GILSIM_SOURCE_DIR, samples[i]);
    link_into(target, dir, samples[i]);
  }
  snprintf(scenario, sizeof scenario, "%s/scenario.cfg", dir);
  snprintf(trace_path, sizeof trace_path, "%s/trace.json", dir);
  return 0;
}

static int write_input(const uint8_t *data, size_t size)
{
  int fd = open(scenario, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0)
    return -1;
  size_t done = 0;
  while (done < size) {
    ssize_t n = write(fd, data + done, size - done);
    if (n <= 0) {
      close(fd);
      return -1;
    }
    done += (size_t)n;
  }
  return close(fd);
}

/* Format every report into memory and throw it away. */
static void report_all(const gs_scenario *sc, const gs_results *r)
{
  char *buf = NULL;
  size_t len = 0;
  FILE *m = open_memstream(&buf, &len);
  if (!m)
    return;
  gs_report_text(m, sc, r);
  gs_report_json(m, sc, r);
  gs_report_csv_header(m);
  gs_report_csv_row(m, sc, r);
  fclose(m);
  free(buf);
}

static void run_small(gs_scenario *sc)
{
  if (sc->ntasks > FUZZ_MAX_TASKS)
    return;
  if (sc->cores > FUZZ_MAX_CORES)
    sc->cores = FUZZ_MAX_CORES;
  if (sc->workers > FUZZ_MAX_WORKERS)
    sc->workers = FUZZ_MAX_WORKERS;
  sc->params.v[GS_P_MAX_EVENTS] = FUZZ_MAX_EVENTS;
  sc->params.set |= UINT64_C(1) << GS_P_MAX_EVENTS;
  gs_error err = {{0}};
  if (gs_scenario_check(sc, &err) != GS_OK)
    return;

  gs_tracew_info info = {
    .scenario = sc->name,
    .seed = sc->seed,
    .cores = sc->cores,
    .model = gs_model_name(sc->model),
    .gil = gs_gil_name(gs_gil_effective(sc->gil, sc->runtime)),
  };
  gs_tracew *w = gs_tracew_open(trace_path, &info, &err);
  gs_results *r = NULL;
  gs_err e = gs_run_traced(sc, w ? gs_tracew_event : NULL, w, &r, &err);
  /* Never commit: that would fsync the trace, milliseconds per input. */
  gs_tracew_close(w, 0, false, &err);
  if (e == GS_OK) {
    report_all(sc, r);
    gs_results_free(r);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static int ready;
  if (!ready) {
    if (setup() != 0)
      abort();
    ready = 1;
  }
  if (write_input(data, size) != 0) {
    fprintf(stderr, "fuzz_scenario: cannot write %s: %s\n", scenario, strerror(errno));
    abort();
  }

  gs_error err = {{0}};
  gs_calibration *cal = NULL;
  if (gs_calibration_load(scenario, &cal, &err) == GS_OK)
    gs_calibration_free(cal);

  gs_scenario *sc = NULL;
  if (gs_scenario_load(scenario, &sc, &err) != GS_OK)
    return 0;
  /* The check as loaded (what `gilsim run` does with no option), then the
   * run with the caps applied. */
  if (gs_scenario_check(sc, &err) == GS_OK)
    run_small(sc);
  gs_scenario_free(sc);
  return 0;
}
