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
 * the named one only when everything succeeded.
 */
#define _GNU_SOURCE /* getopt_long */

#include "gs.h"
#include "report.h"
#include "trace.h"
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
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
  "                  [--format text|json|csv] [--trace FILE.json]\n";

static const char measure_usage[] =
  "usage: gilsim measure FILE [--cores N] [--model M] [--workers W] [--gil G]\n"
  "                  [--seed S] [--set key=value]... [--repeat R]\n"
  "                  [--format text|json|csv] [--csv FILE] [--trace FILE.json]\n";

/* The usage of the command being parsed (run or measure). */
static const char *cmd_usage = run_usage;
static const char *cmd_name = "run";

static const char main_usage[] =
  "usage: gilsim run FILE [options]\n"
  "       gilsim measure FILE [options]\n"
  "       gilsim params\n"
  "       gilsim calibrate [-o FILE] [--quick]\n"
  "       gilsim --help | --version\n";

/* "sequential, threads, processes or asyncio": every model the library
 * knows (gs_model_name says "?" past the last). */
static const char *model_list(void)
{
  static char buf[256];
  if (buf[0])
    return buf;
  size_t used = 0;
  int n = 0;
  while (strcmp(gs_model_name((gs_model)n), "?") != 0)
    n++;
  for (int i = 0; i < n && used < sizeof buf; i++) {
    int k = snprintf(buf + used, sizeof buf - used, "%s%s", i == 0 ? "" : i + 1 == n ? " or " : ", ",
                     gs_model_name((gs_model)i));
    if (k < 0)
      break;
    used += (size_t)k;
  }
  return buf;
}

/* The options of run, the report formats and the exit statuses: shown by
 * both `gilsim --help` and `gilsim run --help`. */
static void put_run_details(FILE *f)
{
  fprintf(f,
    "Options of run (each overrides the scenario file's setting; they may come\n"
    "before or after FILE):\n"
    "  --cores N          simulated CPU cores, %d to %d\n"
    "  --model M          concurrency model, one of\n"
    "                     %s\n"
    "  --workers W        worker threads or processes, %d to %d (sequential\n"
    "                     ignores it)\n"
    "  --scheduler P      OS scheduler: fair (CFS-like) or rr (round-robin)\n"
    "  --runtime R        whose costs are charged: c or cpython; parameters not\n"
    "                     set explicitly, and the GIL unless the scenario or\n"
    "                     --gil names one, take that runtime's defaults\n"
    "  --gil G            the GIL: none, new (CPython 3.2 and later: timed\n"
    "                     waits and drop requests) or old (before 3.2: released\n"
    "                     every check_interval ticks)\n"
    "  --seed S           random seed, an integer from 0 to %" PRIu64 "\n"
    "  --set key=value    set the model parameter key (repeatable); durations take\n"
    "                     a unit: ns (the default), us, ms, s or min, e.g.\n"
    "                     --set ctx_switch=2us.  'gilsim params' lists them all\n"
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
    "     created\n",
    1, GS_MAX_CORES, model_list(), 1, GS_MAX_WORKERS, UINT64_MAX);
}

/* Flush and close stdout; a write error (a full disk, a closed pipe) is a
 * failure of the command.  Callers clear errno before writing, so that an
 * earlier failed write can be named when the flush itself succeeds. */
int cli_finish_stdout(int status)
{
  int write_errno = errno;
  errno = 0;
  int bad = fflush(stdout) != 0;
  int e = bad ? errno : write_errno;
  if (!bad)
    bad = ferror(stdout);
  if (fclose(stdout) != 0 && !bad) {
    bad = 1;
    e = errno;
  }
  if (bad) {
    fprintf(stderr, "gilsim: error writing output: %s\n", e ? strerror(e) : "I/O error");
    return EXIT_FAIL;
  }
  return status;
}

