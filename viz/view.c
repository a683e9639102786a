/*
 * view.c - the panels of one frame (view.h).
 *
 * Every figure drawn comes from the replay (replay.h) at the frame's time,
 * or from the recorded stream's indexes for the histories; nothing here
 * runs or asks the simulation.  Costs per frame: O(threads + cores +
 * transfers in flight) for the panels, and O(pixels x log events) for the
 * scrolling histories, each pixel column summing at most STRIP_WALK
 * segments (beyond that it shows the state at the column's start).
 */
#include "view.h"
#include "cli.h" /* tool/trace.h: the state colours of trace files */
#include "report.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- Colours ---------------------------------------------------------------- */

static const SDL_Color BG = {22, 24, 28, 255}, PANEL = {32, 35, 41, 255},
                       BORDER = {58, 62, 70, 255}, TEXT = {226, 229, 233, 255},
                       DIM = {140, 146, 156, 255}, IDLE = {48, 51, 58, 255},
                       GOLD = {255, 204, 0, 255}, LAMP_ON = {255, 150, 0, 255},
                       LAMP_OFF = {70, 62, 44, 255}, LAMP_GLOW = {170, 100, 0, 255},
                       FLASH = {230, 40, 40, 255},
                       TRACK = {54, 58, 66, 255}, INK = {16, 16, 16, 255};

/* The Chrome trace viewer's colours of the trace file's cnames
 * (catapult tracing/base/color_scheme.html). */
static const struct {
  const char *cname;
  SDL_Color c;
} cnames[] = {
  {"thread_state_running", {126, 200, 148, 255}},
  {"good", {0, 125, 0, 255}},
  {"thread_state_runnable", {133, 160, 210, 255}},
  {"terrible", {180, 0, 0, 255}},
  {"thread_state_iowait", {255, 140, 0, 255}},
  {"thread_state_sleeping", {240, 240, 240, 255}},
  {"thread_state_uninterruptible", {182, 125, 143, 255}},
  {"generic_work", {125, 125, 125, 255}},
};

SDL_Color vz_state_color(int state)
{
  const char *cn = gs_trace_state_cname((gs_trace_state)state);
  for (size_t i = 0; i < sizeof cnames / sizeof cnames[0]; i++)
    if (strcmp(cn, cnames[i].cname) == 0)
      return cnames[i].c;
  return IDLE;
}

SDL_Color vz_proc_color(int pid)
{
  static const SDL_Color pal[] = {
    {77, 144, 254, 255}, {171, 71, 188, 255}, {0, 172, 193, 255}, {255, 193, 7, 255},
    {236, 64, 122, 255}, {124, 179, 66, 255}, {141, 110, 99, 255}, {92, 107, 192, 255},
    {38, 166, 154, 255}, {255, 112, 67, 255}};
  int n = (int)(sizeof pal / sizeof pal[0]);
  return pal[((pid - 1) % n + n) % n];
}

/* Black or white, whichever reads better on c. */
static SDL_Color ink_on(SDL_Color c)
{
  return 299 * c.r + 587 * c.g + 114 * c.b > 140000 ? INK : TEXT;
}

/* ---- Small helpers ---------------------------------------------------------- */

typedef struct {
  int x, y, w, h;
} box;

typedef struct {
  vz_gfx *g;
  const vz_view *v;
  const vz_rec *r;
  const vz_play *p;
  gs_time now, span; /* the histories show [now - span, now] */
  int lh, pad;       /* body line height, padding */
  FILE *d;
} ctx;

static void fmt_ns(char *buf, size_t n, double ns)
{
  gs_fmt_time(buf, n, ns / 1e9);
}

static const char *thread_name(const vz_rec *r, int tid)
{
  return tid >= 0 && (size_t)tid < r->nthr && r->thr[tid].known ? r->thr[tid].name : "?";
}

static int thread_pid(const vz_rec *r, int tid)
{
  return tid >= 0 && (size_t)tid < r->nthr ? r->thr[tid].pid : 0;
}

/* A thread's label: its name, and its pid when the run has several
 * processes (each has its "main"). */
static const char *label(const ctx *c, int tid)
{
  static char buf[4][64];
  static int k;
  if (c->r->res->nprocs <= 1)
    return thread_name(c->r, tid);
  k = (k + 1) % 4;
  snprintf(buf[k], sizeof buf[k], "%s (pid %d)", thread_name(c->r, tid), thread_pid(c->r, tid));
  return buf[k];
}

static void describe_rect(ctx *c, box b, SDL_Color col)
{
  if (c->d)
    fprintf(c->d, " x=%d y=%d w=%d h=%d rgb=%u,%u,%u", b.x, b.y, b.w, b.h, col.r, col.g, col.b);
}

/* A panel: background, border and title; returns the room inside. */
static box panel(ctx *c, box b, const char *title)
{
  vz_fill(c->g, b.x, b.y, b.w, b.h, PANEL);
  vz_outline(c->g, b.x, b.y, b.w, b.h, BORDER);
  int th = 0;
  if (title) {
    vz_text(c->g, VZ_FONT_BOLD, b.x + c->pad, b.y + c->pad / 2, TEXT, title, b.w - 2 * c->pad);
    th = c->lh + c->pad / 2;
  }
  return (box){b.x + c->pad, b.y + c->pad / 2 + th, b.w - 2 * c->pad, b.h - c->pad - th};
}

/* A horizontal bar: track, then fill of fraction f. */
static void bar(ctx *c, box b, double f, SDL_Color fill)
{
  vz_fill(c->g, b.x, b.y, b.w, b.h, TRACK);
  if (f > 1)
    f = 1;
  if (f > 0)
    vz_fill(c->g, b.x, b.y, (int)lround(b.w * f), b.h, fill);
}

/* ---- Scrolling histories ------------------------------------------------------ */

#define STRIP_WALK 64 /* segments summed per pixel column at most */

/* Segment k of a thread's or a core's event list: start, end, value. */
static void seg_of(const vz_rec *r, const uint32_t *idx, size_t n, size_t k, bool core,
                   gs_time *start, gs_time *end, int *value)
{
  const vz_ev *e = &r->ev[idx[k]];
  *start = e->at;
  if (core) {
    *end = k + 1 < n ? r->ev[idx[k + 1]].at : INT64_MAX;
    *value = e->b;
  } else {
    *end = e->x;
    *value = e->c;
  }
}

static bool value_color(const vz_rec *r, bool core, int value, SDL_Color *out)
{
  if (core) {
    *out = value < 0 ? IDLE : vz_proc_color(thread_pid(r, value));
    return true;
  }
  if (value < 0 || value == GS_TRS_DONE)
    return false;
  *out = vz_state_color(value);
  return true;
}

