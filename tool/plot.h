/*
 * plot.h - x/y plots written as PNG or SVG by PLplot's cairo drivers.
 */
#ifndef GS_PLOT_H
#define GS_PLOT_H

#include <stddef.h>

#define PLOT_MAX_SERIES 32

typedef struct {
  const char *label; /* in the legend; NULL: not listed */
  int n;
  const double *x, *y;
  int lines, points, dashed;
  int color;  /* index into the series palette (wraps) */
  int marker; /* 0..7 */
} plot_series;

typedef struct {
  const char *title, *xlabel, *ylabel;
  int logx, logy; /* log10 axes */
  int log2x;      /* x on a log2 axis labelled 1, 2, 4, ... */
  int identity;   /* draw y = x (square axes) */
  double band;    /* with identity and log axes: shade y = x (1 +- band) */
  int ymin_zero;  /* a linear y axis starts at 0 */
  int legend_right;
  int width, height; /* pixels (PNG) or points (SVG); 0: 1000 x 750 */
} plot_spec;

typedef struct {
  plot_spec spec;
  const plot_series *series;
  int ns;
} plot_panel;

/* Write the plot to path: .png or .svg by its extension, or both (path.png
 * and path.svg) when it has neither.  Each file is drawn into a temporary
 * file and renamed into place only when complete.  0, or -1 with err. */
int plot_write(const char *path, const plot_spec *p, const plot_series *s, int ns, char *err,
               size_t nerr);
/* The same with np panels (1 to 4) stacked on one page. */
int plot_write_panels(const char *path, const plot_panel *p, int np, char *err, size_t nerr);
/* Before any long work: can each file plot_write(path) writes be written
 * (output.h)?  0, or EXIT_USAGE after saying why. */
int plot_check(const char *path);

#endif
