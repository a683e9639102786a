/*
 * jsonstr.c - a C string as a JSON string (see jsonstr.h).
 */
#include "jsonstr.h"

#include <stddef.h>
#include <stdint.h>

/* Length of the valid UTF-8 sequence at s, or 0 if it is not one
 * (overlong forms, surrogates and code points past U+10FFFF are invalid). */
static size_t utf8_len(const unsigned char *s)
{
  unsigned c = s[0];
  size_t n;
  uint32_t cp, min;
  if (c >= 0xC2 && c <= 0xDF)
    n = 2, cp = c & 0x1F, min = 0x80;
  else if (c >= 0xE0 && c <= 0xEF)
    n = 3, cp = c & 0x0F, min = 0x800;
  else if (c >= 0xF0 && c <= 0xF4)
    n = 4, cp = c & 0x07, min = 0x10000;
  else
    return 0;
  for (size_t i = 1; i < n; i++) {
    if ((s[i] & 0xC0) != 0x80)
      return 0; /* also stops at the terminating NUL */
    cp = cp << 6 | (s[i] & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
    return 0;
  return n;
}

void gs_json_put_string(FILE *f, const char *str)
{
  const unsigned char *s = (const unsigned char *)(str ? str : "");
  fputc('"', f);
  while (*s) {
    if (*s == '"' || *s == '\\') {
      fputc('\\', f);
      fputc(*s++, f);
    } else if (*s < 0x20) {
      fprintf(f, "\\u%04x", *s++);
    } else if (*s < 0x80) {
      fputc(*s++, f);
    } else {
      size_t n = utf8_len(s);
      if (n) {
        fwrite(s, 1, n, f);
        s += n;
      } else {
        fputs("\\ufffd", f);
        s++;
      }
    }
  }
  fputc('"', f);
}