/* Draw the history of one thread (core false) or core in b: each pixel
 * column gets the value that filled most of its time. */
static void strip(ctx *c, box b, const uint32_t *idx, size_t n, bool core)
{
  const vz_rec *r = c->r;
  gs_time t0 = c->now - c->span;
  if (!n || b.w <= 0)
    return;
  /* the last segment starting at or before t0 */
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (r->ev[idx[mid]].at <= t0)
      lo = mid + 1;
    else
      hi = mid;
  }
  size_t k = lo ? lo - 1 : 0;
  int run_x = -1;
  SDL_Color run_c = {0, 0, 0, 0};
  for (int px = 0; px <= b.w; px++) {
    bool have = false;
    SDL_Color col = {0, 0, 0, 0};
    gs_time c0 = t0 + (gs_time)((double)c->span * px / b.w);
    gs_time c1 = t0 + (gs_time)((double)c->span * (px + 1) / b.w);
    if (c1 > c->now)
      c1 = c->now;
    if (px < b.w && c0 < c1 && c1 > 0) {
      while (k + 1 < n && r->ev[idx[k + 1]].at <= c0)
        k++;
      int vals[8], nv = 0;
      gs_time tot[8];
      for (size_t j = k; j < n && j < k + STRIP_WALK; j++) {
        gs_time s, e;
        int v;
        seg_of(r, idx, n, j, core, &s, &e, &v);
        if (s >= c1)
          break;
        gs_time ov = (e < c1 ? e : c1) - (s > c0 ? s : c0);
        if (ov <= 0 && !(s == c0 && e == s))
          continue;
        int i = 0;
        while (i < nv && vals[i] != v)
          i++;
        if (i == nv) {
          if (nv == 8)
            continue;
          vals[nv] = v;
          tot[nv++] = 0;
        }
        tot[i] += ov;
      }
      int best = -1;
      for (int i = 0; i < nv; i++)
        if (best < 0 || tot[i] > tot[best])
          best = i;
      if (best >= 0)
        have = value_color(r, core, vals[best], &col);
    }
    bool same = have && run_x >= 0 && memcmp(&col, &run_c, sizeof col) == 0;
    if (!same) {
      if (run_x >= 0)
        vz_fill(c->g, b.x + run_x, b.y, px - run_x, b.h, run_c);
      run_x = have ? px : -1;
      run_c = col;
    }
  }
}

/* ---- Header and legend -------------------------------------------------------- */

static int header(ctx *c)
{
  const vz_view *v = c->v;
  const vz_rec *r = c->r;
  vz_gfx *g = c->g;
  int pad = c->pad, y = pad / 2, tl = vz_line_height(g, VZ_FONT_TITLE);
  char buf[512], a[32], b[32], d[32];

  snprintf(buf, sizeof buf, "gilsim-viz · %s", v->sc->name ? v->sc->name : "?");
  int tw = vz_text(g, VZ_FONT_TITLE, pad, y, TEXT, buf, v->w / 2);
  if (v->sc->description)
    vz_text(g, VZ_FONT_BODY, pad + tw + pad, y + (tl - c->lh) / 2, DIM, v->sc->description,
            v->w / 2 - tw - 2 * pad);
  fmt_ns(a, sizeof a, (double)v->end);
  snprintf(buf, sizeof buf, "t = %.6f s  of %s", (double)c->now / 1e9, a);
  vz_text_right(g, VZ_FONT_TITLE, v->w - pad, y, TEXT, buf);
  y += tl;

  char gil[96];
  if (r->gil == GS_GIL_NEW) {
    fmt_ns(a, sizeof a, (double)r->switch_interval);
    snprintf(gil, sizeof gil, "GIL new, switch interval %s", a);
  } else if (r->gil == GS_GIL_OLD) {
    snprintf(gil, sizeof gil, "GIL old, released every %.0f ticks",
             r->res->params.v[GS_P_CHECK_INTERVAL]);
  } else {
    snprintf(gil, sizeof gil, "no GIL");
  }
  const char *cal = v->sc->calibration && v->sc->calibration->path ? v->sc->calibration->path
                                                                   : "built-in defaults";
  const char *slash = strrchr(cal, '/');
  snprintf(buf, sizeof buf, "%s · %s, %d worker%s · %d core%s · scheduler %s · %s · calibration %s",
           gs_runtime_name(r->res->runtime), gs_model_name(r->res->model), r->res->workers,
           r->res->workers == 1 ? "" : "s", r->res->cores, r->res->cores == 1 ? "" : "s",
           gs_sched_name(r->res->sched), gil, slash ? slash + 1 : cal);
  vz_text(g, VZ_FONT_BODY, pad, y, DIM, buf, v->w * 3 / 5);
  fmt_ns(a, sizeof a, v->speed);
  snprintf(buf, sizeof buf, "%s%s%s %s per second%s", v->status ? v->status : "",
           v->status ? "   " : "", v->playing ? "▶" : "❚❚ paused ·", a,
           c->now >= v->end ? " · end of run" : "");
  vz_text_right(g, VZ_FONT_BODY, v->w - pad, y, v->status ? GOLD : TEXT, buf);
  y += c->lh;

  gs_time u, s;
  vz_play_cpu(c->p, &u, &s);
  gs_time wall = c->now < r->end ? c->now : r->res->wall;
  fmt_ns(a, sizeof a, (double)u);
  fmt_ns(b, sizeof b, (double)s);
  fmt_ns(d, sizeof d, (double)(u + s));
  char w[32];
  fmt_ns(w, sizeof w, (double)wall);
  snprintf(buf, sizeof buf, "CPU times: user %s, sys: %s, total: %s    Wall time: %s", a, b, d, w);
  int cw = vz_text(g, VZ_FONT_MONO, pad, y, TEXT, buf, v->w - 2 * pad);
  if (v->meas) {
    size_t done = 0;
    for (size_t i = 0; i < r->res->ntasks; i++)
      done += r->res->tasks[i].finished <= c->now;
    fmt_ns(a, sizeof a, (double)v->meas->end);
    snprintf(buf, sizeof buf, "tasks done: simulated %zu/%zu, measured %zu/%zu · measured Wall "
                              "time: %s", done, r->res->ntasks, vz_measured_done(v->meas, c->now),
             v->meas->tasks, a);
    vz_text(g, VZ_FONT_BODY, pad + cw + 2 * pad, y, GOLD, buf, v->w - cw - 4 * pad);
  }
  if (c->d)
    fprintf(c->d, "cpu user=%" PRId64 " sys=%" PRId64 " wall=%" PRId64 "\n", u, s, wall);
  return y + c->lh + pad / 2;
}

