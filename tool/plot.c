/*
 * plot.c - x/y plots as PNG or SVG with PLplot's cairo drivers (pngcairo,
 * svgcairo), for gilsim validate and gilsim sweep.
 *
 * PLplot keeps global state and may call exit() on an internal error, so
 * every plot is drawn in a forked child into a temporary file next to the
 * destination; the parent renames it into place only when the child
 * succeeded.  A failed or interrupted plot leaves the destination as it was:
 * the temporary is guarded (guard.h) and the child, named gilsim-plot, is a
 * child of child.h, killed and waited for before a signal's clean-up
 * removes the file it draws into.
 */
#define _GNU_SOURCE

#include "plot.h"
#include "child.h"
#include "cli.h"
#include "guard.h"
#include "output.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <plplot.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

/* A palette readable on white: colour 0 is the background, 1 the axes. */
static const unsigned char palette[][3] = {
  {255, 255, 255}, {40, 40, 40},   {31, 119, 180}, {255, 127, 14}, {44, 160, 44},
  {214, 39, 40},   {148, 103, 189}, {140, 86, 75}, {227, 119, 194}, {127, 127, 127},
  {188, 189, 34},  {23, 190, 207},  {200, 200, 200},
};
#define NPAL ((int)(sizeof palette / sizeof palette[0]))
#define COL_GRID (NPAL - 1)
#define COL_BAND NPAL     /* the translucent error band */
#define FIRST_SERIES 2
#define NSERIES_COLS (NPAL - 3)

static double tx(const plot_spec *p, double v)
{
  if (p->log2x)
    return log2(v);
  return p->logx ? log10(v) : v;
}

static double ty(const plot_spec *p, double v) { return p->logy ? log10(v) : v; }

static int usable(const plot_spec *p, double x, double y)
{
  return isfinite(x) && isfinite(y) && (!(p->logx || p->log2x) || x > 0) && (!p->logy || y > 0);
}

/* Tick labels of a log2 axis: 1, 2, 4, ... */
static void log2_label(PLINT axis, PLFLT value, PLCHAR_NC_VECTOR label, PLINT length, PLPointer data)
{
  (void)data;
  if (axis == PL_X_AXIS) {
    double v = exp2(value);
    if (fabs(v - round(v)) < 1e-9)
      snprintf(label, (size_t)length, "%.0f", v);
    else
      snprintf(label, (size_t)length, "%.3g", v);
  } else {
    snprintf(label, (size_t)length, "%g", value);
  }
}

/* Labels of a log10 axis at 1, 2 and 5 times each power of ten in
 * [lo, hi] (log10 values), with light grid lines there: PLplot's own log
 * axes label whole decades only, too few on a short range. */
static void log_axis_labels(int is_x, double lo, double hi, double olo, double ohi)
{
  static const double fine[] = {1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 7, 8, 9};
  static const double mid[] = {1, 1.5, 2, 3, 4, 5, 7};
  static const double coarse[] = {1, 2, 5};
  const double *steps = coarse;
  int nsteps = 3;
  if (hi - lo < 0.5)
    steps = fine, nsteps = 12;
  else if (hi - lo < 1.2)
    steps = mid, nsteps = 7;
  else if (hi - lo > 3)
    nsteps = 1; /* a long range: decades only */
  for (int e = (int)floor(lo) - 1; e <= (int)ceil(hi); e++)
    for (int k = 0; k < nsteps; k++) {
      double v = steps[k] * pow(10, e), lv = log10(v);
      if (lv < lo - 1e-9 || lv > hi + 1e-9)
        continue;
      char text[32];
      snprintf(text, sizeof text, "%g", v);
      double pos = (lv - lo) / (hi - lo);
      plcol0(COL_GRID);
      plwidth(0.5);
      PLFLT gx[2], gy[2];
      if (is_x) {
        gx[0] = gx[1] = lv, gy[0] = olo, gy[1] = ohi;
      } else {
        gy[0] = gy[1] = lv, gx[0] = olo, gx[1] = ohi;
      }
      plline(2, gx, gy);
      plwidth(1);
      plcol0(1);
      if (is_x)
        plmtex("b", 1.6, pos, 0.5, text);
      else
        plmtex("lv", 0.8, pos, 1.0, text);
    }
}

