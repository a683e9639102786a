/*
 * main.c - gilsim-viz: run a scenario and animate it.
 *
 * The run flags are those of `gilsim run`, parsed by the same code
 * (tool/args.c); the simulation runs once (record.c), and the window, or
 * the PNG frames of a headless run, replay it against the animation's
 * clock (replay.c, view.c).
 *
 * Modes: a window (the default); --screenshot FILE: one frame at --at;
 * --record DIR: a frame every 1/fps seconds of animation, from --from to
 * --until.  The headless modes draw with SDL's software renderer into a
 * surface, so they need no display and no video driver at all.
 */
#include "cli.h"
#include "draw.h"
#include "measured.h"
#include "record.h"
#include "replay.h"
#include "view.h"

#include <SDL.h>
#include <SDL_image.h>
#include <SDL_ttf.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifndef GILSIM_VIZ_FONT_DIR
#error "GILSIM_VIZ_FONT_DIR must name the folder of the DejaVu fonts (the build sets it)"
#endif
#ifndef GILSIM_SCENARIO_DIR
#error "GILSIM_SCENARIO_DIR must name the shipped scenarios' folder (the build sets it)"
#endif

#define PROG "gilsim-viz"
#define MAX_FRAMES 100000
#define KEY_RIGHT 0x100 /* the right arrow; '>' in --keys */

/* ---- Options -------------------------------------------------------------- */

enum {
  OPT_RECORD = CLI_EXTRA_BASE, OPT_FPS, OPT_SCREENSHOT, OPT_AT, OPT_SPEED, OPT_FROM, OPT_UNTIL,
  OPT_SIZE, OPT_KEYS, OPT_DESCRIBE, OPT_COMPARE, OPT_FONTS
};

static const struct option extra[] = {
  {"record", required_argument, NULL, OPT_RECORD},
  {"fps", required_argument, NULL, OPT_FPS},
  {"screenshot", required_argument, NULL, OPT_SCREENSHOT},
  {"at", required_argument, NULL, OPT_AT},
  {"speed", required_argument, NULL, OPT_SPEED},
  {"from", required_argument, NULL, OPT_FROM},
  {"until", required_argument, NULL, OPT_UNTIL},
  {"size", required_argument, NULL, OPT_SIZE},
  {"keys", required_argument, NULL, OPT_KEYS},
  {"describe", required_argument, NULL, OPT_DESCRIBE},
  {"compare", required_argument, NULL, OPT_COMPARE},
  {"fonts", required_argument, NULL, OPT_FONTS},
  {NULL, 0, NULL, 0},
};

typedef struct {
  const char *record, *screenshot, *describe, *compare, *keys, *fonts;
  double fps;                 /* 0: not given */
  double speed;               /* ns per second; 0: auto */
  gs_time at, from, until;    /* -1: not given */
  int w, h;
} opts;

static const char usage[] =
  "Usage: gilsim-viz FILE [--cores N] [--model M] [--workers W] [--scheduler P]\n"
  "                  [--runtime R] [--gil G] [--seed S] [--set key=value]...\n"
  "                  [--calibration FILE|none] [--speed S|auto] [--size WxH]\n"
  "                  [--record DIR [--fps F] [--from T] [--until T]\n"
  "                   | --screenshot FILE.png [--at T]] [--describe FILE]\n"
  "                  [--compare MEASURED.json] [--keys KEYS] [--fonts DIR]\n"
  "       gilsim-viz --compare MEASURED.json [FILE] [flags]\n";