/* A usage error of run: the message, the usage line, a pointer to help. */
static int run_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int run_usage_error(const char *fmt, ...)
{
  va_list ap;
  fputs("gilsim: ", stderr);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  fputs(cmd_usage, stderr);
  fprintf(stderr, "Try 'gilsim %s --help'.\n", cmd_name);
  return EXIT_USAGE;
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

/* ---- Parsing values ----------------------------------------------------- */

/* A whole decimal integer in [lo, hi]: no spaces, no trailing characters. */
static int parse_int(const char *s, long long lo, long long hi, int *out)
{
  char *end;
  if (!(*s == '+' || *s == '-' || (*s >= '0' && *s <= '9')))
    return -1;
  errno = 0;
  long long v = strtoll(s, &end, 10);
  if (errno || end == s || *end || v < lo || v > hi)
    return -1;
  *out = (int)v;
  return 0;
}

/* A whole decimal integer from 0 to UINT64_MAX (strtoull would wrap "-1"). */
static int parse_u64(const char *s, uint64_t *out)
{
  char *end;
  if (!((*s >= '0' && *s <= '9') || (*s == '+' && s[1] >= '0' && s[1] <= '9')))
    return -1;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno || end == s || *end)
    return -1;
  *out = (uint64_t)v;
  return 0;
}

/* ---- run ----------------------------------------------------------------- */

enum {
  OPT_CORES = 256, OPT_MODEL, OPT_WORKERS, OPT_SCHEDULER, OPT_RUNTIME, OPT_GIL, OPT_SEED,
  OPT_SET, OPT_FORMAT, OPT_TRACE, OPT_REPEAT, OPT_CSV
};

static const struct option run_options[] = {
  {"cores", required_argument, NULL, OPT_CORES},
  {"model", required_argument, NULL, OPT_MODEL},
  {"workers", required_argument, NULL, OPT_WORKERS},
  {"scheduler", required_argument, NULL, OPT_SCHEDULER},
  {"runtime", required_argument, NULL, OPT_RUNTIME},
  {"gil", required_argument, NULL, OPT_GIL},
  {"seed", required_argument, NULL, OPT_SEED},
  {"set", required_argument, NULL, OPT_SET},
  {"format", required_argument, NULL, OPT_FORMAT},
  {"trace", required_argument, NULL, OPT_TRACE},
  {"repeat", required_argument, NULL, OPT_REPEAT},
  {"csv", required_argument, NULL, OPT_CSV},
  {"help", no_argument, NULL, 'h'},
  {NULL, 0, NULL, 0},
};

static const char *option_name(int val)
{
  for (const struct option *o = run_options; o->name; o++)
    if (o->val == val)
      return o->name;
  return "?";
}

/* How many long options of run start with the n characters at s. */
static int prefix_matches(const char *s, size_t n)
{
  int k = 0;
  for (const struct option *o = run_options; o->name; o++)
    k += strncmp(o->name, s, n) == 0;
  return k;
}