/* Round a range outward to whole decades (log axes) or a little margin. */
static void pad_range(double *lo, double *hi, int is_log)
{
  if (!(*hi > *lo)) {
    double c = *lo;
    *lo = c - (is_log ? 0.5 : (fabs(c) > 0 ? fabs(c) * 0.1 : 1));
    *hi = c + (is_log ? 0.5 : (fabs(c) > 0 ? fabs(c) * 0.1 : 1));
    return;
  }
  double m = is_log ? fmax((*hi - *lo) * 0.06, 0.02) : (*hi - *lo) * 0.06;
  *lo -= m;
  *hi += m;
}

static void draw_panel(const plot_spec *p, const plot_series *s, int ns)
{
  pladv(0);

  double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
  for (int k = 0; k < ns; k++)
    for (int i = 0; i < s[k].n; i++) {
      if (!usable(p, s[k].x[i], s[k].y[i]))
        continue;
      double x = tx(p, s[k].x[i]), y = ty(p, s[k].y[i]);
      x0 = fmin(x0, x), x1 = fmax(x1, x), y0 = fmin(y0, y), y1 = fmax(y1, y);
    }
  if (!isfinite(x0)) {
    x0 = y0 = 0;
    x1 = y1 = 1;
  }
  if (p->identity) { /* square axes around y = x */
    x0 = y0 = fmin(x0, y0);
    x1 = y1 = fmax(x1, y1);
  }
  pad_range(&x0, &x1, p->logx || p->log2x);
  pad_range(&y0, &y1, p->logy);
  if (p->ymin_zero && !p->logy && y0 > 0 && y0 < (y1 - y0))
    y0 = 0;
  int any_label = 0;
  for (int k = 0; k < ns; k++)
    any_label |= s[k].label != NULL;
  /* a legend on the right goes outside the axes, never over the data */
  plvpor(0.11, p->legend_right && any_label ? 0.6 : 0.95, 0.12, 0.9);
  plwind(x0, x1, y0, y1);

  /* Grid, band and identity line under the data. */
  plcol0(COL_GRID);
  plwidth(0.5);
  char xopt[16], yopt[16];
  snprintf(xopt, sizeof xopt, "g%s", p->logx ? "l" : "");
  snprintf(yopt, sizeof yopt, "g%s", p->logy ? "l" : "");
  if (p->log2x)
    plbox("g", 1.0, 1, p->logy ? "" : yopt, 0, 0);
  else
    plbox(p->logx ? "" : xopt, 0, 0, p->logy ? "" : yopt, 0, 0);
  plwidth(1);
  if (p->logx)
    log_axis_labels(1, x0, x1, y0, y1);
  if (p->logy)
    log_axis_labels(0, y0, y1, x0, x1);
  if (p->identity) {
    double lo = fmin(x0, y0), hi = fmax(x1, y1);
    if (p->band > 0 && p->logx && p->logy) {
      double d = log10(1 + p->band), e = log10(1 - fmin(p->band, 0.99));
      PLFLT bx[4] = {lo, hi, hi, lo}, by[4] = {lo + d, hi + d, hi + e, lo + e};
      plcol0(COL_BAND);
      plfill(4, bx, by);
    }
    PLFLT ix[2] = {lo, hi}, iy[2] = {lo, hi};
    plcol0(1);
    pllsty(2);
    plline(2, ix, iy);
    pllsty(1);
  }

  plcol0(1);
  plschr(0, 0.9);
  if (p->log2x) {
    plslabelfunc(log2_label, NULL);
    plbox("bcnost", 1.0, 1, p->logy ? "bcstl" : "bcnstv", 0, 0);
    plslabelfunc(NULL, NULL);
  } else {
    /* log axes: ticks here, labels by log_axis_labels */
    snprintf(xopt, sizeof xopt, "%s", p->logx ? "bcstl" : "bcnst");
    snprintf(yopt, sizeof yopt, "%s", p->logy ? "bcstl" : "bcnstv");
    plbox(xopt, 0, 0, yopt, 0, 0);
  }
  pllab(p->xlabel ? p->xlabel : "", p->ylabel ? p->ylabel : "", p->title ? p->title : "");

  /* The series. */
  PLINT opts[PLOT_MAX_SERIES], tcol[PLOT_MAX_SERIES], lcol[PLOT_MAX_SERIES],
    lsty[PLOT_MAX_SERIES], scol[PLOT_MAX_SERIES], snum[PLOT_MAX_SERIES];
  PLFLT lw[PLOT_MAX_SERIES], ssc[PLOT_MAX_SERIES];
  const char *text[PLOT_MAX_SERIES], *sym[PLOT_MAX_SERIES];
  static const char *const markers[] = {"#(840)", "#(841)", "#(842)", "#(843)", "#(844)",
                                        "#(845)", "#(846)", "#(847)"};
  int nl = 0;
  for (int k = 0; k < ns && k < PLOT_MAX_SERIES; k++) {
    int col = FIRST_SERIES + (s[k].color % NSERIES_COLS + NSERIES_COLS) % NSERIES_COLS;
    const char *mk = markers[(s[k].marker % 8 + 8) % 8];
    PLFLT *xs = malloc(sizeof *xs * (size_t)(s[k].n + 1));
    PLFLT *ys = malloc(sizeof *ys * (size_t)(s[k].n + 1));
    if (!xs || !ys)
      _exit(3);
    int m = 0;
    for (int i = 0; i < s[k].n; i++)
      if (usable(p, s[k].x[i], s[k].y[i])) {
        xs[m] = tx(p, s[k].x[i]);
        ys[m] = ty(p, s[k].y[i]);
        m++;
      }
    plcol0(col);
    if (s[k].lines && m > 1) {
      plwidth(2);
      pllsty(s[k].dashed ? 3 : 1);
      plline(m, xs, ys);
      pllsty(1);
      plwidth(1);
    }
    if (s[k].points && m > 0) {
      plschr(0, s[k].lines ? 0.9 : 1.1);
      plstring(m, xs, ys, mk);
      plschr(0, 0.9);
    }
    free(xs);
    free(ys);
    if (!s[k].label)
      continue;
    opts[nl] = (s[k].lines ? PL_LEGEND_LINE : 0) | (s[k].points ? PL_LEGEND_SYMBOL : 0);
    tcol[nl] = 1;
    lcol[nl] = col;
    lsty[nl] = s[k].dashed ? 3 : 1;
    lw[nl] = 2;
    scol[nl] = col;
    ssc[nl] = 1;
    snum[nl] = 1;
    text[nl] = s[k].label;
    sym[nl] = mk;
    nl++;
  }
  if (nl > 0) {
    PLFLT lwidth, lheight;
    plscol0a(0, 255, 255, 255, 0.85);
    pllegend(&lwidth, &lheight, PL_LEGEND_BACKGROUND | PL_LEGEND_BOUNDING_BOX,
             p->legend_right ? PL_POSITION_RIGHT | PL_POSITION_OUTSIDE
                             : PL_POSITION_LEFT | PL_POSITION_TOP | PL_POSITION_INSIDE,
             0.02, 0.02, 0.08, 0, 1, 1, 0, 0, nl, opts, 1.0, 0.8, 2.0, 0, tcol,
             (PLCHAR_MATRIX)text, NULL, NULL, NULL, NULL, lcol, lsty, lw, scol, ssc, snum,
             (PLCHAR_MATRIX)sym);
    plscol0a(0, 255, 255, 255, 1.0);
  }
}