static void help(FILE *f)
{
  fputs("\nRun the scenario in FILE, as 'gilsim run' does with the same flags, and\n"
        "animate the run in a window: a lane per core, each process's GIL (holder,\n"
        "drop request, the waiters' timers, failed wake-ups), the OS run queue, the\n"
        "event loop's ready queue, I/O in flight, a timeline per thread in the trace\n"
        "file's colours, the simulated clock and the CPU times and Wall time as they\n"
        "grow.\n\nScenario options (those of 'gilsim run'):\n", f);
  cli_put_scenario_options(f);
  fprintf(f,
    "\nAnimation:\n"
    "  --speed S          simulated time per second of animation, a duration\n"
    "                     (1us to the whole run), or auto: the run in about 10 s\n"
    "  --size WxH         window or frame size in pixels (default 1280x800)\n"
    "  --keys KEYS        press these keys first, as if typed ('>' is the right\n"
    "                     arrow), e.g. --keys ']]g' for two more cores and the\n"
    "                     next GIL mode\n"
    "  --compare FILE     show the trace FILE of 'gilsim measure --trace' (or\n"
    "                     of 'gilsim run --trace') beside the simulation; without\n"
    "                     a scenario FILE, the one the trace names is looked up\n"
    "                     in scenarios/ (here, then in %s), and\n"
    "                     the trace's cores, model and GIL apply unless given\n"
    "  --fonts DIR        where DejaVuSans.ttf and DejaVuSansMono.ttf are\n"
    "                     (default %s)\n"
    "\nHeadless (no display needed; SDL's software renderer draws into memory):\n"
    "  --screenshot FILE  write the frame at --at (default: the end) as a PNG\n"
    "  --at T             the simulated time of that frame, a duration\n"
    "  --record DIR       write frame-00000.png, frame-00001.png ... into DIR\n"
    "                     (made if missing), a frame every 1/F s of animation\n"
    "                     from --from to --until (default: the whole run), and\n"
    "                     DIR/frames.txt describing each\n"
    "  --fps F            frames per second of animation, 1 to 120 (default 10)\n"
    "  --describe FILE    write what the frame shows and where (see\n"
    "                     README.md, 'Watching a run'); in a window: the last frame\n"
    "\nKeys: space pause/resume, + and - speed, right arrow next event, r restart,\n"
    "[ and ] one core less or more (runs again), g next GIL mode (runs again),\n"
    "h help, q quit.\n"
    "\nExit status: 0 success; 1 the simulation failed, or no window, font or\n"
    "file could be had; 2 bad command line or scenario file.\n",
    GILSIM_SCENARIO_DIR, GILSIM_VIZ_FONT_DIR);
}

static int parse_time(const cli_command *cmd, const char *opt, const char *arg, gs_time *out)
{
  double ns = -1;
  if (gs_duration_parse(arg, &ns) != 0 || ns < 0 || ns > 9e18)
    return cli_usage_error(cmd, "%s: expected a duration such as 250ms or 1.5s, got '%s'", opt,
                           arg);
  *out = (gs_time)ns;
  return 0;
}

static int on_extra(void *vo, int val, const char *arg, const cli_command *cmd)
{
  opts *o = vo;
  switch (val) {
  case OPT_RECORD:
    if (!*arg)
      return cli_usage_error(cmd, "--record: expected a folder");
    o->record = arg;
    return 0;
  case OPT_SCREENSHOT:
    if (!*arg)
      return cli_usage_error(cmd, "--screenshot: expected a file name");
    o->screenshot = arg;
    return 0;
  case OPT_DESCRIBE:
    if (!*arg)
      return cli_usage_error(cmd, "--describe: expected a file name");
    o->describe = arg;
    return 0;
  case OPT_COMPARE:
    if (!*arg)
      return cli_usage_error(cmd, "--compare: expected a trace file");
    o->compare = arg;
    return 0;
  case OPT_FONTS:
    o->fonts = arg;
    return 0;
  case OPT_KEYS:
    o->keys = arg;
    return 0;
  case OPT_FPS: {
    char *end;
    errno = 0;
    double f = strtod(arg, &end);
    if (errno || end == arg || *end || !(f >= 1 && f <= 120))
      return cli_usage_error(cmd, "--fps: expected a number from 1 to 120, got '%s'", arg);
    o->fps = f;
    return 0;
  }
  case OPT_SPEED: {
    if (strcmp(arg, "auto") == 0) {
      o->speed = 0;
      return 0;
    }
    gs_time ns = 0;
    int st = parse_time(cmd, "--speed", arg, &ns);
    if (st)
      return st;
    if (ns < 1)
      return cli_usage_error(cmd, "--speed: must be at least 1ns (per second), got '%s'", arg);
    o->speed = (double)ns;
    return 0;
  }
  case OPT_AT:
    return parse_time(cmd, "--at", arg, &o->at);
  case OPT_FROM:
    return parse_time(cmd, "--from", arg, &o->from);
  case OPT_UNTIL:
    return parse_time(cmd, "--until", arg, &o->until);
  case OPT_SIZE: {
    int w, h, n = 0;
    if (sscanf(arg, "%dx%d%n", &w, &h, &n) != 2 || arg[n] || w < 320 || h < 240 || w > 8192 ||
        h > 8192)
      return cli_usage_error(cmd, "--size: expected WxH from 320x240 to 8192x8192, got '%s'", arg);
    o->w = w;
    o->h = h;
    return 0;
  }
  }
  return cli_usage_error(cmd, "internal error: option %d", val);
}