static void legend(ctx *c, box b)
{
  vz_gfx *g = c->g;
  int x = b.x + c->pad, sw = c->lh * 3 / 4, y = b.y + (b.h - c->lh) / 2;
  for (int s = 0; s < GS_TRS_COUNT; s++) {
    if (s == GS_TRS_DONE)
      continue;
    const char *name = gs_trace_state_name((gs_trace_state)s);
    vz_fill(g, x, y + (c->lh - sw) / 2, sw, sw, vz_state_color(s));
    x += sw + c->pad / 2;
    x += vz_text(g, VZ_FONT_BODY, x, y, TEXT, name, 0) + c->pad * 2;
  }
  vz_fill(g, x, y + (c->lh - sw) / 2, sw, sw, GOLD);
  x += sw + c->pad / 2;
  x += vz_text(g, VZ_FONT_BODY, x, y, TEXT, "GIL holder", 0) + c->pad * 2;
  vz_text_right(g, VZ_FONT_BODY, b.x + b.w - c->pad, y, DIM, "h: keys");
}

/* ---- Cores -------------------------------------------------------------------- */

static void cores_panel(ctx *c, box b)
{
  const vz_rec *r = c->r;
  const vz_play *p = c->p;
  vz_gfx *g = c->g;
  int busy = 0;
  for (int i = 0; i < r->ncores; i++)
    busy += p->c[i].tid >= 0;
  char title[128], a[32];
  fmt_ns(a, sizeof a, (double)c->span);
  snprintf(title, sizeof title, "Cores · %d of %d busy · the last %s", busy, r->ncores, a);
  box in = panel(c, b, title);
  int n = r->ncores, gap = 2;
  int lane = n ? (in.h + gap) / n - gap : 0;
  if (lane > c->lh * 9 / 5)
    lane = c->lh * 9 / 5;
  int shown = n;
  if (lane < 3) { /* too many cores for the room: as many lanes as fit */
    lane = 3;
    shown = (in.h - c->lh + gap) / (lane + gap);
    if (shown < 0)
      shown = 0;
  }
  int label_w = vz_text_width(g, VZ_FONT_MONO, "core 000") + c->pad;
  int occ_w = in.w / 3, strip_w = in.w - label_w - occ_w - c->pad;
  bool text = lane >= c->lh - 2;
  for (int i = 0; i < shown; i++) {
    int y = in.y + i * (lane + gap);
    int tid = p->c[i].tid;
    if (text) {
      char lbl[16];
      snprintf(lbl, sizeof lbl, "core %d", i);
      vz_text(g, VZ_FONT_MONO, in.x, y + (lane - c->lh) / 2, DIM, lbl, label_w);
    }
    box sb = {in.x + label_w, y, strip_w, lane};
    vz_fill(g, sb.x, sb.y, sb.w, sb.h, BG);
    strip(c, sb, r->cores[i].idx, r->cores[i].nidx, true);
    /* the thread on the core now: a box in its process's colour */
    int ox = sb.x + sb.w + c->pad;
    SDL_Color col = tid >= 0 ? vz_proc_color(thread_pid(r, tid)) : IDLE;
    vz_fill(g, ox, y, occ_w, lane, col);
    int mk = lane < c->pad ? lane : c->pad; /* a marker patch with no text */
    box marker = {ox + 1, y + 1, mk > 2 ? mk - 2 : 1, lane > 2 ? lane - 2 : 1};
    char name[96];
    if (tid >= 0)
      snprintf(name, sizeof name, "%s (pid %d)", thread_name(r, tid), thread_pid(r, tid));
    else
      snprintf(name, sizeof name, "idle");
    if (text) {
      char lbl[160], a2[32];
      fmt_ns(a2, sizeof a2, (double)(c->now - p->c[i].since));
      if (tid >= 0)
        snprintf(lbl, sizeof lbl, "%s · %s", name, a2);
      else
        snprintf(lbl, sizeof lbl, "idle");
      vz_text(g, VZ_FONT_BODY, ox + mk + c->pad / 2, y + (lane - c->lh) / 2,
              tid >= 0 ? ink_on(col) : DIM, lbl, occ_w - mk - c->pad);
    }
    if (c->d) {
      fprintf(c->d, "lane %d tid=%d pid=%d", i, tid, tid >= 0 ? thread_pid(r, tid) : 0);
      describe_rect(c, marker, col);
      fprintf(c->d, " name=%s\n", name);
    }
  }
  if (shown < n) {
    char more[64];
    snprintf(more, sizeof more, "+%d more cores", n - shown);
    vz_text(g, VZ_FONT_BODY, in.x, in.y + in.h - c->lh, DIM, more, in.w);
  }
}

/* ---- GIL ---------------------------------------------------------------------- */

/* Failed wake-ups flash for this much animation time. */
#define FLASH_S 0.3

static bool flashing(const ctx *c, gs_time at)
{
  return at >= 0 && c->now - at <= (gs_time)(FLASH_S * c->v->speed) + 1 && at <= c->now;
}

/* The replay the comparison functions below read (qsort takes no context;
 * frames are drawn by one thread). */
static const vz_play *sorting;

static int cmp_wait(const void *a, const void *b)
{
  const vz_play *p = sorting;
  int x = *(const int *)a, y = *(const int *)b;
  gs_time s = p->t[x].wait_since, t = p->t[y].wait_since;
  return (s > t) - (s < t);
}

