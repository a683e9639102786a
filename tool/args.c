/*
 * args.c - what every command that runs a scenario shares: parsing the
 * run options (--cores, --model, --set ...), applying them to a loaded
 * scenario, choosing the calibration, and facts about this host.
 *
 * Used by gilsim run, measure, validate and sweep, and by gilsim-viz, so
 * that one scenario flag means the same everywhere and fails with the
 * same message.
 */
#define _GNU_SOURCE /* getopt_long, gethostname */

#include "cli.h"
#include "output.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <math.h>
#include <time.h>
#include <unistd.h>

#ifndef GILSIM_DATA_DIR
#error "GILSIM_DATA_DIR must name the project's data/ folder (the build sets it)"
#endif

/* ---- Messages ------------------------------------------------------------ */

int cli_usage_error(const cli_command *cmd, const char *fmt, ...)
{
  va_list ap;
  fprintf(stderr, "%s: ", cmd->prog);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  fputs(cmd->usage, stderr);
  if (cmd->name)
    fprintf(stderr, "Try '%s %s --help'.\n", cmd->prog, cmd->name);
  else
    fprintf(stderr, "Try '%s --help'.\n", cmd->prog);
  return EXIT_USAGE;
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

/* "sequential, threads, processes or asyncio": every model the library
 * knows (gs_model_name says "?" past the last). */
const char *cli_model_list(void)
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

void cli_put_scenario_options(FILE *f)
{
  fprintf(f,
    "  --cores N          simulated CPU cores, %d to %d\n"
    "  --model M          concurrency model, one of\n"
    "                     %s\n"
    "  --workers W        worker threads or processes, %d to %d (sequential\n"
    "                     ignores it)\n"
    "  --scheduler P      OS scheduler: fair (CFS-like) or rr (round-robin)\n"
    "  --runtime R        whose costs are charged: c or cpython; parameters not\n"
    "                     set explicitly, and the GIL unless the scenario or\n"
    "                     --gil names one, take that runtime's values\n"
    "  --gil G            the GIL: none, new (CPython 3.2 and later: timed\n"
    "                     waits and drop requests) or old (before 3.2: released\n"
    "                     every check_interval ticks)\n"
    "  --seed S           random seed, an integer from 0 to %" PRIu64 "\n"
    "  --set key=value    set the model parameter key (repeatable); durations take\n"
    "                     a unit: ns (the default), us, ms, s or min, e.g.\n"
    "                     --set ctx_switch=2us; sizes too: B (the default), kB,\n"
    "                     MB, GB, KiB, MiB, GiB, e.g. --set max_memory=8GB (a\n"
    "                     run that would need more memory or events than\n"
    "                     max_memory or max_events is refused before it\n"
    "                     starts).  'gilsim params' lists them all\n"
    "  --calibration FILE take unset parameters from the calibration FILE\n"
    "                     ('gilsim calibrate' writes one), or 'none' for the\n"
    "                     built-in defaults.  Without it: the scenario's\n"
    "                     calibration if it names one, else\n"
    "                     data/calibration/HOST.cfg for this host if there is\n"
    "                     one (in the current folder, then in %s,\n"
    "                     or in $GILSIM_DATA_DIR if set),\n"
    "                     else the defaults, with a warning.  The environment\n"
    "                     variable GILSIM_CALIBRATION does the same as this\n"
    "                     option; the option wins\n",
    1, GS_MAX_CORES, cli_model_list(), 1, GS_MAX_WORKERS, UINT64_MAX, GILSIM_DATA_DIR);
}

/* ---- Parsing values ------------------------------------------------------ */

int cli_parse_int(const char *s, long long lo, long long hi, int *out)
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

int cli_parse_u64(const char *s, uint64_t *out)
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

/* ---- The options --------------------------------------------------------- */

enum {
  OPT_CORES = 256, OPT_MODEL, OPT_WORKERS, OPT_SCHEDULER, OPT_RUNTIME, OPT_GIL, OPT_SEED,
  OPT_SET, OPT_FORMAT, OPT_TRACE, OPT_REPEAT, OPT_CSV, OPT_CALIBRATION
};

/* Each common option, with the CLI_OPT_ flag a command needs to accept it
 * (0: every command). */
static const struct {
  struct option o;
  unsigned need;
} common[] = {
  {{"cores", required_argument, NULL, OPT_CORES}, 0},
  {{"model", required_argument, NULL, OPT_MODEL}, 0},
  {{"workers", required_argument, NULL, OPT_WORKERS}, 0},
  {{"scheduler", required_argument, NULL, OPT_SCHEDULER}, 0},
  {{"runtime", required_argument, NULL, OPT_RUNTIME}, 0},
  {{"gil", required_argument, NULL, OPT_GIL}, 0},
  {{"seed", required_argument, NULL, OPT_SEED}, 0},
  {{"set", required_argument, NULL, OPT_SET}, 0},
  {{"format", required_argument, NULL, OPT_FORMAT}, CLI_OPT_FORMAT},
  {{"trace", required_argument, NULL, OPT_TRACE}, CLI_OPT_TRACE},
  {{"repeat", required_argument, NULL, OPT_REPEAT}, CLI_OPT_REPEAT},
  {{"csv", required_argument, NULL, OPT_CSV}, CLI_OPT_CSV},
  {{"calibration", required_argument, NULL, OPT_CALIBRATION}, CLI_OPT_CALIBRATION},
};

#define NCOMMON (sizeof common / sizeof common[0])
#define MAX_OPTIONS 64

/* The long options cmd accepts: the common ones it allows, its own, --help. */
static int build_options(const cli_command *cmd, struct option *out)
{
  int n = 0;
  for (size_t i = 0; i < NCOMMON; i++) {
    int mine = 0; /* the command gives this option a meaning of its own */
    for (const struct option *o = cmd->extra; o && o->name && !mine; o++)
      mine = strcmp(o->name, common[i].o.name) == 0;
    if (!mine && (!common[i].need || (cmd->allow & common[i].need)))
      out[n++] = common[i].o;
  }
  for (const struct option *o = cmd->extra; o && o->name && n < MAX_OPTIONS - 2; o++)
    out[n++] = *o;
  out[n++] = (struct option){"help", no_argument, NULL, 'h'};
  out[n] = (struct option){NULL, 0, NULL, 0};
  return n;
}

static const char *option_name(const struct option *opts, int val)
{
  for (const struct option *o = opts; o->name; o++)
    if (o->val == val)
      return o->name;
  return "?";
}

static int prefix_matches(const struct option *opts, const char *s, size_t n)
{
  int k = 0;
  for (const struct option *o = opts; o->name; o++)
    k += strncmp(o->name, s, n) == 0;
  return k;
}

static int common_option(const cli_command *cmd, run_args *a, int opt, const char *arg)
{
  switch (opt) {
  case OPT_CORES:
    if (cli_parse_int(arg, 1, GS_MAX_CORES, &a->cores))
      return cli_usage_error(cmd, "--cores: expected an integer from 1 to %d, got '%s'",
                             GS_MAX_CORES, arg);
    return 0;
  case OPT_WORKERS:
    if (cli_parse_int(arg, 1, GS_MAX_WORKERS, &a->workers))
      return cli_usage_error(cmd, "--workers: expected an integer from 1 to %d, got '%s'",
                             GS_MAX_WORKERS, arg);
    return 0;
  case OPT_SEED:
    if (cli_parse_u64(arg, &a->seed))
      return cli_usage_error(cmd, "--seed: expected an integer from 0 to %" PRIu64 ", got '%s'",
                             UINT64_MAX, arg);
    a->have_seed = 1;
    return 0;
  case OPT_MODEL:
    if ((a->model = gs_model_parse(arg)) < 0)
      return cli_usage_error(cmd, "--model: expected %s, got '%s'", cli_model_list(), arg);
    return 0;
  case OPT_SCHEDULER:
    if ((a->sched = gs_sched_parse(arg)) < 0)
      return cli_usage_error(cmd, "--scheduler: expected fair or rr, got '%s'", arg);
    return 0;
  case OPT_RUNTIME:
    if ((a->runtime = gs_runtime_parse(arg)) < 0)
      return cli_usage_error(cmd, "--runtime: expected c or cpython, got '%s'", arg);
    return 0;
  case OPT_GIL:
    if ((a->gil = gs_gil_parse(arg)) < 0)
      return cli_usage_error(cmd, "--gil: expected none, new or old, got '%s'", arg);
    return 0;
  case OPT_REPEAT:
    if (cli_parse_int(arg, 1, 1000, &a->repeat))
      return cli_usage_error(cmd, "--repeat: expected an integer from 1 to 1000, got '%s'", arg);
    return 0;
  case OPT_CSV:
    if (!*arg)
      return cli_usage_error(cmd, "--csv: expected a file name");
    a->csv = arg;
    return 0;
  case OPT_TRACE:
    if (!*arg)
      return cli_usage_error(cmd, "--trace: expected a file name");
    a->trace = arg;
    return 0;
  case OPT_CALIBRATION:
    if (!*arg)
      return cli_usage_error(cmd, "--calibration: expected a file name or 'none'");
    a->calibration = arg;
    return 0;
  case OPT_FORMAT:
    if (strcmp(arg, "text") == 0)
      a->format = FMT_TEXT;
    else if (strcmp(arg, "json") == 0)
      a->format = FMT_JSON;
    else if (strcmp(arg, "csv") == 0)
      a->format = FMT_CSV;
    else
      return cli_usage_error(cmd, "--format: expected text, json or csv, got '%s'", arg);
    return 0;
  case OPT_SET: {
    const char *eq = strchr(arg, '=');
    if (!eq || eq == arg)
      return cli_usage_error(cmd, "--set: expected key=value, got '%s'", arg);
    char key[64];
    int id = -1;
    if ((size_t)(eq - arg) < sizeof key) {
      memcpy(key, arg, (size_t)(eq - arg));
      key[eq - arg] = 0;
      id = gs_param_lookup(key);
    }
    if (id < 0)
      return cli_usage_error(cmd, "--set: unknown parameter '%.*s' (see 'gilsim params')",
                             (int)(eq - arg), arg);
    gs_error err;
    double v;
    if (gs_param_parse_value((gs_param_id)id, eq + 1, &v, &err) != GS_OK)
      return cli_usage_error(cmd, "--set: %s", err.msg);
    a->set.v[id] = v;
    a->set.set |= UINT64_C(1) << id;
    return 0;
  }
  default:
    return cli_usage_error(cmd, "internal error: option %d", opt);
  }
}

void cli_args_init(run_args *a)
{
  memset(a, 0, sizeof *a);
  a->model = a->sched = a->runtime = a->gil = -1;
  a->format = FMT_TEXT;
  a->repeat = 3;
}

int cli_parse(int argc, char **argv, run_args *a, const cli_command *cmd)
{
  struct option opts[MAX_OPTIONS];
  build_options(cmd, opts);
  opterr = 0;
  /* 0, not 1: glibc then forgets everything of an earlier parse.  After 1
   * it would go on with the rest of a cluster of short options where that
   * parse stopped ("-xh" stops at x), in an argv that may be gone. */
  optind = 0;
  for (;;) {
    /* "-": operands come back in order as option 1, so options may follow
     * FILE even under POSIXLY_CORRECT; ":": report missing values. */
    int opt = getopt_long(argc, argv, "-:h", opts, NULL);
    if (opt == -1)
      break;
    if (opt == 'h') {
      fputs(cmd->usage, stdout);
      if (cmd->help)
        cmd->help(stdout);
      return cli_finish_stdout(EXIT_OK);
    }
    if (opt == 1) {
      if (a->nfiles >= (cmd->max_files ? cmd->max_files : 1))
        return cli_usage_error(cmd, "unexpected argument '%s'", optarg);
      a->files[a->nfiles++] = optarg;
      continue;
    }
    if (opt == ':')
      return cli_usage_error(cmd, "option '--%s' needs a value", option_name(opts, optopt));
    if (opt == '?') {
      if (optopt == 'h')
        return cli_usage_error(cmd, "option '--help' takes no value");
      if (optopt && optopt < 256)
        return cli_usage_error(cmd, "unknown option '-%c'", optopt);
      if (optopt) /* a known long option given a value it does not take */
        return cli_usage_error(cmd, "option '--%s' takes no value", option_name(opts, optopt));
      const char *bad = argv[optind - 1];
      int len = (int)strcspn(bad, "=");
      if (len > 2 && strncmp(bad, "--", 2) == 0 && prefix_matches(opts, bad + 2, (size_t)len - 2) > 1)
        return cli_usage_error(cmd, "ambiguous option '%.*s'", len, bad);
      return cli_usage_error(cmd, "unknown option '%.*s'", len, bad);
    }
    int status = opt >= CLI_EXTRA_BASE && cmd->on_extra
                   ? cmd->on_extra(cmd->ctx, opt, optarg, cmd)
                   : common_option(cmd, a, opt, optarg);
    if (status)
      return status;
  }
  for (int i = optind; i < argc; i++) { /* operands after "--" */
    if (a->nfiles >= (cmd->max_files ? cmd->max_files : 1))
      return cli_usage_error(cmd, "unexpected argument '%s'", argv[i]);
    a->files[a->nfiles++] = argv[i];
  }
  a->file = a->nfiles ? a->files[0] : NULL;
  if (!a->file && !cmd->files_optional)
    return cli_usage_error(cmd, "missing scenario FILE");
  return -1;
}

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

/* ---- Calibration --------------------------------------------------------- */

int cli_host_calibration(char *buf, size_t n)
{
  char host[256];
  if (gethostname(host, sizeof host) != 0)
    return -1;
  host[sizeof host - 1] = 0;
  if (!host[0] || strchr(host, '/'))
    return -1;
  struct stat st;
  snprintf(buf, n, "data/calibration/%s.cfg", host);
  if (stat(buf, &st) == 0 && S_ISREG(st.st_mode))
    return 0;
  char other[4200];
  const char *data = getenv("GILSIM_DATA_DIR");
  snprintf(other, sizeof other, "%s/calibration/%s.cfg", data && *data ? data : GILSIM_DATA_DIR,
           host);
  if (stat(other, &st) == 0 && S_ISREG(st.st_mode)) {
    snprintf(buf, n, "%s", other);
    return 0;
  }
  snprintf(buf, n, "data/calibration/%s.cfg", host);
  return 1;
}

int cli_choose_calibration(const run_args *a, gs_scenario *sc, int quiet)
{
  const char *choice = a->calibration ? a->calibration : getenv("GILSIM_CALIBRATION");
  if (choice && !*choice)
    choice = NULL;
  if (choice && strcmp(choice, "none") == 0) {
    gs_calibration_free(sc->calibration);
    sc->calibration = NULL;
    return 0;
  }
  gs_error err = {{0}};
  if (choice) {
    gs_calibration *cal;
    gs_err e = gs_calibration_load(choice, &cal, &err);
    if (e != GS_OK) {
      fprintf(stderr, "gilsim: calibration: %s\n", err.msg);
      return e == GS_ERR_NOMEM ? EXIT_FAIL : EXIT_USAGE;
    }
    gs_calibration_free(sc->calibration);
    sc->calibration = cal;
    return 0;
  }
  if (sc->calibration)
    return 0; /* the scenario's own */
  char path[4400];
  int found = cli_host_calibration(path, sizeof path);
  if (found == 0) {
    gs_err e = gs_calibration_load(path, &sc->calibration, &err);
    if (e != GS_OK) {
      fprintf(stderr, "gilsim: calibration: %s\n", err.msg);
      return e == GS_ERR_NOMEM ? EXIT_FAIL : EXIT_USAGE;
    }
    return 0;
  }
  if (!quiet)
    fprintf(stderr,
            "gilsim: warning: no calibration for this host (%s): using the built-in defaults; "
            "'gilsim calibrate' writes one\n",
            found > 0 ? path : "its name cannot be a file name");
  return 0;
}

int cli_load_scenario(const run_args *a, const char *file, gs_scenario **out, int quiet)
{
  gs_error err = {{0}};
  gs_scenario *sc = NULL;
  *out = NULL;
  gs_err e = gs_scenario_load(file, &sc, &err);
  if (e != GS_OK) {
    fprintf(stderr, "gilsim: %s\n", err.msg);
    return e == GS_ERR_NOMEM ? EXIT_FAIL : EXIT_USAGE;
  }
  cli_apply(a, sc);
  if (gs_scenario_check(sc, &err) != GS_OK) {
    fprintf(stderr, "gilsim: %s\n", err.msg);
    gs_scenario_free(sc);
    return EXIT_USAGE;
  }
  int status = a->measure ? 0 : cli_choose_calibration(a, sc, quiet);
  if (!status && !a->measure && gs_scenario_limits(sc, &err) != GS_OK) {
    fprintf(stderr, "gilsim: %s: %s\n", file, err.msg);
    status = EXIT_USAGE;
  }
  if (status) {
    gs_scenario_free(sc);
    return status;
  }
  *out = sc;
  return 0;
}

/* ---- This host ----------------------------------------------------------- */

void cli_host_facts(char *host, size_t nh, char *cpu, size_t nc, char *kernel, size_t nk,
                    int with_machine)
{
  if (gethostname(host, nh) != 0)
    snprintf(host, nh, "unknown");
  host[nh - 1] = 0;
  snprintf(cpu, nc, "unknown");
  FILE *f = fopen("/proc/cpuinfo", "r");
  if (f) {
    char line[512];
    while (fgets(line, sizeof line, f))
      if (strncmp(line, "model name", 10) == 0) {
        char *colon = strchr(line, ':');
        if (colon) {
          colon += 1 + (colon[1] == ' ');
          colon[strcspn(colon, "\n")] = 0;
          snprintf(cpu, nc, "%s", colon);
        }
        break;
      }
    fclose(f);
  }
  struct utsname u;
  if (uname(&u) != 0)
    snprintf(kernel, nk, "unknown");
  else if (with_machine)
    snprintf(kernel, nk, "%s %s", u.release, u.machine);
  else
    snprintf(kernel, nk, "%s", u.release);
}

/* ---- Lists ------------------------------------------------------------------ */

/* One whole decimal number of s[0..len) into *v; -1 if malformed. */
static int list_number(const char *s, size_t len, long long *v)
{
  if (len == 0 || len > 18)
    return -1;
  long long x = 0;
  for (size_t i = 0; i < len; i++) {
    if (s[i] < '0' || s[i] > '9')
      return -1;
    x = x * 10 + (s[i] - '0');
  }
  *v = x;
  return 0;
}

static int list_add(int *out, int max, int *n, int v)
{
  for (int i = 0; i < *n; i++)
    if (out[i] == v)
      return 0; /* given twice: once is enough */
  if (*n >= max)
    return -1;
  out[(*n)++] = v;
  return 0;
}

int cli_parse_int_list(const char *s, int lo, int hi, int *out, int max, int *n)
{
  *n = 0;
  if (!s || !*s)
    return -1;
  const char *p = s;
  for (;;) {
    size_t len = strcspn(p, ",");
    const char *dots = NULL;
    size_t sep = 0;
    for (size_t i = 0; i + 1 < len && !dots; i++)
      if (p[i] == '.' && p[i + 1] == '.')
        dots = p + i, sep = 2;
    if (!dots)
      for (size_t i = 1; i < len && !dots; i++)
        if (p[i] == '-')
          dots = p + i, sep = 1;
    long long a, b;
    if (dots) {
      if (list_number(p, (size_t)(dots - p), &a) || list_number(dots + sep, len - (size_t)(dots - p) - sep, &b))
        return -1;
    } else {
      if (list_number(p, len, &a))
        return -1;
      b = a;
    }
    if (a < lo || b > hi || a > b)
      return -1;
    for (long long v = a; v <= b; v++)
      if (list_add(out, max, n, (int)v) != 0)
        return -1;
    if (!p[len])
      break;
    p += len + 1;
  }
  return *n > 0 ? 0 : -1;
}

int cli_parse_name_list(const char *s, int (*parse)(const char *), int *out, int max, int *n)
{
  *n = 0;
  if (!s || !*s)
    return -1;
  const char *p = s;
  for (;;) {
    size_t len = strcspn(p, ",");
    char name[64];
    if (len == 0 || len >= sizeof name)
      return -1;
    memcpy(name, p, len);
    name[len] = 0;
    int v = parse(name);
    if (v < 0 || list_add(out, max, n, v) != 0)
      return -1;
    if (!p[len])
      break;
    p += len + 1;
  }
  return 0;
}

/* ---- Progress ----------------------------------------------------------------- */

double cli_now(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + t.tv_nsec / 1e9;
}

void cli_put_duration(FILE *f, double s)
{
  if (s < 60)
    fprintf(f, "%.0fs", s);
  else if (s < 3600)
    fprintf(f, "%dm%02ds", (int)(s / 60), (int)fmod(s, 60));
  else
    fprintf(f, "%dh%02dm", (int)(s / 3600), (int)fmod(s / 60, 60));
}

void cli_progress(int done, int total, double started, const char *what)
{
  double el = cli_now() - started;
  int width = 28, fill = total > 0 ? done * width / total : width;
  fprintf(stderr, "\r\033[K[");
  for (int i = 0; i < width; i++)
    fputc(i < fill ? '#' : '.', stderr);
  fprintf(stderr, "] %d/%d ", done, total);
  cli_put_duration(stderr, el);
  if (done > 0 && done < total) {
    fputs(", about ", stderr);
    cli_put_duration(stderr, el / done * (total - done));
    fputs(" left", stderr);
  }
  if (what)
    fprintf(stderr, "  %s", what);
  fflush(stderr);
}


void cli_csv_field(FILE *f, const char *s)
{
  if (!strpbrk(s, ",\"\r\n")) {
    fputs(s, f);
    return;
  }
  fputc('"', f);
  for (; *s; s++) {
    if (*s == '"')
      fputc('"', f);
    fputc(*s, f);
  }
  fputc('"', f);
}

int cli_list_option(const cli_command *cmd, int val, const char *arg, cli_lists *l)
{
  switch (val) {
  case CLI_LIST_CORES:
    if (cli_parse_int_list(arg, 1, GS_MAX_CORES, l->cores, CLI_MAX_LIST, &l->ncores))
      return cli_usage_error(cmd, "--cores: expected a list of core counts from 1 to %d such as "
                                  "1,2,4 or 1-64, got '%s'", GS_MAX_CORES, arg);
    return 0;
  case CLI_LIST_WORKERS:
    if (cli_parse_int_list(arg, 1, GS_MAX_WORKERS, l->workers, CLI_MAX_LIST, &l->nworkers))
      return cli_usage_error(cmd, "--workers: expected a list of worker counts from 1 to %d such "
                                  "as 1,2,4 or 1..16, got '%s'", GS_MAX_WORKERS, arg);
    return 0;
  case CLI_LIST_MODELS:
    if (cli_parse_name_list(arg, gs_model_parse, l->models, 8, &l->nmodels))
      return cli_usage_error(cmd, "--models: expected a list of %s, got '%s'", cli_model_list(),
                             arg);
    return 0;
  }
  return cli_usage_error(cmd, "internal error: list option %d", val);
}

int cli_write_whole(const char *path, const char *data, size_t len)
{
  char tmp[4400];
  int fd = cli_output_temp(path, tmp, sizeof tmp);
  FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
  if (!f) {
    fprintf(stderr, "gilsim: cannot write '%s': %s\n", path, strerror(errno));
    if (fd >= 0) {
      close(fd);
      cli_output_discard(tmp);
    }
    return EXIT_FAIL;
  }
  int bad = fwrite(data, 1, len, f) != len;
  int e = errno;
  if (fclose(f) != 0 && !bad) {
    bad = 1;
    e = errno;
  }
  if (bad) {
    cli_output_discard(tmp);
  } else if (cli_output_commit(tmp, path) == 0) {
    return 0;
  } else {
    e = errno;
  }
  fprintf(stderr, "gilsim: cannot write '%s': %s\n", path, strerror(e ? e : EIO));
  return EXIT_FAIL;
}
