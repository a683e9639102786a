/*
 * main.c - the gilsim command-line tool: argument parsing and subcommands.
 *
 *   gilsim run FILE [options]   simulate a scenario and print a report
 *   gilsim params               list the model parameters
 *   gilsim calibrate [-o FILE]  time primitive costs on this host
 *   gilsim --help | --version
 *
 * Exit status: 0 success, 1 simulation or write failure, 2 bad input.
 * Errors go to stderr as "gilsim: ..."; a report is formatted in memory
 * and written to stdout only once complete, so a failed run prints nothing
 * there.  A trace (--trace) is streamed to a temporary file that replaces
 * the named one only when everything succeeded.  Every command runs under
 * the signal guard (guard.h): ^C, SIGTERM or SIGHUP kill the children the
 * command started (child.h) and remove its temporary files before the tool
 * dies of the signal; ^Z stops the children with the tool.
 */
#define _GNU_SOURCE /* getopt_long */

#include "gs.h"
#include "child.h"
#include "guard.h"
#include "report.h"
#include "trace.h"
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef GILSIM_VERSION
#error "GILSIM_VERSION must be defined (the build does it from the project version)"
#endif


static const char run_usage[] =
  "usage: gilsim run FILE [--cores N] [--model M] [--workers W] [--scheduler P]\n"
  "                  [--runtime R] [--gil G] [--seed S] [--set key=value]...\n"
  "                  [--calibration FILE|none] [--format text|json|csv]\n"
  "                  [--trace FILE.json]\n";

static const char measure_usage[] =
  "usage: gilsim measure FILE [--cores N] [--model M] [--workers W] [--gil G]\n"
  "                  [--seed S] [--set key=value]... [--repeat R]\n"
  "                  [--format text|json|csv] [--csv FILE] [--trace FILE.json]\n";


static const char main_usage[] =
  "usage: gilsim run FILE [options]\n"
  "       gilsim measure FILE [options]\n"
  "       gilsim sweep FILE [options] | --merge A.csv B.csv...\n"
  "       gilsim validate [FILE...] [options]\n"
  "       gilsim params\n"
  "       gilsim calibrate [-o FILE] [--quick]\n"
  "       gilsim --help | --version\n";

/* The options of run, the report formats and the exit statuses: shown by
 * both `gilsim --help` and `gilsim run --help`. */
static void put_run_details(FILE *f)
{
  fputs("Options of run (each overrides the scenario file's setting; they may come\n"
        "before or after FILE):\n",
        f);
  cli_put_scenario_options(f);
  fprintf(f,
    "  --format F         report format: text (the default), json or csv\n"
    "  --trace FILE       also write a trace of the run to FILE, in the Chrome\n"
    "                     trace-event JSON format: open it in ui.perfetto.dev or\n"
    "                     chrome://tracing.  One track per core, per thread\n"
    "                     (its states: running, waiting for GIL, I/O...) and per\n"
    "                     GIL (its holder); the report is the same with or\n"
    "                     without it.  FILE is replaced only if the run succeeds\n"
    "  -h, --help         show this help and exit\n"
    "\n"
    "Report formats:\n"
    "  text   settings; per-process, per-thread and per-core tables, and GIL\n"
    "         statistics per process; the tasks (primes: each number and its\n"
    "         least prime factor, checked); event-loop, network or convoy figures\n"
    "         where the run has them; the event count; IPython-style\n"
    "         \"CPU times\" and \"Wall time\" lines\n"
    "  json   one object: settings, every parameter, wall_s, user_s, sys_s,\n"
    "         events, processes, threads, core_usage, tasks, gil (mode and\n"
    "         statistics), loop, net and convoy; times in seconds with nine\n"
    "         decimals (exact ns)\n"
    "  csv    a header line and one summary row (counters summed over threads)\n"
    "All times are simulated; equal inputs give byte-equal reports.\n"
    "\n"
    "Exit status:\n"
    "  0  success\n"
    "  1  the simulation failed (deadlock, event limit, no memory) or the report\n"
    "     or the trace could not be written\n"
    "  2  bad command line or scenario file, or a trace FILE that cannot be\n"
    "     created\n");
}