/* One process's GIL in b. */
static void gil_block(ctx *c, box b, int pid)
{
  const vz_rec *r = c->r;
  const vz_play *p = c->p;
  const vz_gstate *gs = &p->g[pid];
  vz_gfx *g = c->g;
  int y = b.y, lh = c->lh;
  char buf[256], a[32];
  bool proc_flash = flashing(c, gs->last_fail);

  /* line 1: process, drop request lamp, counts */
  snprintf(buf, sizeof buf, "pid %d %s", pid, r->procs[pid].name);
  int x = b.x + vz_text(g, VZ_FONT_BOLD, b.x, y, vz_proc_color(pid), buf, b.w / 3) + c->pad;
  int lamp = lh * 2 / 3;
  box lb = {x, y + (lh - lamp) / 2, lamp, lamp};
  /* A request usually lives only until the holder's next check point
   * (gil_check, 200 ns): it glows on a while, as a failed wake-up flashes. */
  bool glow = !gs->drop && gs->drop_requests > 0 && flashing(c, gs->drop_since);
  SDL_Color lc = gs->drop ? LAMP_ON : glow ? LAMP_GLOW : LAMP_OFF;
  if (r->gil == GS_GIL_NEW) {
    vz_fill(g, lb.x, lb.y, lb.w, lb.h, lc);
    x += lamp + c->pad / 2;
    x += vz_text(g, VZ_FONT_BODY, x, y, gs->drop || glow ? LAMP_ON : DIM, "drop request", 0) +
         c->pad;
    if (c->d) {
      fprintf(c->d, "drop %d lit=%d glow=%d", pid, gs->drop, glow);
      describe_rect(c, lb, lc);
      fputc('\n', c->d);
    }
  }
  snprintf(buf, sizeof buf, "taken %" PRIu64 " · switches %" PRIu64 " · drop requests %" PRIu64
                            " · forced %" PRIu64 " · failed wake-ups %" PRIu64,
           gs->acquisitions, gs->switches, gs->drop_requests, gs->forced_switches,
           gs->failed_wakeups);
  if (r->gil == GS_GIL_OLD)
    snprintf(buf, sizeof buf, "taken %" PRIu64 " · switches %" PRIu64 " · failed wake-ups %" PRIu64,
             gs->acquisitions, gs->switches, gs->failed_wakeups);
  vz_text(g, VZ_FONT_BODY, x, y, proc_flash ? FLASH : DIM, buf, b.x + b.w - x);
  y += lh;
  if (y + lh > b.y + b.h)
    return;

  /* line 2: the holder */
  int hw = b.w / 2;
  SDL_Color hc = gs->holder >= 0 ? GOLD : IDLE;
  vz_fill(g, b.x, y, hw, lh, hc);
  box hm = {b.x + 1, y + 1, c->pad - 2, lh - 2};
  if (gs->holder >= 0) {
    fmt_ns(a, sizeof a, (double)(c->now - gs->since));
    snprintf(buf, sizeof buf, "holder: %s · %s", label(c, gs->holder), a);
  } else {
    snprintf(buf, sizeof buf, "free");
  }
  vz_text(g, VZ_FONT_BODY, b.x + c->pad, y, gs->holder >= 0 ? INK : DIM, buf, hw - c->pad);
  if ((gs->drop || glow) && gs->drop_by >= 0) {
    fmt_ns(a, sizeof a, (double)(c->now - gs->drop_since));
    snprintf(buf, sizeof buf, "%s asked %s to drop it %s ago", label(c, gs->drop_by),
             label(c, gs->drop_asked), a);
    vz_text(g, VZ_FONT_BODY, b.x + hw + c->pad, y, LAMP_ON, buf, b.w - hw - c->pad);
  }
  if (c->d) {
    fprintf(c->d, "holder %d tid=%d", pid, gs->holder);
    describe_rect(c, hm, hc);
    fprintf(c->d, " name=%s\n", gs->holder >= 0 ? thread_name(r, gs->holder) : "");
  }
  y += lh + 2;

  /* the waiters: asking for the GIL, longest first */
  int *w = malloc((r->nthr ? r->nthr : 1) * sizeof *w), nw = 0;
  if (!w)
    return;
  for (size_t i = 0; i < r->nthr; i++)
    if (p->t[i].live && r->thr[i].pid == pid && (p->t[i].in_take || p->t[i].forced) &&
        p->t[i].state != GS_TRS_DONE && (int)i != gs->holder)
      w[nw++] = (int)i;
  sorting = p;
  qsort(w, (size_t)nw, sizeof *w, cmp_wait);
  int row = lh, name_w = b.w / 4, shown = 0;
  for (int k = 0; k < nw; k++) {
    if (y + row > b.y + b.h - (k + 1 < nw ? lh : 0))
      break;
    const vz_tstate *t = &p->t[w[k]];
    bool fl = flashing(c, t->last_fail);
    if (fl)
      vz_fill(g, b.x, y, b.w, row, (SDL_Color){110, 20, 20, 255});
    SDL_Color pc = vz_proc_color(pid);
    vz_fill(g, b.x, y + 2, 4, row - 4, pc);
    vz_text(g, VZ_FONT_BODY, b.x + 8, y, TEXT, label(c, w[k]), name_w - 8);
    box bb = {b.x + name_w, y + row / 4, b.w / 3, row / 2};
    double fill = 0;
    gs_time waited = c->now - t->wait_since;
    if (t->forced) {
      bar(c, bb, 0, TRACK);
      snprintf(buf, sizeof buf, "forced switch: waits for another thread to take it");
    } else if (!t->waiting) {
      fill = 1;
      bar(c, bb, 1, vz_state_color(GS_TRS_RUNNABLE));
      snprintf(buf, sizeof buf, "woken: %s, checks the GIL",
               t->state == GS_TRS_RUNNABLE ? "waits for a core" : "on a core");
    } else if (r->gil == GS_GIL_NEW && r->switch_interval > 0) {
      fill = (double)waited / (double)r->switch_interval;
      bar(c, bb, fill, vz_state_color(GS_TRS_GIL_WAIT));
      char i2[32];
      fmt_ns(a, sizeof a, (double)waited);
      fmt_ns(i2, sizeof i2, (double)r->switch_interval);
      snprintf(buf, sizeof buf, "timer %s of %s", a, i2);
    } else {
      fill = 1;
      bar(c, bb, 1, vz_state_color(GS_TRS_GIL_WAIT));
      fmt_ns(a, sizeof a, (double)waited);
      snprintf(buf, sizeof buf, "waiting %s, no time-out", a);
    }
    if (fl) {
      size_t l = strlen(buf);
      snprintf(buf + l, sizeof buf - l, " · failed wake-up!");
    }
    vz_text(g, VZ_FONT_BODY, bb.x + bb.w + c->pad, y, fl ? (SDL_Color){255, 200, 200, 255} : DIM,
            buf, b.x + b.w - bb.x - bb.w - c->pad);
    if (c->d)
      fprintf(c->d, "waiter %d tid=%d fill=%.4f failed=%d name=%s\n", pid, w[k],
              fill > 1 ? 1 : fill, fl, thread_name(r, w[k]));
    y += row;
    shown++;
  }
  if (shown < nw) {
    snprintf(buf, sizeof buf, "+%d more waiting", nw - shown);
    vz_text(g, VZ_FONT_BODY, b.x, y, DIM, buf, b.w);
  } else if (nw == 0 && y + lh <= b.y + b.h) {
    vz_text(g, VZ_FONT_BODY, b.x, y, DIM, "no waiters", b.w);
  }
  free(w);
}

