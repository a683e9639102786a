/*
 * cli.h - what the subcommands of the gilsim tool share: the parsed
 * command line, report formatting and trace handling (main.c), and the
 * measure command (measure.c).
 */
#ifndef GS_CLI_H
#define GS_CLI_H

#include "gs.h"
#include "trace.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

typedef enum { FMT_TEXT, FMT_JSON, FMT_CSV } report_format;

/* What the command line asks of run or measure. */
typedef struct {
  const char *file;
  int cores, workers; /* 0: keep the scenario's */
  int model, sched, runtime, gil; /* -1: keep the scenario's */
  int have_seed;
  uint64_t seed;
  gs_params set; /* --set values; set.set marks which */
  report_format format;
  const char *trace; /* --trace FILE, or NULL */
  int measure;       /* parsing for measure: --repeat and --csv allowed */
  int repeat;        /* measure: repetitions of each configuration */
  const char *csv;   /* measure: append a row to this file */
} run_args;

/* Apply the command line's overrides to a loaded scenario. */
void cli_apply(const run_args *a, gs_scenario *sc);
/* The whole report in a.format, formatted in memory; NULL (errno set) on
 * failure. */
char *cli_report(const run_args *a, const gs_scenario *sc, const gs_results *r, size_t *len);
/* Start the trace named by --trace (or none); 0 or an exit status. */
int cli_open_trace(const run_args *a, const gs_scenario *sc, gs_tracew **out);
/* Commit (or discard) the trace; 0 or EXIT_FAIL after saying why. */
int cli_close_trace(gs_tracew *w, gs_time end, bool commit);
/* Flush and close stdout: status, or EXIT_FAIL on a write error. */
int cli_finish_stdout(int status);

/* gilsim measure, after parsing. */
int cmd_measure(const run_args *a);
void put_measure_details(FILE *f);

/* gilsim calibrate (calibrate.c): argv[0] is "calibrate". */
int cmd_calibrate(int argc, char **argv);
void put_calibrate_details(FILE *f);

#endif