static void draw(const plot_panel *panels, int np, const char *device, const char *file)
{
  int w = panels[0].spec.width > 0 ? panels[0].spec.width : 1000;
  int h = panels[0].spec.height > 0 ? panels[0].spec.height : 750;
  plsdev(device);
  plsfnam(file);
  plspage(0, 0, w, h * np, 0, 0);
  plscmap0n(NPAL + 1);
  for (int i = 0; i < NPAL; i++)
    plscol0(i, palette[i][0], palette[i][1], palette[i][2]);
  plscol0a(COL_BAND, 31, 119, 180, 0.12);
  plssub(1, np);
  plinit();
  for (int i = 0; i < np; i++)
    draw_panel(&panels[i].spec, panels[i].series, panels[i].ns);
  plend();
}

/* Draw into a temporary file for path (its name into tmp) in a child:
 * 0, or -1 with the message in err and no temporary left. */
static int render(const char *path, const char *device, const plot_panel *p, int np,
                  char *tmp, size_t ntmp, char *err, size_t nerr)
{
  int fd = cli_output_temp(path, tmp, ntmp);
  if (fd < 0) {
    snprintf(err, nerr, "cannot write '%s': %s", path, strerror(errno));
    return -1;
  }
  close(fd);
  fflush(NULL);
  pid_t pid = gsh_child_fork();
  if (pid < 0) {
    snprintf(err, nerr, "cannot plot: fork: %s", strerror(errno));
    cli_output_discard(tmp);
    return -1;
  }
  if (pid == 0) {
    prctl(PR_SET_NAME, "gilsim-plot");
    /* PLplot and cairo talk on stderr only when something is wrong; keep
     * stdout clean for the caller's report. */
    int devnull = open("/dev/null", O_WRONLY);
    if (devnull >= 0)
      dup2(devnull, 1);
    draw(p, np, device, tmp);
    _exit(0);
  }
  int status;
  if (gsh_child_wait(pid, &status) < 0)
    status = -1;
  FILE *f = fopen(tmp, "rb");
  long size = 0;
  if (f) {
    fseek(f, 0, SEEK_END);
    size = ftell(f);
    fclose(f);
  }
  if (status != 0 || size <= 0) {
    cli_output_discard(tmp);
    if (status != 0 && WIFSIGNALED(status))
      snprintf(err, nerr, "plotting '%s' failed: signal %d", path, WTERMSIG(status));
    else
      snprintf(err, nerr, "plotting '%s' failed (is the PLplot cairo driver, Debian's "
                          "plplot-driver-cairo, installed?)", path);
    return -1;
  }
  return 0;
}