static void gil_panel(ctx *c, box b)
{
  const vz_rec *r = c->r;
  box in = panel(c, b, r->gil == GS_GIL_NONE ? "GIL" : "GIL of each process: holder and waiters");
  if (r->gil == GS_GIL_NONE) {
    vz_text(c->g, VZ_FONT_BODY, in.x, in.y, DIM,
            "No GIL in this run: threads run in parallel (g cycles the GIL mode).", in.w);
    return;
  }
  int n = 0;
  for (size_t pid = 0; pid < r->nprocs; pid++)
    n += r->procs[pid].known && r->procs[pid].has_gil;
  if (!n) {
    vz_text(c->g, VZ_FONT_BODY, in.x, in.y, DIM, "No GIL taken yet.", in.w);
    return;
  }
  int each = in.h / n, min = 3 * c->lh + 4, shown = 0, y = in.y;
  if (each < min)
    each = min;
  for (size_t pid = 0; pid < r->nprocs; pid++) {
    if (!r->procs[pid].known || !r->procs[pid].has_gil)
      continue;
    if (y + each > in.y + in.h + 2)
      break;
    gil_block(c, (box){in.x, y, in.w, each - 4}, (int)pid);
    y += each;
    shown++;
  }
  if (shown < n) {
    char more[64];
    snprintf(more, sizeof more, "+%d more processes", n - shown);
    vz_text_right(c->g, VZ_FONT_BODY, in.x + in.w, b.y + c->pad / 2, DIM, more);
  }
}

/* ---- Run queue and event loop ------------------------------------------------------ */

static int cmp_since(const void *a, const void *b)
{
  const vz_play *p = sorting;
  int x = *(const int *)a, y = *(const int *)b;
  gs_time s = p->t[x].since, t = p->t[y].since;
  return (s > t) - (s < t) ? (s > t) - (s < t) : (x > y) - (x < y);
}

/* Chips left to right, wrapping, in b; returns how many fitted. */
static int chip(ctx *c, box b, int *x, int *y, const char *label, SDL_Color col)
{
  int w = vz_text_width(c->g, VZ_FONT_BODY, label) + c->pad;
  if (w > b.w)
    w = b.w;
  if (*x + w > b.x + b.w) {
    *x = b.x;
    *y += c->lh + 3;
  }
  if (*y + c->lh > b.y + b.h)
    return 0;
  vz_fill(c->g, *x, *y, w, c->lh, col);
  vz_text(c->g, VZ_FONT_BODY, *x + c->pad / 2, *y, ink_on(col), label, w - c->pad / 2);
  *x += w + 3;
  return 1;
}

static void runq_panel(ctx *c, box b)
{
  const vz_rec *r = c->r;
  const vz_play *p = c->p;
  int *q = malloc((r->nthr ? r->nthr : 1) * sizeof *q), n = 0;
  if (!q)
    return;
  for (size_t i = 0; i < r->nthr; i++)
    if (p->t[i].live && p->t[i].state == GS_TRS_RUNNABLE)
      q[n++] = (int)i;
  sorting = p;
  qsort(q, (size_t)n, sizeof *q, cmp_since);
  char title[96];
  snprintf(title, sizeof title, "OS run queue · %d runnable", n);
  box in = panel(c, b, title);
  int x = in.x, y = in.y, shown = 0;
  box room = {in.x, in.y, in.w, in.h - c->lh};
  for (int k = 0; k < n; k++) {
    char lbl[96], a[32];
    fmt_ns(a, sizeof a, (double)(c->now - p->t[q[k]].since));
    snprintf(lbl, sizeof lbl, "%s %s", label(c, q[k]), a);
    if (!chip(c, room, &x, &y, lbl, vz_proc_color(thread_pid(r, q[k]))))
      break;
    if (c->d)
      fprintf(c->d, "runq tid=%d name=%s\n", q[k], thread_name(r, q[k]));
    shown++;
  }
  if (shown < n) {
    char more[48];
    snprintf(more, sizeof more, "+%d more", n - shown);
    vz_text(c->g, VZ_FONT_BODY, in.x, in.y + in.h - c->lh, DIM, more, in.w);
  } else if (!n) {
    vz_text(c->g, VZ_FONT_BODY, in.x, in.y, DIM, "empty: no thread waits for a core", in.w);
  }
  free(q);
}

static void loop_panel(ctx *c, box b)
{
  const vz_rec *r = c->r;
  const vz_play *p = c->p;
  vz_gfx *g = c->g;
  if (r->res->model != GS_MODEL_ASYNCIO || r->ctr_ready < 0) {
    box in = panel(c, b, "Event loop");
    vz_text(g, VZ_FONT_BODY, in.x, in.y, DIM, "No event loop: the asyncio model has one.", in.w);
    return;
  }
  int64_t ready = p->counter[r->ctr_ready];
  char title[96], buf[160], a[32];
  snprintf(title, sizeof title, "Event loop · %" PRId64 " ready coroutine%s", ready,
           ready == 1 ? "" : "s");
  box in = panel(c, b, title);
  if (c->d)
    fprintf(c->d, "ready n=%" PRId64 "\n", ready);
  /* the loop thread: the main thread (tid 0) runs the loop */
  int lt = 0;
  const vz_tstate *t = r->nthr ? &p->t[lt] : NULL;
  if (t && t->state >= 0) {
    if (t->state == GS_TRS_IO) {
      fmt_ns(a, sizeof a, (double)(t->until - c->now));
      snprintf(buf, sizeof buf, "loop: epoll_wait, wakes in %s", a);
    } else {
      snprintf(buf, sizeof buf, "loop: %s", gs_trace_state_name((gs_trace_state)t->state));
    }
    int sw = c->lh * 2 / 3;
    vz_fill(g, in.x, in.y + (c->lh - sw) / 2, sw, sw, vz_state_color(t->state));
    vz_text(g, VZ_FONT_BODY, in.x + sw + c->pad / 2, in.y, TEXT, buf, in.w - sw);
  }
  int y = in.y + c->lh;
  if (r->ctr_await >= 0) {
    int64_t aw = p->counter[r->ctr_await];
    gs_time next = vz_next_wake(r, c->now);
    if (aw > 0 && next >= 0) {
      fmt_ns(a, sizeof a, (double)(next - c->now));
      snprintf(buf, sizeof buf, "%" PRId64 " awaiting a sleep or I/O · the next in %s", aw, a);
    } else {
      snprintf(buf, sizeof buf, "%" PRId64 " awaiting a sleep or I/O", aw);
    }
    vz_text(g, VZ_FONT_BODY, in.x, y, DIM, buf, in.w);
    y += c->lh;
    if (c->d)
      fprintf(c->d, "awaiting n=%" PRId64 " next=%" PRId64 "\n", aw, next);
  }
  /* the ready queue: one box per coroutine, oldest at the left */
  int cell = c->lh, x = in.x, shown = 0;
  y += 4;
  for (int64_t k = 0; k < ready; k++) {
    if (x + cell > in.x + in.w) {
      x = in.x;
      y += cell + 3;
    }
    if (y + cell > in.y + in.h - c->lh)
      break;
    vz_fill(g, x, y, cell, cell, vz_state_color(GS_TRS_RUNNABLE));
    x += cell + 3;
    shown++;
  }
  if (shown < ready) {
    snprintf(buf, sizeof buf, "+%" PRId64 " more ready", ready - shown);
    vz_text(g, VZ_FONT_BODY, in.x, in.y + in.h - c->lh, DIM, buf, in.w);
  } else if (!ready) {
    vz_text(g, VZ_FONT_BODY, in.x, y, DIM, "ready queue empty", in.w);
  }
}