/* ---- The application ------------------------------------------------------ */

typedef struct {
  opts *o;
  run_args *a;
  gs_scenario *sc;
  vz_rec *rec;
  vz_play *play;
  vz_measured *meas;
  double clock;       /* ns of simulated time */
  int speed_idx;      /* on the 1-2-5 ladder */
  double speed;       /* ns per second of animation */
  bool playing, help, quit;
  char status[256];
  Uint64 status_at;   /* SDL ticks when the status was set */
} app;

/* The speed ladder: 1, 2, 5 x 10^k us per second, k >= 0. */
static double ladder(int i)
{
  static const double m[3] = {1, 2, 5};
  return m[i % 3] * pow(10, i / 3) * 1e3;
}

/* Where the animation ends: the run's end, or the measured run's if later. */
static gs_time end_of(const app *p)
{
  gs_time e = p->rec->end;
  return p->meas && p->meas->end > e ? p->meas->end : e;
}

/* The fastest speed: the first that shows the whole run in 2 s. */
static int ladder_max(const app *p)
{
  int i = 0;
  while (ladder(i) * 2 < (double)end_of(p) && i < 60)
    i++;
  return i;
}

/* The ladder step nearest ns (in ratio). */
static int ladder_near(double ns)
{
  int best = 0;
  for (int i = 1; i < 60; i++)
    if (fabs(log(ladder(i) / ns)) < fabs(log(ladder(best) / ns)))
      best = i;
  return best;
}