/* A usage error before any command: "gilsim: what 'arg'" and the usage. */
static int main_usage_error(const char *what, const char *arg)
{
  if (arg)
    fprintf(stderr, "gilsim: %s '%s'\n", what, arg);
  else
    fprintf(stderr, "gilsim: %s\n", what);
  fputs(main_usage, stderr);
  fputs("Try 'gilsim --help'.\n", stderr);
  return EXIT_USAGE;
}

/* Format the whole report in memory; NULL (errno set) on failure. */
char *cli_report(const run_args *a, const gs_scenario *sc, const gs_results *r, size_t *len)
{
  char *buf = NULL;
  FILE *m = open_memstream(&buf, len);
  if (!m)
    return NULL;
  int rc;
  switch (a->format) {
  case FMT_JSON:
    rc = gs_report_json(m, sc, r);
    break;
  case FMT_CSV:
    rc = gs_report_csv_header(m);
    if (rc == 0)
      rc = gs_report_csv_row(m, sc, r);
    break;
  default:
    rc = gs_report_text(m, sc, r);
    break;
  }
  int e = errno;
  if (fclose(m) != 0 && rc == 0) {
    rc = -1;
    e = errno;
  }
  if (rc != 0) {
    free(buf);
    errno = e ? e : ENOMEM;
    return NULL;
  }
  return buf;
}

/* Start the trace of sc, or NULL when --trace is not given.  Failure is a
 * usage error (exit 2), reported before the run wastes any time. */
int cli_open_trace(const run_args *a, const gs_scenario *sc, gs_tracew **out)
{
  *out = NULL;
  if (!a->trace)
    return 0;
  gs_tracew_info info = {
    .scenario = sc->name,
    .seed = sc->seed,
    .cores = sc->cores,
    .model = gs_model_name(sc->model),
    .gil = gs_gil_name(gs_gil_effective(sc->gil, sc->runtime)),
  };
  gs_error err = {{0}};
  *out = gs_tracew_open(a->trace, &info, &err);
  if (!*out) {
    fprintf(stderr, "gilsim: %s\n", err.msg);
    return errno == ENOMEM ? EXIT_FAIL : EXIT_USAGE;
  }
  /* Removed if SIGINT, SIGTERM or SIGHUP interrupts a long run. */
  cli_guard_file(gs_tracew_temp_path(*out));
  return 0;
}

/* Finish the trace: commit it after a successful run, discard it after a
 * failed one.  Returns 0, or EXIT_FAIL after saying what went wrong. */
int cli_close_trace(gs_tracew *w, gs_time end, bool commit)
{
  if (!w)
    return 0;
  gs_error err = {{0}};
  char tmp[4400];
  snprintf(tmp, sizeof tmp, "%s", gs_tracew_temp_path(w));
  int rc = gs_tracew_close(w, end, commit, &err);
  cli_guard_release(tmp);
  if (rc != 0) {
    fprintf(stderr, "gilsim: %s\n", err.msg);
    return EXIT_FAIL;
  }
  return 0;
}

static void run_help(FILE *f)
{
  fputs("\nSimulate the scenario in FILE (a libconfig file) and print a report of\n"
        "where the simulated time went.\n\n", f);
  put_run_details(f);
}

static const cli_command run_cmd = {
  .prog = "gilsim", .name = "run", .usage = run_usage, .help = run_help,
  .allow = CLI_OPT_FORMAT | CLI_OPT_TRACE | CLI_OPT_CALIBRATION,
};