/* Handle one option of run; returns 0 or an exit status. */
static int run_option(run_args *a, int opt, const char *arg)
{
  switch (opt) {
  case OPT_CORES:
    if (parse_int(arg, 1, GS_MAX_CORES, &a->cores))
      return run_usage_error("--cores: expected an integer from 1 to %d, got '%s'", GS_MAX_CORES,
                             arg);
    return 0;
  case OPT_WORKERS:
    if (parse_int(arg, 1, GS_MAX_WORKERS, &a->workers))
      return run_usage_error("--workers: expected an integer from 1 to %d, got '%s'",
                             GS_MAX_WORKERS, arg);
    return 0;
  case OPT_SEED:
    if (parse_u64(arg, &a->seed))
      return run_usage_error("--seed: expected an integer from 0 to %" PRIu64 ", got '%s'",
                             UINT64_MAX, arg);
    a->have_seed = 1;
    return 0;
  case OPT_MODEL:
    if ((a->model = gs_model_parse(arg)) < 0)
      return run_usage_error("--model: expected %s, got '%s'", model_list(), arg);
    return 0;
  case OPT_SCHEDULER:
    if ((a->sched = gs_sched_parse(arg)) < 0)
      return run_usage_error("--scheduler: expected fair or rr, got '%s'", arg);
    return 0;
  case OPT_RUNTIME:
    if ((a->runtime = gs_runtime_parse(arg)) < 0)
      return run_usage_error("--runtime: expected c or cpython, got '%s'", arg);
    return 0;
  case OPT_GIL:
    if ((a->gil = gs_gil_parse(arg)) < 0)
      return run_usage_error("--gil: expected none, new or old, got '%s'", arg);
    return 0;
  case OPT_REPEAT:
    if (!a->measure)
      return run_usage_error("unknown option '--repeat'");
    if (parse_int(arg, 1, 1000, &a->repeat))
      return run_usage_error("--repeat: expected an integer from 1 to 1000, got '%s'", arg);
    return 0;
  case OPT_CSV:
    if (!a->measure)
      return run_usage_error("unknown option '--csv'");
    if (!*arg)
      return run_usage_error("--csv: expected a file name");
    a->csv = arg;
    return 0;
  case OPT_TRACE:
    if (!*arg)
      return run_usage_error("--trace: expected a file name");
    a->trace = arg;
    return 0;
  case OPT_FORMAT:
    if (strcmp(arg, "text") == 0)
      a->format = FMT_TEXT;
    else if (strcmp(arg, "json") == 0)
      a->format = FMT_JSON;
    else if (strcmp(arg, "csv") == 0)
      a->format = FMT_CSV;
    else
      return run_usage_error("--format: expected text, json or csv, got '%s'", arg);
    return 0;
  case OPT_SET: {
    const char *eq = strchr(arg, '=');
    if (!eq || eq == arg)
      return run_usage_error("--set: expected key=value, got '%s'", arg);
    char key[64];
    int id = -1;
    if ((size_t)(eq - arg) < sizeof key) {
      memcpy(key, arg, (size_t)(eq - arg));
      key[eq - arg] = 0;
      id = gs_param_lookup(key);
    }
    if (id < 0)
      return run_usage_error("--set: unknown parameter '%.*s' (see 'gilsim params')",
                             (int)(eq - arg), arg);
    gs_error err;
    double v;
    if (gs_param_parse_value((gs_param_id)id, eq + 1, &v, &err) != GS_OK)
      return run_usage_error("--set: %s", err.msg);
    a->set.v[id] = v;
    a->set.set |= UINT64_C(1) << id;
    return 0;
  }
  default:
    return run_usage_error("internal error: option %d", opt);
  }
}

/* Parse the arguments after "run"; returns -1 to go on, or an exit status. */
static int run_parse(int argc, char **argv, run_args *a)
{
  opterr = 0;
  optind = 1;
  for (;;) {
    /* "-": operands come back in order as option 1, so options may follow
     * FILE even under POSIXLY_CORRECT; ":": report missing values. */
    int opt = getopt_long(argc, argv, "-:h", run_options, NULL);
    if (opt == -1)
      break;
    if (opt == 'h') {
      if (a->measure) {
        fputs(measure_usage, stdout);
        put_measure_details(stdout);
        return cli_finish_stdout(EXIT_OK);
      }
      fputs(run_usage, stdout);
      fputs("\nSimulate the scenario in FILE (a libconfig file) and print a report of\n"
            "where the simulated time went.\n\n", stdout);
      put_run_details(stdout);
      return cli_finish_stdout(EXIT_OK);
    }
    if (opt == 1) {
      if (a->file)
        return run_usage_error("unexpected argument '%s'", optarg);
      a->file = optarg;
      continue;
    }
    if (opt == ':')
      return run_usage_error("option '--%s' needs a value", option_name(optopt));
    if (opt == '?') {
      if (optopt == 'h')
        return run_usage_error("option '--help' takes no value");
      if (optopt)
        return run_usage_error("unknown option '-%c'", optopt);
      const char *bad = argv[optind - 1];
      int len = (int)strcspn(bad, "=");
      if (len > 2 && strncmp(bad, "--", 2) == 0 && prefix_matches(bad + 2, (size_t)len - 2) > 1)
        return run_usage_error("ambiguous option '%.*s'", len, bad);
      return run_usage_error("unknown option '%.*s'", len, bad);
    }
    int status = run_option(a, opt, optarg);
    if (status)
      return status;
  }
  for (int i = optind; i < argc; i++) { /* operands after "--" */
    if (a->file)
      return run_usage_error("unexpected argument '%s'", argv[i]);
    a->file = argv[i];
  }
  if (!a->file)
    return run_usage_error("missing scenario FILE");
  return -1;
}

