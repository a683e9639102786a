/*
 * viz_check.c - check what gilsim-viz drew (for CTest).
 *
 *   viz_check DESCRIBE [--png FILE] [--trace TRACE.json] [--lanes N]
 *             [--min-frames N] [--differ] [--expect TEXT]...
 *             [--expect-not TEXT]... [--no-images]
 *
 * DESCRIBE is a frame description written by --describe or --record
 * (viz/view.h).  For every frame it checks:
 *   - the PNG (--png, or the "file" line before the frame) has the frame's
 *     size, and every rectangle the description gives is a patch of its
 *     colour (each pixel within 6 of each channel): the image shows what
 *     the description says;
 *   - --lanes N: exactly N core lanes;
 *   - --trace: against the trace that `gilsim run --trace` wrote for the
 *     same run, at the frame's time: each GIL holder, what each core runs,
 *     and each thread's state;
 *   - --differ: each frame's image differs from the one before, and frame
 *     times grow;
 *   - --expect TEXT: some line holds TEXT; --expect-not: none does.
 * --no-images: the description of a window's frame (no PNG to look at).
 * Exits 1 at the first failure, with a message; prints a summary.
 */
#include <SDL.h>
#include <SDL_image.h>
#include <json-c/json.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace.h" /* the trace's layout */

#define CORES_PID GS_TRACEW_CORES_PID
#define GIL_TID_BASE GS_TRACEW_GIL_TID_BASE
#define TOLERANCE 6

static const char *state_names[] = {"running", "running (GIL)", "runnable", "waiting for GIL",
                                    "I/O", "sleeping", "blocked", "done"};

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void fail(const char *fmt, ...)
{
  va_list ap;
  fputs("viz_check: FAIL: ", stderr);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  exit(1);
}

/* ---- The trace ------------------------------------------------------------- */

typedef struct {
  int pid, tid;
  int64_t start, end;
  char *name;
} slice;

static slice *slices;
static size_t nslices;

static int64_t us_ns(double us)
{
  return (int64_t)llround(us * 1000.0);
}

static void load_trace(const char *path)
{
  json_object *root = json_object_from_file(path);
  json_object *evs;
  if (!root || !json_object_object_get_ex(root, "traceEvents", &evs))
    fail("cannot read the trace '%s'", path);
  size_t n = json_object_array_length(evs);
  slices = calloc(n ? n : 1, sizeof *slices);
  for (size_t i = 0; i < n; i++) {
    json_object *e = json_object_array_get_idx(evs, i), *v;
    if (!json_object_object_get_ex(e, "ph", &v) || strcmp(json_object_get_string(v), "X") != 0)
      continue;
    slice *s = &slices[nslices++];
    json_object_object_get_ex(e, "pid", &v);
    s->pid = json_object_get_int(v);
    json_object_object_get_ex(e, "tid", &v);
    s->tid = json_object_get_int(v);
    json_object_object_get_ex(e, "ts", &v);
    double ts = json_object_get_double(v);
    json_object_object_get_ex(e, "dur", &v);
    double dur = json_object_get_double(v);
    s->start = us_ns(ts);
    s->end = us_ns(ts + dur);
    json_object_object_get_ex(e, "name", &v);
    s->name = strdup(json_object_get_string(v));
  }
  json_object_put(root);
}

/* The name of the slice of track (pid, tid) covering t, or NULL. */
static const char *slice_at(int pid, int tid, int64_t t)
{
  for (size_t i = 0; i < nslices; i++)
    if (slices[i].pid == pid && slices[i].tid == tid && slices[i].start <= t && t < slices[i].end)
      return slices[i].name;
  return NULL;
}

/* ---- Descriptions ----------------------------------------------------------- */

static bool field(const char *line, const char *key, char *out, size_t n)
{
  char pat[32];
  snprintf(pat, sizeof pat, " %s=", key);
  const char *p = strstr(line, pat);
  if (!p)
    return false;
  p += strlen(pat);
  if (strcmp(key, "name") == 0) { /* the rest of the line */
    snprintf(out, n, "%s", p);
    out[strcspn(out, "\n")] = 0;
    return true;
  }
  size_t k = strcspn(p, " \n");
  snprintf(out, n, "%.*s", (int)k, p);
  return true;
}

static long ifield(const char *line, const char *key, long def)
{
  char buf[64];
  return field(line, key, buf, sizeof buf) ? strtol(buf, NULL, 10) : def;
}

typedef struct {
  SDL_Surface *img; /* ARGB8888 */
  int64_t t;
  int w, h, lanes, patches, checks;
} frame;