static int cmd_run(int argc, char **argv)
{
  run_args a;
  cli_args_init(&a);
  int status = cli_parse(argc, argv, &a, &run_cmd);
  if (status >= 0)
    return status;

  gs_error err = {{0}};
  gs_scenario *sc = NULL;
  status = cli_load_scenario(&a, a.file, &sc, 0);
  if (status)
    return status;

  gs_tracew *trace = NULL;
  status = cli_open_trace(&a, sc, &trace);
  if (status) {
    gs_scenario_free(sc);
    return status;
  }

  /* The same run either way: the trace only watches it. */
  gs_results *r = NULL;
  gs_err run_e = gs_run_traced(sc, trace ? gs_tracew_event : NULL, trace, &r, &err);
  if (run_e != GS_OK) {
    cli_close_trace(trace, 0, false);
    fprintf(stderr, "gilsim: simulation failed: %s\n", err.msg);
    gs_scenario_free(sc);
    return EXIT_FAIL;
  }

  size_t len = 0;
  char *report = cli_report(&a, sc, r, &len);
  int report_errno = errno;
  gs_time end = r->wall;
  gs_results_free(r);
  gs_scenario_free(sc);
  if (!report) {
    cli_close_trace(trace, 0, false);
    fprintf(stderr, "gilsim: cannot format the report: %s\n", strerror(report_errno));
    return EXIT_FAIL;
  }
  /* Commit the trace before printing, so that a trace that cannot be
   * written fails the command with nothing on stdout. */
  if (cli_close_trace(trace, end, true) != 0) {
    free(report);
    return EXIT_FAIL;
  }
  errno = 0;
  fwrite(report, 1, len, stdout);
  free(report);
  return cli_finish_stdout(EXIT_OK);
}

/* ---- params -------------------------------------------------------------- */

/* Print text word-wrapped to width columns, each line indented. */
static void put_wrapped(FILE *f, const char *text, int indent, int width)
{
  const char *s = text;
  while (*s) {
    while (*s == ' ')
      s++;
    if (!*s)
      break;
    /* Take words while they fit (at least one). */
    const char *line_end = s, *p = s;
    while (*p) {
      const char *w = p;
      while (*w == ' ')
        w++;
      const char *we = w;
      while (*we && *we != ' ')
        we++;
      if (line_end != s && indent + (we - s) > width)
        break;
      line_end = we;
      p = we;
    }
    fprintf(f, "%*s%.*s\n", indent, "", (int)(line_end - s), s);
    s = line_end;
  }
}

static int cmd_params(int argc, char **argv)
{
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      fputs("usage: gilsim params\n\n"
            "List the model parameters: name, unit, default for runtime c, default\n"
            "for runtime cpython, and what each one means.  Set them in a\n"
            "scenario's params group or with 'gilsim run FILE --set name=value'.\n",
            stdout);
      return cli_finish_stdout(EXIT_OK);
    }
    fprintf(stderr, "gilsim: params: unexpected argument '%s'\n", argv[i]);
    fputs("usage: gilsim params\n", stderr);
    return EXIT_USAGE;
  }

  char dc[32], dp[32];
  int wname = (int)strlen("name"), wc = (int)strlen("default c"),
      wp = (int)strlen("default cpython");
  for (int i = 0; i < GS_P_COUNT; i++) {
    const gs_param_info *pi = gs_param_info_get((gs_param_id)i);
    int n = (int)strlen(pi->name);
    if (n > wname)
      wname = n;
    n = snprintf(dc, sizeof dc, "%.15g", pi->def_c);
    if (n > wc)
      wc = n;
    n = snprintf(dp, sizeof dp, "%.15g", pi->def_cpython);
    if (n > wp)
      wp = n;
  }
  printf("Model parameters: override them with --set name=value (durations accept\n"
         "ns, us, ms, s or min units; a bare number is ns).\n\n");
  printf("%-*s  %-5s  %*s  %*s\n", wname, "name", "unit", wc, "default c", wp,
         "default cpython");
  for (int i = 0; i < GS_P_COUNT; i++) {
    const gs_param_info *pi = gs_param_info_get((gs_param_id)i);
    snprintf(dc, sizeof dc, "%.15g", pi->def_c);
    snprintf(dp, sizeof dp, "%.15g", pi->def_cpython);
    printf("%-*s  %-5s  %*s  %*s\n", wname, pi->name, pi->unit, wc, dc, wp, dp);
    put_wrapped(stdout, pi->doc, 4, 78);
  }
  return cli_finish_stdout(EXIT_OK);
}