/* ---- I/O in flight ---------------------------------------------------------------- */

typedef struct {
  int kind; /* 0 download, 1 sleep, 2 blocking I/O, 3 coroutines' timers */
  size_t k; /* transfer or thread */
  gs_time key;
} io_row;

static int cmp_io(const void *a, const void *b)
{
  const io_row *x = a, *y = b;
  if (x->kind != y->kind)
    return x->kind - y->kind;
  return (x->key > y->key) - (x->key < y->key);
}

static void fmt_bytes(char *buf, size_t n, double b)
{
  if (b >= 1e9)
    snprintf(buf, n, "%.2f GB", b / 1e9);
  else if (b >= 1e6)
    snprintf(buf, n, "%.2f MB", b / 1e6);
  else if (b >= 1e3)
    snprintf(buf, n, "%.1f kB", b / 1e3);
  else
    snprintf(buf, n, "%.0f B", b);
}

static void io_panel(ctx *c, box b)
{
  const vz_rec *r = c->r;
  const vz_play *p = c->p;
  vz_gfx *g = c->g;
  size_t cap = p->nio + r->nthr + 2, n = 0;
  io_row *rows = malloc(cap * sizeof *rows);
  bool *owns = calloc(r->nthr ? r->nthr : 1, sizeof *owns);
  if (!rows || !owns) {
    free(rows);
    free(owns);
    return;
  }
  for (size_t i = 0; i < p->nio; i++) {
    const vz_xfer *x = &r->xfer[p->io[i]];
    rows[n++] = (io_row){0, p->io[i], x->requested};
    if (x->tid >= 0 && (size_t)x->tid < r->nthr)
      owns[x->tid] = true;
  }
  for (size_t t = 0; t < r->nthr; t++) {
    int s = p->t[t].state;
    if (p->t[t].live && !owns[t] && (s == GS_TRS_SLEEP || (s == GS_TRS_IO && t != 0) ||
                                     (s == GS_TRS_IO && r->res->model != GS_MODEL_ASYNCIO)))
      rows[n++] = (io_row){s == GS_TRS_SLEEP ? 1 : 2, t, p->t[t].until};
  }
  int64_t aw = r->ctr_await >= 0 ? p->counter[r->ctr_await] : 0;
  gs_time next = aw > 0 ? vz_next_wake(r, c->now) : -1;
  if (next >= 0) /* the coroutines' awaited sleeps and I/O: the loop's timers */
    rows[n++] = (io_row){3, 0, next};
  qsort(rows, n, sizeof *rows, cmp_io);
  char title[96];
  snprintf(title, sizeof title, "I/O in flight · %zu download%s, %zu sleep%s or wait%s", p->nio,
           p->nio == 1 ? "" : "s", n - p->nio, n - p->nio == 1 ? "" : "s",
           n - p->nio == 1 ? "" : "s");
  box in = panel(c, b, title);
  int y = in.y, label_w = in.w * 2 / 5, bw = in.w / 4, shown = 0;
  for (size_t i = 0; i < n; i++) {
    if (y + c->lh > in.y + in.h - (i + 1 < n ? c->lh : 0))
      break;
    char lbl[160], txt[160], a[32], bb2[32];
    double f;
    gs_time left;
    SDL_Color col = vz_state_color(GS_TRS_IO);
    if (rows[i].kind == 3) {
      /* the bar runs from the latest change of the awaiting count */
      size_t lo = 0, hi = r->nwakes;
      while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (r->wakes[mid] <= c->now)
          lo = mid + 1;
        else
          hi = mid;
      }
      gs_time prev = lo ? r->wakes[lo - 1] : 0;
      left = rows[i].key - c->now;
      f = rows[i].key > prev ? (double)left / (double)(rows[i].key - prev) : 0;
      fmt_ns(a, sizeof a, (double)left);
      snprintf(lbl, sizeof lbl, "%" PRId64 " coroutine%s awaiting", aw, aw == 1 ? "" : "s");
      snprintf(txt, sizeof txt, "the next wakes in %s", a);
      col = vz_state_color(GS_TRS_SLEEP);
      if (c->d)
        fprintf(c->d, "io kind=coroutines n=%" PRId64 " left=%" PRId64 "\n", aw, left);
    } else if (rows[i].kind == 0) {
      const vz_xfer *x = &r->xfer[rows[i].k];
      fmt_bytes(bb2, sizeof bb2, (double)x->bytes);
      snprintf(lbl, sizeof lbl, "GET #%" PRIu64 " · %s · %s", x->id, label(c, x->tid), bb2);
      if (c->now < x->first_byte) { /* waiting for the first byte: a countdown */
        left = x->first_byte - c->now;
        f = x->first_byte > x->requested
              ? (double)left / (double)(x->first_byte - x->requested) : 0;
        fmt_ns(a, sizeof a, (double)left);
        snprintf(txt, sizeof txt, "first byte in %s", a);
        col = vz_state_color(GS_TRS_SLEEP);
      } else {
        f = vz_xfer_progress(r, x, c->now);
        left = x->done - c->now;
        fmt_bytes(a, sizeof a, f * (double)x->bytes);
        snprintf(txt, sizeof txt, "%.0f%% · %s", 100 * f, a);
      }
      if (c->d)
        fprintf(c->d, "io kind=download tid=%d progress=%.4f left=%" PRId64 "\n", x->tid,
                c->now < x->first_byte ? 0.0 : f, left);
    } else {
      const vz_tstate *t = &p->t[rows[i].k];
      left = t->until - c->now;
      f = t->until > t->since ? (double)left / (double)(t->until - t->since) : 0;
      fmt_ns(a, sizeof a, (double)left);
      snprintf(lbl, sizeof lbl, "%s · %s", label(c, (int)rows[i].k),
               rows[i].kind == 1 ? "sleeping" : "blocking I/O");
      snprintf(txt, sizeof txt, "%s left", a);
      col = vz_state_color(rows[i].kind == 1 ? GS_TRS_SLEEP : GS_TRS_IO);
      if (c->d)
        fprintf(c->d, "io kind=%s tid=%zu progress=%.4f left=%" PRId64 "\n",
                rows[i].kind == 1 ? "sleep" : "io", rows[i].k, 1 - f, left);
    }
    vz_text(g, VZ_FONT_BODY, in.x, y, TEXT, lbl, label_w - c->pad);
    bar(c, (box){in.x + label_w, y + c->lh / 4, bw, c->lh / 2}, f, col);
    vz_text(g, VZ_FONT_BODY, in.x + label_w + bw + c->pad, y, DIM, txt,
            in.w - label_w - bw - c->pad);
    y += c->lh;
    shown++;
  }
  if ((size_t)shown < n) {
    char more[48];
    snprintf(more, sizeof more, "+%zu more", n - (size_t)shown);
    vz_text(g, VZ_FONT_BODY, in.x, y, DIM, more, in.w);
  } else if (!n) {
    vz_text(g, VZ_FONT_BODY, in.x, y, DIM, "nothing in flight", in.w);
  }
  free(rows);
  free(owns);
}