/* Draw each of n files (PNG or SVG by devices[i]) into a temporary, and
 * only when all are drawn rename them over their names, with ^C, SIGTERM
 * and SIGHUP held off between the first rename and the last: the files
 * change together or not at all. */
static int plot_files(int n, const char *const *paths, const char *const *devices,
                      const plot_panel *p, int np, char *err, size_t nerr)
{
  char tmp[2][4400]; /* n is 1 or 2: one format, or both */
  if (n < 1 || n > 2) {
    snprintf(err, nerr, "plot: 1 or 2 files, not %d", n);
    return -1;
  }
  for (int i = 0; i < n; i++) {
    if (render(paths[i], devices[i], p, np, tmp[i], sizeof tmp[i], err, nerr) != 0) {
      for (int j = 0; j < i; j++)
        cli_output_discard(tmp[j]);
      return -1;
    }
  }
  sigset_t old_mask;
  cli_guard_hold(&old_mask);
  int status = 0;
  for (int i = 0; i < n; i++) {
    if (status != 0) {
      cli_output_discard(tmp[i]);
    } else if (cli_output_commit(tmp[i], paths[i]) != 0) {
      snprintf(err, nerr, "cannot write '%s': %s", paths[i], strerror(errno));
      status = -1;
    }
  }
  cli_guard_resume(&old_mask);
  return status;
}

static int plot_one(const char *path, const char *device, const plot_panel *p, int np,
                    char *err, size_t nerr)
{
  return plot_files(1, &path, &device, p, np, err, nerr);
}

static int ends_with(const char *s, const char *suffix)
{
  size_t n = strlen(s), k = strlen(suffix);
  return n >= k && strcmp(s + n - k, suffix) == 0;
}

static int plot_check_name(const char *path)
{
  return path && *path && path[strlen(path) - 1] != '/';
}

int plot_write_panels(const char *path, const plot_panel *p, int np, char *err, size_t nerr)
{
  if (!plot_check_name(path)) {
    snprintf(err, nerr, "plot: expected a file name, got '%s'", path ? path : "");
    return -1;
  }
  if (np < 1 || np > 4) {
    snprintf(err, nerr, "plot: 1 to 4 panels, not %d", np);
    return -1;
  }
  if (ends_with(path, ".png"))
    return plot_one(path, "pngcairo", p, np, err, nerr);
  if (ends_with(path, ".svg"))
    return plot_one(path, "svgcairo", p, np, err, nerr);
  /* No extension given: both formats. */
  char a[4200], b[4200];
  if (snprintf(a, sizeof a, "%s.png", path) >= (int)sizeof a ||
      snprintf(b, sizeof b, "%s.svg", path) >= (int)sizeof b) {
    snprintf(err, nerr, "plot file name too long: '%s'", path);
    return -1;
  }
  const char *paths[2] = {a, b}, *devices[2] = {"pngcairo", "svgcairo"};
  return plot_files(2, paths, devices, p, np, err, nerr);
}

int plot_check(const char *path)
{
  if (!plot_check_name(path) || ends_with(path, ".png") || ends_with(path, ".svg"))
    return cli_output_check(path, 0);
  char a[4200], b[4200];
  snprintf(a, sizeof a, "%s.png", path);
  snprintf(b, sizeof b, "%s.svg", path);
  int status = cli_output_check(a, 0);
  return status ? status : cli_output_check(b, 0);
}

int plot_write(const char *path, const plot_spec *p, const plot_series *s, int ns, char *err,
               size_t nerr)
{
  plot_panel one = {*p, s, ns};
  return plot_write_panels(path, &one, 1, err, nerr);
}
