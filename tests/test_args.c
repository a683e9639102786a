/*
 * test_args.c - the command-line parser shared by the commands that run a
 * scenario (tool/args.c).
 */
#include "cli.h"

#include <criterion/criterion.h>
#include <criterion/redirect.h>

static const cli_command run_like = {
  .prog = "gilsim", .name = "run", .usage = "usage: gilsim run FILE\n",
};

static int parse(run_args *a, int argc, char **argv)
{
  cli_args_init(a);
  return cli_parse(argc, argv, a, &run_like);
}

static void quiet(void)
{
  cr_redirect_stdout();
  cr_redirect_stderr();
}

/* A parse that stops inside "-xh" must leave nothing for the next one,
 * which would otherwise take the rest of that cluster ("h": help) from
 * the first argv, wherever it now is. */
Test(args, a_second_parse_starts_afresh_after_an_error_inside_a_cluster, .init = quiet)
{
  run_args a;
  char first0[] = "run", first1[] = "-xh";
  char *first[] = {first0, first1, NULL};
  cr_assert_eq(parse(&a, 2, first), EXIT_USAGE);

  char second0[] = "run", second1[] = "f.cfg";
  char *second[] = {second0, second1, NULL};
  cr_assert_eq(parse(&a, 2, second), -1, "the second parse took an option of the first");
  cr_assert_str_eq(a.file, "f.cfg");
}

Test(args, a_second_parse_reads_its_own_options)
{
  run_args a;
  char first0[] = "run", first1[] = "--cores", first2[] = "3", first3[] = "a.cfg";
  char *first[] = {first0, first1, first2, first3, NULL};
  cr_assert_eq(parse(&a, 4, first), -1);
  cr_assert_eq(a.cores, 3);

  char second0[] = "run", second1[] = "b.cfg", second2[] = "--workers=2";
  char *second[] = {second0, second1, second2, NULL};
  cr_assert_eq(parse(&a, 3, second), -1);
  cr_assert_eq(a.cores, 0);
  cr_assert_eq(a.workers, 2);
  cr_assert_str_eq(a.file, "b.cfg");
}