/* Apply the command line's overrides to a loaded scenario. */
void cli_apply(const run_args *a, gs_scenario *sc)
{
  if (a->cores)
    sc->cores = a->cores;
  if (a->workers)
    sc->workers = a->workers;
  if (a->model >= 0)
    sc->model = (gs_model)a->model;
  if (a->sched >= 0)
    sc->sched = (gs_sched_policy)a->sched;
  if (a->runtime >= 0)
    sc->runtime = (gs_runtime)a->runtime; /* gs_run resolves unset parameters for it */
  if (a->gil >= 0)
    sc->gil = (gs_gil)a->gil;
  if (a->have_seed)
    sc->seed = a->seed;
  for (int i = 0; i < GS_P_COUNT; i++)
    if (a->set.set & (UINT64_C(1) << i)) {
      sc->params.v[i] = a->set.v[i];
      sc->params.set |= UINT64_C(1) << i;
    }
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

/* The trace's temporary file, removed if a signal ends the run: the
 * handler may only use async-signal-safe calls, hence a fixed buffer. */
static char trace_tmp[4096];
static volatile sig_atomic_t trace_tmp_live;

static void on_fatal_signal(int sig)
{
  if (trace_tmp_live)
    unlink(trace_tmp);
  raise(sig); /* SA_RESETHAND restored the default action: die of sig */
}

/* Remove the trace's temporary file if SIGINT, SIGTERM or SIGHUP (^C, a
 * kill, a closed terminal) interrupts a long run; NULL disarms. */
static void guard_trace_tmp(const char *tmp)
{
  if (!tmp) {
    trace_tmp_live = 0;
    return;
  }
  if (strlen(tmp) >= sizeof trace_tmp)
    return; /* too long to keep: no cleanup, as before tracing existed */
  strcpy(trace_tmp, tmp);
  trace_tmp_live = 1;
  static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
  for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_fatal_signal;
    sa.sa_flags = SA_RESETHAND;
    sigemptyset(&sa.sa_mask);
    struct sigaction old;
    /* Leave ignored signals ignored (nohup, a shell's background job). */
    if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler != SIG_IGN)
      sigaction(sigs[i], &sa, NULL);
  }
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
  guard_trace_tmp(gs_tracew_temp_path(*out));
  return 0;
}

/* Finish the trace: commit it after a successful run, discard it after a
 * failed one.  Returns 0, or EXIT_FAIL after saying what went wrong. */
int cli_close_trace(gs_tracew *w, gs_time end, bool commit)
{
  if (!w)
    return 0;
  gs_error err = {{0}};
  int rc = gs_tracew_close(w, end, commit, &err);
  guard_trace_tmp(NULL);
  if (rc != 0) {
    fprintf(stderr, "gilsim: %s\n", err.msg);
    return EXIT_FAIL;
  }
  return 0;
}

static int cmd_run(int argc, char **argv)
{
  run_args a = {.model = -1, .sched = -1, .runtime = -1, .gil = -1, .format = FMT_TEXT};
  int status = run_parse(argc, argv, &a);
  if (status >= 0)
    return status;

  gs_error err = {{0}};
  gs_scenario *sc = NULL;
  gs_err e = gs_scenario_load(a.file, &sc, &err);
  if (e != GS_OK) {
    fprintf(stderr, "gilsim: %s\n", err.msg);
    return e == GS_ERR_NOMEM ? EXIT_FAIL : EXIT_USAGE;
  }
  cli_apply(&a, sc);
  if (gs_scenario_check(sc, &err) != GS_OK) {
    fprintf(stderr, "gilsim: %s\n", err.msg);
    gs_scenario_free(sc);
    return EXIT_USAGE;
  }

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
    cmd_usage = measure_usage;
    cmd_name = "measure";
    run_args a = {.model = -1, .sched = -1, .runtime = -1, .gil = -1, .format = FMT_TEXT,
                  .measure = 1, .repeat = 3};
    int status = run_parse(argc - 1, argv + 1, &a);
    if (status >= 0)
      return status;
    return cmd_measure(&a);
  }
  if (strcmp(cmd, "params") == 0)
    return cmd_params(argc - 1, argv + 1);
  if (strcmp(cmd, "calibrate") == 0)
    return cmd_calibrate(argc - 1, argv + 1);
  if (cmd[0] == '-')
    return main_usage_error("unknown option", cmd);
  return main_usage_error("unknown command", cmd);
}