/* ---- main ---------------------------------------------------------------- */

static int main_help(void)
{
  fputs(main_usage, stdout);
  fputs("\n"
        "gilsim simulates CPU cores, an OS scheduler, and threads or processes\n"
        "running a workload, as a deterministic discrete-event simulation, and\n"
        "reports where the simulated time went.\n"
        "\n"
        "Commands:\n"
        "  run FILE [options]  simulate the scenario file FILE and print a report\n"
        "                      ('gilsim run --help' shows just its help)\n"
        "  measure FILE [options]\n"
        "                      run the scenario's workload for real on this\n"
        "                      machine and report it the same way\n"
        "                      ('gilsim measure --help')\n"
        "  params              list every model parameter with its unit, defaults\n"
        "                      and meaning (values for --set)\n"
        "  calibrate [-o FILE] [--quick]\n"
        "                      time primitive costs (a division, a context\n"
        "                      switch, a fork...) on this host for runtimes c\n"
        "                      and cpython and write them as a calibration file\n"
        "                      (default data/calibration/HOST.cfg; 'gilsim\n"
        "                      calibrate --help')\n"
        "  sweep FILE [--cores LIST] [--models LIST] [--workers LIST] [--gil LIST]\n"
        "             [--set key=v1,v2]... [--csv FILE] [--plot FILE] [--shard I/N]\n"
        "                      simulate every combination in parallel: table, CSV,\n"
        "                      plots of wall time and speedup against cores\n"
        "                      ('gilsim sweep --help')\n"
        "  validate [FILE...] [--cores LIST] [--workers LIST] [--repeat R]\n"
        "           [--csv FILE] [--plot FILE]\n"
        "                      simulate and measure every configuration of the\n"
        "                      validation matrix (scenarios/validation/) and\n"
        "                      print the error of each, with a summary\n"
        "                      ('gilsim validate --help')\n"
        "\n"
        "Options:\n"
        "  -h, --help          show this help and exit\n"
        "  --version           print the version and exit\n"
        "\n",
        stdout);
  put_run_details(stdout);
  return cli_finish_stdout(EXIT_OK);
}

int main(int argc, char **argv)
{
  cli_guard_install(gsh_child_kill_all, gsh_child_signal_all);
  errno = 0; /* see finish_stdout */
  if (argc < 2)
    return main_usage_error("missing command", NULL);
  const char *cmd = argv[1];
  if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0)
    return main_help();
  if (strcmp(cmd, "--version") == 0) {
    puts("gilsim " GILSIM_VERSION);
    return cli_finish_stdout(EXIT_OK);
  }
  if (strcmp(cmd, "run") == 0)
    return cmd_run(argc - 1, argv + 1);
  if (strcmp(cmd, "measure") == 0) {
    static const cli_command measure_cmd = {
      .prog = "gilsim", .name = "measure", .usage = measure_usage, .help = put_measure_details,
      .allow = CLI_OPT_FORMAT | CLI_OPT_TRACE | CLI_OPT_REPEAT | CLI_OPT_CSV,
    };
    run_args a;
    cli_args_init(&a);
    a.measure = 1;
    int status = cli_parse(argc - 1, argv + 1, &a, &measure_cmd);
    if (status >= 0)
      return status;
    return cmd_measure(&a);
  }
  if (strcmp(cmd, "sweep") == 0)
    return cmd_sweep(argc - 1, argv + 1);
  if (strcmp(cmd, "validate") == 0)
    return cmd_validate(argc - 1, argv + 1);
  if (strcmp(cmd, "params") == 0)
    return cmd_params(argc - 1, argv + 1);
  if (strcmp(cmd, "calibrate") == 0)
    return cmd_calibrate(argc - 1, argv + 1);
  if (cmd[0] == '-')
    return main_usage_error("unknown option", cmd);
  return main_usage_error("unknown command", cmd);
}