static void set_status(app *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_status(app *p, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(p->status, sizeof p->status, fmt, ap);
  va_end(ap);
  p->status_at = SDL_GetTicks64();
}

/* Run the scenario again as it now stands; on failure the previous run
 * stays and the status says why.  Returns 0 or -1. */
static int run_sim(app *p)
{
  gs_error err = {{0}};
  vz_rec *r = NULL;
  gs_err e = vz_record(p->sc, &r, &err);
  if (e != GS_OK) {
    set_status(p, "simulation failed: %s", err.msg);
    return -1;
  }
  vz_play *pl = vz_play_new(r);
  if (!pl) {
    vz_rec_free(r);
    set_status(p, "out of memory");
    return -1;
  }
  if (r->truncated)
    set_status(p, "the run made more than %zu events: the animation ends early", r->nev);
  vz_play_free(p->play);
  vz_rec_free(p->rec);
  p->rec = r;
  p->play = pl;
  if (p->clock > (double)end_of(p))
    p->clock = (double)end_of(p);
  int mx = ladder_max(p);
  if (p->speed_idx > mx) {
    p->speed_idx = mx;
    p->speed = ladder(mx);
  }
  return 0;
}

static void rerun_with(app *p, int cores, gs_gil gil)
{
  int old_cores = p->sc->cores;
  gs_gil old_gil = p->sc->gil;
  p->sc->cores = cores;
  p->sc->gil = gil;
  if (run_sim(p) != 0) {
    p->sc->cores = old_cores;
    p->sc->gil = old_gil;
    return;
  }
  set_status(p, "ran again: %d core%s, GIL %s", cores, cores == 1 ? "" : "s",
             gs_gil_name(p->rec->gil));
}

static void on_key(app *p, int key)
{
  vz_play_seek(p->play, (gs_time)p->clock);
  switch (key) {
  case ' ':
    if (p->clock >= (double)end_of(p)) {
      p->clock = 0;
      p->playing = true;
    } else {
      p->playing = !p->playing;
    }
    break;
  case '+':
  case '=':
    if (p->speed_idx < ladder_max(p))
      p->speed_idx++;
    p->speed = ladder(p->speed_idx);
    break;
  case '-':
  case '_':
    if (p->speed_idx > 0)
      p->speed_idx--;
    p->speed = ladder(p->speed_idx);
    break;
  case KEY_RIGHT: {
    p->playing = false;
    gs_time t = vz_play_next_time(p->play);
    if (t >= 0)
      p->clock = (double)t;
    break;
  }
  case 'r':
    p->clock = 0;
    p->playing = true;
    p->status[0] = 0;
    break;
  case '[':
    if (p->sc->cores > 1)
      rerun_with(p, p->sc->cores - 1, p->sc->gil);
    break;
  case ']':
    if (p->sc->cores < GS_MAX_CORES)
      rerun_with(p, p->sc->cores + 1, p->sc->gil);
    break;
  case 'g': {
    gs_gil now = p->rec->gil;
    gs_gil next = now == GS_GIL_NONE ? GS_GIL_NEW : now == GS_GIL_NEW ? GS_GIL_OLD : GS_GIL_NONE;
    rerun_with(p, p->sc->cores, next);
    break;
  }
  case 'h':
  case '?':
    p->help = !p->help;
    break;
  case 'q':
    p->quit = true;
    break;
  }
}

static void draw(app *p, vz_gfx *g, int w, int h, FILE *describe)
{
  vz_play_seek(p->play, (gs_time)p->clock);
  vz_view v = {.sc = p->sc, .rec = p->rec, .play = p->play, .meas = p->meas,
               .speed = p->speed, .playing = p->playing, .help = p->help,
               .status = p->status[0] ? p->status : NULL, .end = end_of(p), .w = w, .h = h,
               .describe = describe};
  vz_view_draw(g, &v);
}

/* ---- Headless ------------------------------------------------------------- */

static int save_png(SDL_Renderer *ren, SDL_Surface *surf, const char *path)
{
  SDL_RenderFlush(ren);
  if (IMG_SavePNG(surf, path) != 0) {
    fprintf(stderr, PROG ": cannot write '%s': %s\n", path, IMG_GetError());
    return EXIT_FAIL;
  }
  return 0;
}

static FILE *open_describe(const char *path)
{
  FILE *f = fopen(path, "w");
  if (!f)
    fprintf(stderr, PROG ": cannot write '%s': %s\n", path, strerror(errno));
  return f;
}

static int close_describe(FILE *f, const char *path)
{
  if (!f)
    return 0;
  if (ferror(f) | (fclose(f) != 0)) {
    fprintf(stderr, PROG ": cannot write '%s'\n", path);
    return EXIT_FAIL;
  }
  return 0;
}

static int headless(app *p)
{
  opts *o = p->o;
  int w = o->w, h = o->h, status = 0;
  SDL_Surface *surf = SDL_CreateRGBSurfaceWithFormat(0, w, h, 32, SDL_PIXELFORMAT_ARGB8888);
  SDL_Renderer *ren = surf ? SDL_CreateSoftwareRenderer(surf) : NULL;
  if (!ren) {
    fprintf(stderr, PROG ": cannot make a %dx%d software renderer: %s\n", w, h, SDL_GetError());
    SDL_FreeSurface(surf);
    return EXIT_FAIL;
  }
  char err[512];
  vz_gfx *g = vz_gfx_open(ren, o->fonts, h, err, sizeof err);
  if (!g) {
    fprintf(stderr, PROG ": %s; install fonts-dejavu-core, or give --fonts DIR holding "
                    "DejaVuSans.ttf and DejaVuSansMono.ttf\n", err);
    SDL_DestroyRenderer(ren);
    SDL_FreeSurface(surf);
    return EXIT_FAIL;
  }
  for (const char *k = o->keys; k && *k && !p->quit; k++)
    on_key(p, *k == '>' ? KEY_RIGHT : (unsigned char)*k);
  gs_time end = end_of(p);
  p->playing = true; /* a frame of the animation as it plays */
  if (o->screenshot) {
    p->clock = (double)(o->at < 0 || o->at > end ? end : o->at);
    FILE *d = o->describe ? open_describe(o->describe) : NULL;
    if (o->describe && !d) {
      status = EXIT_FAIL;
    } else {
      draw(p, g, w, h, d);
      status = save_png(ren, surf, o->screenshot);
      int s2 = close_describe(d, o->describe);
      if (!status)
        status = s2;
    }
  } else {
    gs_time from = o->from < 0 ? 0 : o->from, until = o->until < 0 ? end : o->until;
    if (until > end)
      until = end;
    double fps = o->fps > 0 ? o->fps : 10, step = p->speed / fps;
    double frames = from > until ? 0 : floor((double)(until - from) / step) + 1;
    if (frames > MAX_FRAMES) {
      fprintf(stderr, PROG ": --record would write %.0f frames (more than %d): raise --speed, "
                      "lower --fps or record a part with --from and --until\n", frames,
              MAX_FRAMES);
      status = EXIT_USAGE;
    } else if (mkdir(o->record, 0777) != 0 && errno != EEXIST) {
      fprintf(stderr, PROG ": cannot make '%s': %s\n", o->record, strerror(errno));
      status = EXIT_FAIL;
    } else {
      char path[4200];
      snprintf(path, sizeof path, "%s/frames.txt", o->record);
      const char *dpath = o->describe ? o->describe : path;
      FILE *d = open_describe(dpath);
      if (!d)
        status = EXIT_FAIL;
      p->playing = true;
      for (long k = 0; !status && k < (long)frames; k++) {
        p->clock = (double)from + step * (double)k;
        snprintf(path, sizeof path, "%s/frame-%05ld.png", o->record, k);
        fprintf(d, "file %s\n", path);
        draw(p, g, w, h, d);
        status = save_png(ren, surf, path);
      }
      int s2 = close_describe(d, dpath);
      if (!status)
        status = s2;
      if (!status)
        printf("%ld frames in %s\n", (long)frames, o->record);
    }
  }
  vz_gfx_close(g);
  SDL_DestroyRenderer(ren);
  SDL_FreeSurface(surf);
  return status;
}

/* ---- A window ------------------------------------------------------------- */

static void push_keys(const char *keys)
{
  for (const char *k = keys; k && *k; k++) {
    SDL_Event ev = {0};
    if (*k == '>') {
      ev.type = SDL_KEYDOWN;
      ev.key.keysym.sym = SDLK_RIGHT;
    } else {
      ev.type = SDL_TEXTINPUT;
      ev.text.text[0] = *k;
    }
    SDL_PushEvent(&ev);
  }
}

static int windowed(app *p)
{
  opts *o = p->o;
  if (SDL_InitSubSystem(SDL_INIT_VIDEO) != 0) {
    fprintf(stderr,
            PROG ": cannot open a window: %s\n"
            "Without a display, run headless: " PROG " FILE --screenshot OUT.png --at TIME,\n"
            "or " PROG " FILE --record DIR [--fps F] (PNG frames).\n", SDL_GetError());
    return EXIT_FAIL;
  }
  char title[256];
  snprintf(title, sizeof title, PROG " · %s", p->sc->name ? p->sc->name : "?");
  SDL_Window *win = SDL_CreateWindow(title, SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED, o->w,
                                     o->h, SDL_WINDOW_RESIZABLE);
  SDL_Renderer *ren = win ? SDL_CreateRenderer(win, -1, SDL_RENDERER_PRESENTVSYNC) : NULL;
  if (win && !ren)
    ren = SDL_CreateRenderer(win, -1, SDL_RENDERER_SOFTWARE);
  if (!ren) {
    fprintf(stderr,
            PROG ": cannot open a window: %s\n"
            "Without a display, run headless: " PROG " FILE --screenshot OUT.png --at TIME,\n"
            "or " PROG " FILE --record DIR [--fps F] (PNG frames).\n", SDL_GetError());
    if (win)
      SDL_DestroyWindow(win);
    SDL_QuitSubSystem(SDL_INIT_VIDEO);
    return EXIT_FAIL;
  }
  SDL_SetWindowMinimumSize(win, 480, 320);
  int w = o->w, h = o->h;
  SDL_GetRendererOutputSize(ren, &w, &h);
  char err[512];
  vz_gfx *g = vz_gfx_open(ren, o->fonts, h, err, sizeof err);
  if (!g) {
    fprintf(stderr, PROG ": %s; install fonts-dejavu-core, or give --fonts DIR holding "
                    "DejaVuSans.ttf and DejaVuSansMono.ttf\n", err);
    SDL_DestroyRenderer(ren);
    SDL_DestroyWindow(win);
    SDL_QuitSubSystem(SDL_INIT_VIDEO);
    return EXIT_FAIL;
  }
  SDL_StartTextInput();
  push_keys(o->keys);
  p->playing = true;
  Uint64 freq = SDL_GetPerformanceFrequency(), last = SDL_GetPerformanceCounter();
  while (!p->quit) {
    SDL_Event ev;
    while (SDL_PollEvent(&ev)) {
      if (ev.type == SDL_QUIT) {
        p->quit = true;
      } else if (ev.type == SDL_TEXTINPUT) {
        for (const char *k = ev.text.text; *k; k++)
          on_key(p, (unsigned char)*k);
      } else if (ev.type == SDL_KEYDOWN) {
        if (ev.key.keysym.sym == SDLK_RIGHT)
          on_key(p, KEY_RIGHT);
        else if (ev.key.keysym.sym == SDLK_ESCAPE)
          p->quit = true;
      } else if (ev.type == SDL_WINDOWEVENT && ev.window.event == SDL_WINDOWEVENT_SIZE_CHANGED) {
        SDL_GetRendererOutputSize(ren, &w, &h);
        if (vz_gfx_resize(g, h) != 0)
          set_status(p, "cannot resize the fonts: %s", TTF_GetError());
      }
    }
    if (p->status[0] && SDL_GetTicks64() - p->status_at > 5000)
      p->status[0] = 0; /* a message stays five seconds */
    Uint64 now = SDL_GetPerformanceCounter();
    double dt = (double)(now - last) / (double)freq;
    last = now;
    if (dt > 0.25) /* a stall (a re-run, a dragged window): do not jump */
      dt = 0.25;
    if (p->playing) {
      p->clock += dt * p->speed;
      if (p->clock >= (double)end_of(p)) {
        p->clock = (double)end_of(p);
        p->playing = false;
      }
    }
    draw(p, g, w, h, NULL);
    SDL_RenderPresent(ren);
    Uint64 spent = (SDL_GetPerformanceCounter() - now) * 1000 / freq;
    if (spent < 16)
      SDL_Delay((Uint32)(16 - spent)); /* about 60 frames per second at most */
  }
  int status = 0;
  if (o->describe) {
    FILE *d = open_describe(o->describe);
    if (!d) {
      status = EXIT_FAIL;
    } else {
      draw(p, g, w, h, d);
      status = close_describe(d, o->describe);
    }
  }
  SDL_StopTextInput();
  vz_gfx_close(g);
  SDL_DestroyRenderer(ren);
  SDL_DestroyWindow(win);
  SDL_QuitSubSystem(SDL_INIT_VIDEO);
  return status;
}

/* ---- Start ---------------------------------------------------------------- */

/* --compare without FILE: the scenario the trace names, in scenarios/. */
static int find_scenario(const vz_measured *m, char *buf, size_t n)
{
  if (!m->scenario[0] || strchr(m->scenario, '/'))
    return -1;
  const char *dirs[2] = {"scenarios", GILSIM_SCENARIO_DIR};
  for (int i = 0; i < 2; i++) {
    struct stat st;
    snprintf(buf, n, "%s/%s.cfg", dirs[i], m->scenario);
    if (stat(buf, &st) == 0 && S_ISREG(st.st_mode))
      return 0;
  }
  return -1;
}

int main(int argc, char **argv)
{
  opts o = {.at = -1, .from = -1, .until = -1, .w = 1280, .h = 800,
            .fonts = GILSIM_VIZ_FONT_DIR};
  run_args a;
  cli_args_init(&a);
  cli_command cmd = {.prog = PROG, .name = NULL, .usage = usage, .help = help,
                     .allow = CLI_OPT_CALIBRATION, .max_files = 1, .files_optional = 1,
                     .extra = extra, .on_extra = on_extra, .ctx = &o};
  int status = cli_parse(argc, argv, &a, &cmd);
  if (status >= 0)
    return status;
  if (o.record && o.screenshot)
    return cli_usage_error(&cmd, "--record and --screenshot exclude each other");
  if (o.at >= 0 && !o.screenshot)
    return cli_usage_error(&cmd, "--at goes with --screenshot");
  if ((o.fps > 0 || o.from >= 0 || o.until >= 0) && !o.record)
    return cli_usage_error(&cmd, "--fps, --from and --until go with --record");
  if (o.from >= 0 && o.until >= 0 && o.until < o.from)
    return cli_usage_error(&cmd, "--until comes before --from");

  app p = {.o = &o, .a = &a};
  char found[4200];
  const char *file = a.file;
  if (o.compare) {
    char err[1024];
    if (vz_measured_load(o.compare, &p.meas, err, sizeof err) != 0) {
      fprintf(stderr, PROG ": --compare: %s\n", err);
      return EXIT_USAGE;
    }
    if (!file) {
      if (find_scenario(p.meas, found, sizeof found) != 0) {
        fprintf(stderr, PROG ": --compare: the trace names scenario '%s', and no "
                        "scenarios/%s.cfg was found: give the scenario FILE\n",
                p.meas->scenario, p.meas->scenario);
        vz_measured_free(p.meas);
        return EXIT_USAGE;
      }
      file = found;
    }
    /* The measured run's settings, unless the command line says otherwise. */
    if (!a.cores && p.meas->cores)
      a.cores = p.meas->cores;
    if (a.model < 0 && p.meas->model[0])
      a.model = gs_model_parse(p.meas->model);
    if (a.gil < 0 && p.meas->gil[0])
      a.gil = gs_gil_parse(p.meas->gil);
  } else if (!file) {
    return cli_usage_error(&cmd, "missing scenario FILE");
  }

  status = cli_load_scenario(&a, file, &p.sc, 0);
  if (status) {
    vz_measured_free(p.meas);
    return status;
  }
  if (run_sim(&p) != 0) {
    fprintf(stderr, PROG ": %s\n", p.status);
    gs_scenario_free(p.sc);
    vz_measured_free(p.meas);
    return EXIT_FAIL;
  }
  if (o.speed > 0) {
    p.speed = o.speed;
    p.speed_idx = ladder_near(o.speed);
  } else {
    p.speed_idx = ladder_near((double)end_of(&p) / 10);
    if (p.speed_idx > ladder_max(&p))
      p.speed_idx = ladder_max(&p);
    p.speed = ladder(p.speed_idx);
  }

  if (SDL_Init(0) != 0 || TTF_Init() != 0) {
    fprintf(stderr, PROG ": cannot start SDL: %s\n", SDL_GetError());
    status = EXIT_FAIL;
  } else {
    status = o.record || o.screenshot ? headless(&p) : windowed(&p);
    TTF_Quit();
  }
  SDL_Quit();
  vz_play_free(p.play);
  vz_rec_free(p.rec);
  gs_scenario_free(p.sc);
  vz_measured_free(p.meas);
  return status;
}