static void check_patch(const frame *f, const char *line, int lineno)
{
  char rgb[32];
  if (!field(line, "rgb", rgb, sizeof rgb))
    return;
  int x = (int)ifield(line, "x", -1), y = (int)ifield(line, "y", -1);
  int w = (int)ifield(line, "w", 0), h = (int)ifield(line, "h", 0);
  unsigned er, eg, eb;
  if (sscanf(rgb, "%u,%u,%u", &er, &eg, &eb) != 3)
    fail("line %d: bad rgb '%s'", lineno, rgb);
  if (x < 0 || y < 0 || w <= 0 || h <= 0 || x + w > f->img->w || y + h > f->img->h)
    fail("line %d: rectangle %d,%d %dx%d outside the %dx%d image", lineno, x, y, w, h, f->img->w,
         f->img->h);
  const Uint32 *px = f->img->pixels;
  int pitch = f->img->pitch / 4;
  for (int j = y; j < y + h; j++)
    for (int i = x; i < x + w; i++) {
      Uint32 p = px[j * pitch + i];
      int r = (p >> 16) & 255, g = (p >> 8) & 255, b = p & 255;
      if (abs(r - (int)er) > TOLERANCE || abs(g - (int)eg) > TOLERANCE ||
          abs(b - (int)eb) > TOLERANCE)
        fail("line %d: pixel (%d,%d) is %d,%d,%d, the description says %u,%u,%u: %s", lineno,
             i, j, r, g, b, er, eg, eb, line);
    }
}

static void check_trace(frame *f, const char *line, int lineno)
{
  char kind[16], name[128];
  sscanf(line, "%15s", kind);
  int id = (int)strtol(line + strlen(kind), NULL, 10);
  bool have_name = field(line, "name", name, sizeof name);
  if (strcmp(kind, "holder") == 0) {
    const char *want = slice_at(id, GIL_TID_BASE + id, f->t);
    long tid = ifield(line, "tid", -2);
    if (!want ? tid != -1 : tid < 0 || !have_name || strcmp(want, name) != 0)
      fail("line %d: at t=%lld ns the GIL of pid %d is held by %s (trace), the frame shows %s",
           lineno, (long long)f->t, id, want ? want : "nobody", tid < 0 ? "nobody" : name);
    f->checks++;
  } else if (strcmp(kind, "lane") == 0) {
    const char *want = slice_at(CORES_PID, id + 1, f->t);
    long tid = ifield(line, "tid", -2);
    if (!want ? tid != -1 : tid < 0 || !have_name || strcmp(want, name) != 0)
      fail("line %d: at t=%lld ns core %d runs %s (trace), the frame shows %s", lineno,
           (long long)f->t, id, want ? want : "nothing", tid < 0 ? "idle" : name);
    f->checks++;
  } else if (strcmp(kind, "thread") == 0) {
    long st = ifield(line, "state", -2);
    int pid = -1;
    for (size_t i = 0; i < nslices && pid < 0; i++) /* the thread's process */
      if (slices[i].tid == id + 1 && slices[i].pid != CORES_PID)
        pid = slices[i].pid;
    const char *want = pid >= 0 ? slice_at(pid, id + 1, f->t) : NULL;
    const char *got = st >= 0 && st < 8 ? state_names[st] : "none";
    if (st == 7 || st < 0)
      got = "none"; /* done, or not started: no slice */
    if (strcmp(want ? want : "none", got) != 0)
      fail("line %d: at t=%lld ns thread %d is %s (trace), the frame shows %s", lineno,
           (long long)f->t, id, want ? want : "in no state", got);
    f->checks++;
  }
}

static SDL_Surface *load_png(const char *path)
{
  SDL_Surface *s = IMG_Load(path);
  if (!s)
    fail("cannot read the image '%s': %s", path, IMG_GetError());
  SDL_Surface *c = SDL_ConvertSurfaceFormat(s, SDL_PIXELFORMAT_ARGB8888, 0);
  SDL_FreeSurface(s);
  if (!c)
    fail("cannot convert '%s': %s", path, SDL_GetError());
  return c;
}

static bool same_image(const SDL_Surface *a, const SDL_Surface *b)
{
  if (a->w != b->w || a->h != b->h)
    return false;
  for (int y = 0; y < a->h; y++)
    if (memcmp((const char *)a->pixels + y * a->pitch, (const char *)b->pixels + y * b->pitch,
               (size_t)a->w * 4) != 0)
      return false;
  return true;
}

