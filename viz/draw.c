/*
 * draw.c - rectangles and cached text (draw.h).
 *
 * Rendering a string with SDL2_ttf costs far more than drawing its
 * texture, and most strings (names, labels) stay the same from frame to
 * frame; so each (font, colour, string) is rendered once into a texture
 * kept in a hash table.  The table is emptied when it is half full or the
 * fonts change size: strings that change every frame (the clock) only
 * make it empty sooner.
 */
#include "draw.h"

#include <SDL_ttf.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CACHE_CAP 2048 /* a power of two */

typedef struct {
  char *s;            /* NULL: empty slot */
  int font;
  Uint32 rgba;
  SDL_Texture *tex;
  int w, h;
} text_ent;

struct vz_gfx {
  SDL_Renderer *r;
  char path[2][4096]; /* sans, mono */
  int height;
  TTF_Font *f[VZ_NFONTS];
  text_ent cache[CACHE_CAP];
  size_t ncache;
};

static const char *const font_files[2] = {"DejaVuSans.ttf", "DejaVuSansMono.ttf"};

static void cache_clear(vz_gfx *g)
{
  for (size_t i = 0; i < CACHE_CAP; i++)
    if (g->cache[i].s) {
      free(g->cache[i].s);
      if (g->cache[i].tex)
        SDL_DestroyTexture(g->cache[i].tex);
      g->cache[i] = (text_ent){0};
    }
  g->ncache = 0;
}

static void close_fonts(TTF_Font **f)
{
  for (int i = 0; i < VZ_NFONTS; i++)
    if (f[i]) {
      TTF_CloseFont(f[i]);
      f[i] = NULL;
    }
}

/* Point sizes for a window h pixels high: 13 px body text at 800. */
static int body_px(int h)
{
  int px = (h * 13 + 400) / 800;
  return px < 9 ? 9 : px > 22 ? 22 : px;
}

static int open_fonts(vz_gfx *g, int height, TTF_Font **f, char *err, size_t n)
{
  int body = body_px(height);
  const struct {
    int file, px, style;
  } spec[VZ_NFONTS] = {
    [VZ_FONT_BODY] = {0, body, TTF_STYLE_NORMAL},
    [VZ_FONT_BOLD] = {0, body, TTF_STYLE_BOLD},
    [VZ_FONT_MONO] = {1, body, TTF_STYLE_NORMAL},
    [VZ_FONT_TITLE] = {0, body * 4 / 3, TTF_STYLE_BOLD},
  };
  for (int i = 0; i < VZ_NFONTS; i++) {
    f[i] = TTF_OpenFont(g->path[spec[i].file], spec[i].px);
    if (!f[i]) {
      if (err)
        snprintf(err, n, "cannot open the font '%s': %s", g->path[spec[i].file], TTF_GetError());
      close_fonts(f);
      return -1;
    }
    TTF_SetFontStyle(f[i], spec[i].style);
  }
  return 0;
}

vz_gfx *vz_gfx_open(SDL_Renderer *r, const char *fontdir, int height, char *err, size_t n)
{
  vz_gfx *g = calloc(1, sizeof *g);
  if (!g) {
    snprintf(err, n, "out of memory");
    return NULL;
  }
  g->r = r;
  for (int i = 0; i < 2; i++)
    snprintf(g->path[i], sizeof g->path[i], "%s/%s", fontdir, font_files[i]);
  if (open_fonts(g, height, g->f, err, n) != 0) {
    free(g);
    return NULL;
  }
  g->height = height;
  SDL_SetRenderDrawBlendMode(r, SDL_BLENDMODE_BLEND);
  return g;
}

void vz_gfx_close(vz_gfx *g)
{
  if (!g)
    return;
  cache_clear(g);
  close_fonts(g->f);
  free(g);
}

int vz_gfx_resize(vz_gfx *g, int height)
{
  if (body_px(height) == body_px(g->height)) {
    g->height = height;
    return 0;
  }
  TTF_Font *f[VZ_NFONTS] = {0};
  if (open_fonts(g, height, f, NULL, 0) != 0)
    return -1;
  cache_clear(g);
  close_fonts(g->f);
  memcpy(g->f, f, sizeof f);
  g->height = height;
  return 0;
}

SDL_Renderer *vz_gfx_renderer(vz_gfx *g)
{
  return g->r;
}

