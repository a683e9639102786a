/*
 * fuzz_cli.c - libFuzzer target: the gilsim command line.
 *
 * The input's bytes, split at each NUL, are the arguments after "gilsim":
 * "run\0scenario.cfg\0--cores\0004" is `gilsim run scenario.cfg --cores 4`.
 * They go to the tool's own main() (tool/main.c, compiled into this target
 * as gilsim_main), so the dispatch to each command and each command's
 * option parsing are the shipped code, unchanged.
 *
 * Parsing must not turn into running: a fuzzed `gilsim calibrate` would
 * time this host for a minute and write a file, a `validate` would run
 * python3.  So the functions a command calls once its command line is
 * accepted are wrapped at link time (ld --wrap, see fuzz/CMakeLists.txt)
 * and jump back here instead of returning:
 *   cli_parse            run, measure, sweep and validate: the real parser
 *                        runs; when it says "go on" (-1) the input is done
 *   cli_host_facts       calibrate, about to time this host
 *   gs_calibration_load  calibrate --check FILE, about to read FILE
 * Nothing the commands do before these allocates, so the jump leaks nothing.
 * cli_guard_install, which main() calls first, is wrapped too, to do
 * nothing: libFuzzer keeps its own handlers of SIGINT and SIGTERM (and
 * SIGTSTP stays as it is).
 *
 * The tool writes its help to stdout and closes stdout when done, and
 * writes its errors to stderr: both are swapped for streams that throw the
 * bytes away (stdout a fresh one per input, since the tool may close it),
 * so the formatting runs in full and the fuzzer's own output stays
 * readable.
 */
#define _GNU_SOURCE /* fopencookie */

#include "gilsim_main.h"
#include "cli.h"
#include "guard.h"

#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

/* At most this many arguments (a longer input is cut short). */
#define FUZZ_MAX_ARGS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ---- Stopping before a command runs ------------------------------------- */

static jmp_buf stop;

int __real_cli_parse(int argc, char **argv, run_args *a, const cli_command *cmd);
int __wrap_cli_parse(int argc, char **argv, run_args *a, const cli_command *cmd);
void __wrap_cli_host_facts(char *host, size_t nh, char *cpu, size_t nc, char *kernel, size_t nk,
                           int with_machine);
gs_err __wrap_gs_calibration_load(const char *path, gs_calibration **out, gs_error *err);
void __wrap_cli_guard_install(void (*kill_children)(void), void (*signal_children)(int));

/* A wrapper must keep the type of what it replaces: a change of a
 * signature in the tool stops the build here. */
#define SAME_TYPE(f) \
  _Static_assert(__builtin_types_compatible_p(__typeof__(&f), __typeof__(&__wrap_##f)), \
                 "__wrap_" #f " no longer matches " #f)
SAME_TYPE(cli_parse);
SAME_TYPE(cli_host_facts);
SAME_TYPE(gs_calibration_load);
SAME_TYPE(cli_guard_install);

int __wrap_cli_parse(int argc, char **argv, run_args *a, const cli_command *cmd)
{
  int status = __real_cli_parse(argc, argv, a, cmd);
  if (status < 0)
    longjmp(stop, 1);
  return status;
}

void __wrap_cli_host_facts(char *host, size_t nh, char *cpu, size_t nc, char *kernel, size_t nk,
                           int with_machine)
{
  (void)host, (void)nh, (void)cpu, (void)nc, (void)kernel, (void)nk, (void)with_machine;
  longjmp(stop, 1);
}

gs_err __wrap_gs_calibration_load(const char *path, gs_calibration **out, gs_error *err)
{
  (void)path, (void)out, (void)err;
  longjmp(stop, 1);
}

void __wrap_cli_guard_install(void (*kill_children)(void), void (*signal_children)(int))
{
  (void)kill_children, (void)signal_children;
}

/* ---- Streams that discard ------------------------------------------------- */

static int stdout_closed;

static ssize_t discard(void *cookie, const char *buf, size_t n)
{
  (void)cookie, (void)buf;
  return (ssize_t)n;
}

static int note_close(void *cookie)
{
  *(int *)cookie = 1;
  return 0;
}

static FILE *discarding(int *closed)
{
  cookie_io_functions_t io = {.write = discard, .close = note_close};
  *closed = 0;
  return fopencookie(closed, "w", io);
}

/* ---- The target ------------------------------------------------------------ */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static FILE *err_sink;
  static int err_closed;
  if (!err_sink && !(err_sink = discarding(&err_closed)))
    abort();

  /* One NUL-terminated copy, cut into arguments in place. */
  char *text = malloc(size + 1);
  if (!text)
    return 0;
  memcpy(text, data, size);
  text[size] = 0;
  char *argv[FUZZ_MAX_ARGS + 2];
  int argc = 0;
  argv[argc++] = "gilsim";
  for (char *p = text; size > 0 && argc <= FUZZ_MAX_ARGS;) {
    argv[argc++] = p;
    p += strlen(p);
    if (p == text + size)
      break;
    p++;
  }
  argv[argc] = NULL;

  FILE *real_out = stdout, *real_err = stderr;
  FILE *out = discarding(&stdout_closed);
  if (!out)
    abort();
  stdout = out;
  stderr = err_sink;
  if (setjmp(stop) == 0)
    gilsim_main(argc, argv);
  if (!stdout_closed)
    fclose(out);
  stdout = real_out;
  stderr = real_err;
  free(text);
  return 0;
}