/* ---- Thread timelines ----------------------------------------------------------------- */

/* Each row: name, history, and a patch of the state now at the right. */
static void threads_panel(ctx *c, box b)
{
  const vz_rec *r = c->r;
  const vz_play *p = c->p;
  vz_gfx *g = c->g;
  int n = 0;
  for (size_t i = 0; i < r->nthr; i++)
    n += p->t[i].live;
  char title[128], a[32];
  fmt_ns(a, sizeof a, (double)c->span);
  snprintf(title, sizeof title, "%s · a timeline per thread, the last %s",
           c->v->meas ? "Simulated" : "Threads", a);
  box in = panel(c, b, title);
  int row = n ? (in.h - c->lh) / n : 0;
  if (row > c->lh * 8 / 5)
    row = c->lh * 8 / 5;
  int shown = n;
  if (row < 3) {
    row = 3;
    shown = (in.h - c->lh) / row;
  }
  int name_w = in.w / 6, cap_w = c->pad * 2, sw = in.w - name_w - cap_w - c->pad;
  bool text = row >= c->lh - 2;
  int y = in.y, k = 0;
  for (size_t i = 0; i < r->nthr && k < shown; i++) {
    const vz_tstate *t = &p->t[i];
    if (!t->live)
      continue;
    if (text) {
      vz_fill(g, in.x, y + 2, 4, row - 4, vz_proc_color(r->thr[i].pid));
      vz_text(g, VZ_FONT_BODY, in.x + 8, y + (row - c->lh) / 2, TEXT, label(c, (int)i),
              name_w - 8 - c->pad);
    }
    box sb = {in.x + name_w, y + (row > 4 ? 1 : 0), sw, row > 4 ? row - 2 : row};
    vz_fill(g, sb.x, sb.y, sb.w, sb.h, BG);
    strip(c, sb, r->thr[i].idx, r->thr[i].nidx, false);
    box cap = {sb.x + sb.w + c->pad / 2, sb.y, cap_w, sb.h};
    SDL_Color col = t->state >= 0 && t->state != GS_TRS_DONE ? vz_state_color(t->state) : IDLE;
    vz_fill(g, cap.x, cap.y, cap.w, cap.h, col);
    if (c->d) {
      fprintf(c->d, "thread %zu state=%d", i, t->state);
      describe_rect(c, cap, col);
      fprintf(c->d, " name=%s\n", r->thr[i].name);
    }
    y += row;
    k++;
  }
  if (shown < n) {
    char more[48];
    snprintf(more, sizeof more, "+%d more threads", n - shown);
    vz_text(g, VZ_FONT_BODY, in.x, y, DIM, more, name_w);
  }
  /* the time axis */
  char l[48], rr[48];
  fmt_ns(a, sizeof a, (double)c->span);
  snprintf(l, sizeof l, "−%s", a);
  snprintf(rr, sizeof rr, "now");
  vz_text(g, VZ_FONT_BODY, in.x + name_w, in.y + in.h - c->lh, DIM, l, 0);
  vz_text_right(g, VZ_FONT_BODY, in.x + name_w + sw, in.y + in.h - c->lh, DIM, rr);
}

/* The measured run's threads, on the same clock. */
static void measured_panel(ctx *c, box b)
{
  const vz_measured *m = c->v->meas;
  vz_gfx *g = c->g;
  char title[160];
  snprintf(title, sizeof title, "Measured (%s%s%s)", m->scenario[0] ? m->scenario : "trace",
           m->gil[0] ? ", GIL " : "", m->gil);
  box in = panel(c, b, title);
  int n = (int)m->nthr;
  int row = n ? (in.h - c->lh) / n : 0;
  if (row > c->lh * 8 / 5)
    row = c->lh * 8 / 5;
  int shown = n;
  if (row < 3) {
    row = 3;
    shown = (in.h - c->lh) / row;
  }
  int name_w = in.w / 6, cap_w = c->pad * 2, sw = in.w - name_w - cap_w - c->pad;
  bool text = row >= c->lh - 2;
  gs_time t0 = c->now - c->span;
  for (int i = 0; i < shown; i++) {
    const vz_mthread *t = &m->thr[i];
    int y = in.y + i * row;
    if (text)
      vz_text(g, VZ_FONT_BODY, in.x + 8, y + (row - c->lh) / 2, TEXT, t->name, name_w - 8);
    box sb = {in.x + name_w, y + (row > 4 ? 1 : 0), sw, row > 4 ? row - 2 : row};
    vz_fill(g, sb.x, sb.y, sb.w, sb.h, BG);
    int run_x = -1, run_s = -2;
    for (int px = 0; px <= sb.w; px++) {
      gs_time at = t0 + (gs_time)((double)c->span * (px + 0.5) / sb.w);
      int s = px < sb.w && at <= c->now ? vz_mthread_state_at(t, at) : -1;
      if (s != run_s) {
        if (run_x >= 0 && run_s >= 0)
          vz_fill(g, sb.x + run_x, sb.y, px - run_x, sb.h, vz_state_color(run_s));
        run_x = px;
        run_s = s;
      }
    }
    int s = vz_mthread_state_at(t, c->now);
    box cap = {sb.x + sb.w + c->pad / 2, sb.y, cap_w, sb.h};
    SDL_Color col = s >= 0 ? vz_state_color(s) : IDLE;
    vz_fill(g, cap.x, cap.y, cap.w, cap.h, col);
    if (c->d) {
      fprintf(c->d, "measured %d state=%d", t->tid - 1, s);
      describe_rect(c, cap, col);
      fprintf(c->d, " name=%s\n", t->name);
    }
  }
  if (shown < n) {
    char more[48];
    snprintf(more, sizeof more, "+%d more threads", n - shown);
    vz_text(g, VZ_FONT_BODY, in.x, in.y + shown * row, DIM, more, name_w);
  }
  char a[32], l[48];
  fmt_ns(a, sizeof a, (double)c->span);
  snprintf(l, sizeof l, "−%s", a);
  vz_text(g, VZ_FONT_BODY, in.x + name_w, in.y + in.h - c->lh, DIM, l, 0);
  vz_text_right(g, VZ_FONT_BODY, in.x + name_w + sw, in.y + in.h - c->lh, DIM, "now");
}

