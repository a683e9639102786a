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

/* What the command line asks of run, measure, validate, sweep or viz. */
typedef struct {
  const char *file;  /* files[0], or NULL */
  const char *files[64];
  int nfiles;
  int cores, workers; /* 0: keep the scenario's */
  int model, sched, runtime, gil; /* -1: keep the scenario's */
  int have_seed;
  uint64_t seed;
  gs_params set; /* --set values; set.set marks which */
  report_format format;
  const char *trace;       /* --trace FILE, or NULL */
  int measure;             /* a real run: no calibration applies */
  int repeat;              /* measure, validate: repetitions of each configuration */
  const char *csv;         /* measure: append a row; validate, sweep: write here */
  const char *calibration; /* --calibration FILE or "none"; NULL: the default choice */
} run_args;

/* Which of the optional common options a command accepts. */
enum {
  CLI_OPT_FORMAT = 1u << 0,
  CLI_OPT_TRACE = 1u << 1,
  CLI_OPT_REPEAT = 1u << 2,
  CLI_OPT_CSV = 1u << 3,
  CLI_OPT_CALIBRATION = 1u << 4,
};

/* Values of a command's own long options start here. */
#define CLI_EXTRA_BASE 1000

struct option;

/* A command that takes scenario options. */
typedef struct cli_command {
  const char *prog;  /* "gilsim" or "gilsim-viz": starts every message */
  const char *name;  /* "run" for "Try 'gilsim run --help'"; NULL: none */
  const char *usage; /* the usage lines, each ending in a newline */
  void (*help)(FILE *f); /* the rest of --help, after the usage */
  unsigned allow;    /* CLI_OPT_ flags */
  int max_files;     /* operands accepted (0: one) */
  int files_optional;
  const struct option *extra; /* the command's own options (val >= CLI_EXTRA_BASE), or NULL */
  /* Handle one of them: 0, or an exit status after cli_usage_error. */
  int (*on_extra)(void *ctx, int val, const char *arg, const struct cli_command *cmd);
  void *ctx;
} cli_command;

void cli_args_init(run_args *a);
/* Parse argv (argv[0] is the command's name); -1 to go on, else an exit
 * status (after --help, or after a usage error on stderr). */
int cli_parse(int argc, char **argv, run_args *a, const cli_command *cmd);
/* "prog: message", the usage and a pointer to --help on stderr; EXIT_USAGE. */
int cli_usage_error(const cli_command *cmd, const char *fmt, ...)
  __attribute__((format(printf, 2, 3)));
/* The scenario options' help lines (--cores ... --calibration). */
void cli_put_scenario_options(FILE *f);
const char *cli_model_list(void);
/* A whole decimal integer in [lo, hi]; 0, or -1 if malformed. */
int cli_parse_int(const char *s, long long lo, long long hi, int *out);
int cli_parse_u64(const char *s, uint64_t *out);

/* "1,2,4", "1-64", "1..16" or a mix: distinct integers in [lo, hi], in
 * the order given, at most max of them; 0, or -1 if malformed or empty. */
int cli_parse_int_list(const char *s, int lo, int hi, int *out, int max, int *n);
/* "threads,processes": each name through parse (-1: unknown); 0 or -1. */
int cli_parse_name_list(const char *s, int (*parse)(const char *), int *out, int max, int *n);

/* A CSV field, quoted when it needs to be (RFC 4180). */
void cli_csv_field(FILE *f, const char *s);
/* Write len bytes to a temporary file beside path (guarded: removed if a
 * signal ends the tool), then rename it over path: the file is whole or as
 * it was (output.h).  0, or EXIT_FAIL after saying why. */
int cli_write_whole(const char *path, const char *data, size_t len);
/* Seconds on the monotonic clock. */
double cli_now(void);
/* "42s", "3m05s", "1h02m". */
void cli_put_duration(FILE *f, double seconds);
/* Redraw the progress bar on stderr: done of total, elapsed since started
 * (cli_now), time left, and what runs now.  Callers draw it only when
 * stderr is a terminal. */
void cli_progress(int done, int total, double started, const char *what);

/* The lists validate and sweep take: --cores, --workers, --models. */
#define CLI_MAX_LIST 256
typedef struct {
  int cores[CLI_MAX_LIST], ncores;
  int workers[CLI_MAX_LIST], nworkers;
  int models[8], nmodels;
} cli_lists;
/* Option values for them (a command's own range of values). */
enum { CLI_LIST_CORES = CLI_EXTRA_BASE + 900, CLI_LIST_WORKERS, CLI_LIST_MODELS };
/* Parse one of them into l; 0, or exit 2 after the message. */
int cli_list_option(const cli_command *cmd, int val, const char *arg, cli_lists *l);

/* Apply the command line's overrides to a loaded scenario. */
void cli_apply(const run_args *a, gs_scenario *sc);
/* Load FILE, apply the overrides, check, and choose the calibration; 0 or
 * an exit status after saying why on stderr.  quiet: no warning when this
 * host has no calibration. */
int cli_load_scenario(const run_args *a, const char *file, gs_scenario **out, int quiet);
/* Set sc's calibration as --calibration, GILSIM_CALIBRATION, the scenario
 * and this host's data/calibration/HOST.cfg decide; 0 or an exit status. */
int cli_choose_calibration(const run_args *a, gs_scenario *sc, int quiet);
/* This host's calibration file: 0 and its path when it exists, 1 and the
 * path it would have when it does not, -1 when the host has no usable name. */
int cli_host_calibration(char *buf, size_t n);
/* Host name, CPU model, kernel release (and machine, if asked). */
void cli_host_facts(char *host, size_t nh, char *cpu, size_t nc, char *kernel, size_t nk,
                    int with_machine);

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
/* GS_OK if sc can be measured on this machine, else why (runs nothing). */
gs_err measure_check(const gs_scenario *sc, gs_error *err);
/* One real run of sc, confined to sc->cores CPUs. */
gs_err measure_once(const gs_scenario *sc, gs_results **out, gs_error *err);

/* gilsim validate and gilsim sweep: argv[0] is the command's name. */
/* The result of a python3 child that exited with status after printing
 * reply (taken over and freed): its JSON object, or NULL and why in err
 * (python3 missing, killed, failed, unreadable). */
struct json_object *cli_python_reply(const char *python, const char *script, int status,
                                     char *reply, gs_error *err);

int cmd_validate(int argc, char **argv);
int cmd_sweep(int argc, char **argv);
void put_measure_details(FILE *f);

/* gilsim calibrate (calibrate.c): argv[0] is "calibrate". */
int cmd_calibrate(int argc, char **argv);
void put_calibrate_details(FILE *f);

#endif