void vz_fill(vz_gfx *g, int x, int y, int w, int h, SDL_Color c)
{
  if (w <= 0 || h <= 0)
    return;
  SDL_SetRenderDrawColor(g->r, c.r, c.g, c.b, c.a);
  SDL_RenderFillRect(g->r, &(SDL_Rect){x, y, w, h});
}

void vz_outline(vz_gfx *g, int x, int y, int w, int h, SDL_Color c)
{
  if (w <= 0 || h <= 0)
    return;
  SDL_SetRenderDrawColor(g->r, c.r, c.g, c.b, c.a);
  SDL_RenderDrawRect(g->r, &(SDL_Rect){x, y, w, h});
}

/* ---- Text ----------------------------------------------------------------- */

static size_t hash_text(int font, Uint32 rgba, const char *s)
{
  uint64_t h = 1469598103934665603ULL ^ (uint64_t)font ^ ((uint64_t)rgba << 8);
  for (; *s; s++)
    h = (h ^ (unsigned char)*s) * 1099511628211ULL;
  return (size_t)(h ^ (h >> 29)) & (CACHE_CAP - 1);
}

/* The cached texture of s, rendering it if needed; NULL if it cannot be
 * rendered (an empty string, or SDL failed). */
static const text_ent *text_get(vz_gfx *g, int font, SDL_Color c, const char *s)
{
  if (!*s)
    return NULL;
  Uint32 rgba = (Uint32)c.r << 24 | (Uint32)c.g << 16 | (Uint32)c.b << 8 | c.a;
  size_t i = hash_text(font, rgba, s);
  for (; g->cache[i].s; i = (i + 1) & (CACHE_CAP - 1))
    if (g->cache[i].font == font && g->cache[i].rgba == rgba && strcmp(g->cache[i].s, s) == 0)
      return g->cache[i].tex ? &g->cache[i] : NULL;
  if (2 * (g->ncache + 1) > CACHE_CAP) {
    cache_clear(g);
    i = hash_text(font, rgba, s);
  }
  SDL_Surface *surf = TTF_RenderUTF8_Blended(g->f[font], s, c);
  SDL_Texture *tex = surf ? SDL_CreateTextureFromSurface(g->r, surf) : NULL;
  char *copy = strdup(s);
  if (!copy) {
    if (tex)
      SDL_DestroyTexture(tex);
    SDL_FreeSurface(surf);
    return NULL;
  }
  g->cache[i] = (text_ent){.s = copy, .font = font, .rgba = rgba, .tex = tex,
                           .w = surf ? surf->w : 0, .h = surf ? surf->h : 0};
  g->ncache++;
  SDL_FreeSurface(surf);
  return tex ? &g->cache[i] : NULL;
}

int vz_text_width(vz_gfx *g, int font, const char *s)
{
  int w = 0;
  if (*s && TTF_SizeUTF8(g->f[font], s, &w, NULL) != 0)
    w = 0;
  return w;
}

int vz_line_height(vz_gfx *g, int font)
{
  return TTF_FontLineSkip(g->f[font]);
}

/* The first `chars` UTF-8 characters of s and an ellipsis, into buf. */
static void cut(char *buf, size_t n, const char *s, int chars)
{
  size_t i = 0;
  for (int k = 0; s[i] && k < chars; k++)
    do
      i++;
    while ((s[i] & 0xC0) == 0x80);
  if (i + sizeof "…" > n)
    i = n - sizeof "…";
  memcpy(buf, s, i);
  memcpy(buf + i, "…", sizeof "…");
}

int vz_text(vz_gfx *g, int font, int x, int y, SDL_Color c, const char *s, int maxw)
{
  char buf[512];
  if (maxw > 0 && vz_text_width(g, font, s) > maxw) {
    int room = maxw - vz_text_width(g, font, "…"), extent = 0, count = 0;
    if (room <= 0 || TTF_MeasureUTF8(g->f[font], s, room, &extent, &count) != 0 || count <= 0)
      return 0;
    cut(buf, sizeof buf, s, count);
    s = buf;
  }
  const text_ent *t = text_get(g, font, c, s);
  if (!t)
    return 0;
  SDL_RenderCopy(g->r, t->tex, NULL, &(SDL_Rect){x, y, t->w, t->h});
  return t->w;
}

int vz_text_right(vz_gfx *g, int font, int x, int y, SDL_Color c, const char *s)
{
  return vz_text(g, font, x - vz_text_width(g, font, s), y, c, s, 0);
}