/* ---- Help --------------------------------------------------------------------------- */

static void help_overlay(ctx *c)
{
  static const char *const keys[][2] = {
    {"space", "pause / resume (at the end: start again)"},
    {"+  -", "faster / slower: simulated time per second of animation"},
    {"→", "pause and step to the next event"},
    {"r", "restart the animation from time 0"},
    {"[  ]", "remove / add a core and run the simulation again"},
    {"g", "cycle the GIL: none, new, old; run again"},
    {"h", "show / hide these keys"},
    {"q  Esc", "quit"},
  };
  int n = (int)(sizeof keys / sizeof keys[0]);
  int w = c->v->w * 3 / 5, h = (n + 2) * c->lh + 2 * c->pad;
  int x = (c->v->w - w) / 2, y = (c->v->h - h) / 2;
  vz_fill(c->g, x, y, w, h, (SDL_Color){12, 13, 16, 235});
  vz_outline(c->g, x, y, w, h, GOLD);
  vz_text(c->g, VZ_FONT_BOLD, x + c->pad, y + c->pad, GOLD, "Keys", 0);
  int kw = vz_text_width(c->g, VZ_FONT_MONO, "q  Esc") + 2 * c->pad;
  for (int i = 0; i < n; i++) {
    int yy = y + c->pad + (i + 1) * c->lh + c->lh / 2;
    vz_text(c->g, VZ_FONT_MONO, x + c->pad, yy, TEXT, keys[i][0], kw);
    vz_text(c->g, VZ_FONT_BODY, x + c->pad + kw, yy, TEXT, keys[i][1], w - kw - 2 * c->pad);
  }
}

/* ---- The frame ------------------------------------------------------------------------ */

void vz_view_draw(vz_gfx *g, const vz_view *v)
{
  ctx c = {.g = g, .v = v, .r = v->rec, .p = v->play, .now = v->play->now, .d = v->describe};
  c.lh = vz_line_height(g, VZ_FONT_BODY);
  c.pad = c.lh / 2 > 4 ? c.lh / 2 : 4;
  c.span = (gs_time)(5 * v->speed);
  if (c.span < 1000)
    c.span = 1000;
  if (c.d)
    fprintf(c.d, "frame t=%" PRId64 " w=%d h=%d cores=%d gil=%s\n", c.now, v->w, v->h,
            c.r->ncores, gs_gil_name(c.r->gil));

  vz_fill(g, 0, 0, v->w, v->h, BG);
  int top = header(&c);
  int foot = c.lh + c.pad;
  int mid_h = v->h - top - foot;
  if (mid_h < 4 * c.lh) /* a tiny window: the header alone */
    mid_h = 4 * c.lh;
  int gap = c.pad / 2 > 2 ? c.pad / 2 : 2;
  /* Room by need: the cores' lanes or the GIL blocks, whichever wants
   * more, then the queues, then the timelines; each within bounds. */
  const vz_rec *r = c.r;
  int title = c.lh + c.pad, lane = c.lh * 9 / 5 + 2;
  int need_cores = title + r->ncores * lane + c.pad, need_gil = title;
  for (size_t pid = 0; pid < r->nprocs; pid++)
    if (r->procs[pid].known && r->procs[pid].has_gil) {
      int nt = 0;
      for (size_t t = 0; t < r->nthr; t++)
        nt += r->thr[t].known && r->thr[t].pid == (int)pid;
      need_gil += (2 + (nt > 1 ? nt - 1 : 1)) * c.lh + 8;
    }
  int need1 = need_cores > need_gil ? need_cores : need_gil;
  int h1 = need1 < mid_h * 22 / 100 ? mid_h * 22 / 100 : need1 > mid_h * 45 / 100 ? mid_h * 45 / 100 : need1;
  int need2 = title + 6 * c.lh;
  int h2 = need2 < mid_h * 15 / 100 ? mid_h * 15 / 100 : need2 > mid_h * 25 / 100 ? mid_h * 25 / 100 : need2;
  int h3 = mid_h - h1 - h2 - 2 * gap;
  int x0 = c.pad, wall = v->w - 2 * c.pad;
  int y1 = top, y2 = y1 + h1 + gap, y3 = y2 + h2 + gap;

  int wl = wall * 52 / 100;
  cores_panel(&c, (box){x0, y1, wl, h1});
  gil_panel(&c, (box){x0 + wl + gap, y1, wall - wl - gap, h1});

  int wq = wall * 28 / 100, we = wall * 28 / 100, wi = wall - wq - we - 2 * gap;
  runq_panel(&c, (box){x0, y2, wq, h2});
  loop_panel(&c, (box){x0 + wq + gap, y2, we, h2});
  io_panel(&c, (box){x0 + wq + we + 2 * gap, y2, wi, h2});

  if (v->meas) {
    int half = (wall - gap) / 2;
    threads_panel(&c, (box){x0, y3, half, h3});
    measured_panel(&c, (box){x0 + half + gap, y3, wall - half - gap, h3});
  } else {
    threads_panel(&c, (box){x0, y3, wall, h3});
  }
  legend(&c, (box){x0, v->h - foot, wall, foot});
  if (v->help)
    help_overlay(&c);
  if (c.d)
    fputs("end\n", c.d);
}
