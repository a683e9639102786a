/*
 * report.h - formatting a finished run of the gilsim tool as text, JSON or
 * CSV.
 *
 * Every function writes to a caller-supplied FILE* (the tool formats into a
 * memory buffer and copies it to stdout only once it is complete) and
 * returns 0 on success or -1 when writing (or allocating) failed, with errno
 * set by the failing call.  Output is deterministic: it depends only on the
 * scenario and the results, never on the host, the date or the locale.
 * The scenario gives the name, the path and the workload's inputs; every
 * effective setting (runtime, model, cores...) is read from the results.
 */
#ifndef GS_REPORT_H
#define GS_REPORT_H

#include "gs.h"

#include <stddef.h>
#include <stdio.h>

/* A duration the way IPython's %time prints it (_format_time with
 * precision 3): "994 ms", "16.4 s", "100 µs", "0 ns", "1min 5s".  The µ is
 * UTF-8.  buf always ends up NUL-terminated (truncated if n is too small;
 * 32 bytes is always enough). */
void gs_fmt_time(char *buf, size_t n, double seconds);

/* The human-readable report: settings, per-process, per-thread and
 * per-core tables, the tasks (checked against the reference arithmetic
 * where the workload has one), the event count, and IPython-style
 * "CPU times:" / "Wall time:" lines. */
int gs_report_text(FILE *f, const gs_scenario *sc, const gs_results *r);

/* One JSON object (and a newline) with the settings, the resolved model
 * parameters and every table; times are seconds printed with 9 decimals,
 * i.e. exact nanoseconds. */
int gs_report_json(FILE *f, const gs_scenario *sc, const gs_results *r);

/* CSV (RFC 4180, "\n" line ends): a header line, then one summary row per
 * run, so that several runs (a sweep) can share one header.  The columns
 * (one list in report.c): scenario, file, runtime, model, scheduler, gil,
 * cores, workers, seed, wall_s, user_s, sys_s, events, and nvcsw, nivcsw,
 * migrations summed over the threads. */
int gs_report_csv_header(FILE *f);
int gs_report_csv_row(FILE *f, const gs_scenario *sc, const gs_results *r);

#endif