int main(int argc, char **argv)
{
  const char *desc = NULL, *png = NULL, *trace = NULL, *expect[16], *expect_not[16];
  int lanes = -1, min_frames = 1, nexpect = 0, nexpect_not = 0;
  bool differ = false, images = true;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--png") == 0 && i + 1 < argc)
      png = argv[++i];
    else if (strcmp(argv[i], "--trace") == 0 && i + 1 < argc)
      trace = argv[++i];
    else if (strcmp(argv[i], "--lanes") == 0 && i + 1 < argc)
      lanes = atoi(argv[++i]);
    else if (strcmp(argv[i], "--min-frames") == 0 && i + 1 < argc)
      min_frames = atoi(argv[++i]);
    else if (strcmp(argv[i], "--differ") == 0)
      differ = true;
    else if (strcmp(argv[i], "--no-images") == 0) /* a window's frame: no PNG */
      images = false;
    else if (strcmp(argv[i], "--expect") == 0 && i + 1 < argc && nexpect < 16)
      expect[nexpect++] = argv[++i];
    else if (strcmp(argv[i], "--expect-not") == 0 && i + 1 < argc && nexpect_not < 16)
      expect_not[nexpect_not++] = argv[++i];
    else if (!desc && argv[i][0] != '-')
      desc = argv[i];
    else
      fail("usage: viz_check DESCRIBE [--png FILE] [--trace FILE] [--lanes N] "
           "[--min-frames N] [--differ] [--expect TEXT]... [--expect-not TEXT]...");
  }
  if (!desc)
    fail("missing DESCRIBE");
  if (trace)
    load_trace(trace);
  FILE *f = fopen(desc, "r");
  if (!f)
    fail("cannot read '%s'", desc);
  char line[1024], file[1024] = "";
  int lineno = 0, frames = 0, patches = 0, checks = 0;
  bool found[16] = {0};
  frame fr = {0};
  SDL_Surface *prev = NULL;
  int64_t prev_t = -1;
  while (fgets(line, sizeof line, f)) {
    lineno++;
    for (int k = 0; k < nexpect; k++)
      found[k] |= strstr(line, expect[k]) != NULL;
    for (int k = 0; k < nexpect_not; k++)
      if (strstr(line, expect_not[k]))
        fail("line %d holds '%s': %s", lineno, expect_not[k], line);
    if (strncmp(line, "file ", 5) == 0) {
      snprintf(file, sizeof file, "%s", line + 5);
      file[strcspn(file, "\n")] = 0;
    } else if (strncmp(line, "frame ", 6) == 0) {
      char buf[64];
      fr = (frame){.lanes = 0};
      fr.t = field(line, "t", buf, sizeof buf) ? strtoll(buf, NULL, 10) : -1;
      fr.w = (int)ifield(line, "w", 0);
      fr.h = (int)ifield(line, "h", 0);
      fr.img = images ? load_png(png ? png : file)
                      : SDL_CreateRGBSurfaceWithFormat(0, 1, 1, 32, SDL_PIXELFORMAT_ARGB8888);
      if (!images)
        fr.w = fr.h = 1;
      if (fr.img->w != fr.w || fr.img->h != fr.h)
        fail("frame %d: the image is %dx%d, the description says %dx%d", frames, fr.img->w,
             fr.img->h, fr.w, fr.h);
    } else if (strncmp(line, "end", 3) == 0) {
      if (!fr.img)
        fail("line %d: 'end' without a frame", lineno);
      if (lanes >= 0 && fr.lanes != lanes)
        fail("frame %d (t=%lld): %d core lanes, expected %d", frames, (long long)fr.t, fr.lanes,
             lanes);
      if (differ && prev) {
        if (same_image(prev, fr.img))
          fail("frame %d (t=%lld) is the same image as the frame before", frames,
               (long long)fr.t);
        if (fr.t <= prev_t)
          fail("frame %d: time %lld does not come after %lld", frames, (long long)fr.t,
               (long long)prev_t);
      }
      SDL_FreeSurface(prev);
      prev = fr.img;
      prev_t = fr.t;
      patches += fr.patches;
      checks += fr.checks;
      fr.img = NULL;
      frames++;
    } else if (fr.img) {
      if (strncmp(line, "lane ", 5) == 0)
        fr.lanes++;
      if (images && strstr(line, " rgb=")) {
        check_patch(&fr, line, lineno);
        fr.patches++;
      }
      if (trace)
        check_trace(&fr, line, lineno);
    }
  }
  fclose(f);
  SDL_FreeSurface(prev);
  if (fr.img)
    fail("the last frame has no 'end'");
  if (frames < min_frames)
    fail("%d frames, expected at least %d", frames, min_frames);
  for (int k = 0; k < nexpect; k++)
    if (!found[k])
      fail("no line holds '%s'", expect[k]);
  if (trace && !checks)
    fail("nothing was checked against the trace");
  for (size_t i = 0; i < nslices; i++)
    free(slices[i].name);
  free(slices);
  printf("viz_check ok: %d frame%s, %d colour patches, %d checks against the trace\n", frames,
         frames == 1 ? "" : "s", patches, checks);
  return 0;
}
