/*
 * draw.h - drawing primitives of gilsim-viz over an SDL renderer: filled
 * and outlined rectangles, and text in the packaged DejaVu fonts through
 * SDL2_ttf, with the rendered strings cached as textures.
 */
#ifndef VZ_DRAW_H
#define VZ_DRAW_H

#include <SDL.h>

#include <stddef.h>

enum { VZ_FONT_BODY, VZ_FONT_BOLD, VZ_FONT_MONO, VZ_FONT_TITLE, VZ_NFONTS };

typedef struct vz_gfx vz_gfx;

/* Open DejaVuSans.ttf and DejaVuSansMono.ttf from fontdir for drawing on
 * r, sized for a window `height` pixels high.  NULL with a sentence in
 * err when a font cannot be opened. */
vz_gfx *vz_gfx_open(SDL_Renderer *r, const char *fontdir, int height, char *err, size_t n);
void vz_gfx_close(vz_gfx *g);
/* Resize the fonts for a window `height` pixels high (a no-op when the
 * size does not change); 0, or -1 with the fonts left as they were. */
int vz_gfx_resize(vz_gfx *g, int height);
SDL_Renderer *vz_gfx_renderer(vz_gfx *g);

void vz_fill(vz_gfx *g, int x, int y, int w, int h, SDL_Color c);
void vz_outline(vz_gfx *g, int x, int y, int w, int h, SDL_Color c);
/* Draw UTF-8 text with its top left at (x, y), cut with an ellipsis to
 * maxw pixels if maxw > 0; returns the width drawn. */
int vz_text(vz_gfx *g, int font, int x, int y, SDL_Color c, const char *s, int maxw);
/* Right-aligned: the text ends at x. */
int vz_text_right(vz_gfx *g, int font, int x, int y, SDL_Color c, const char *s);
int vz_text_width(vz_gfx *g, int font, const char *s);
int vz_line_height(vz_gfx *g, int font);

#endif
