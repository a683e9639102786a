/*
 * jsonstr.c - a C string as a JSON string (see jsonstr.h).
 */
#include "jsonstr.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

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

/* Escape the character at *s (it is not the terminating NUL) into out,
 * which has room for 6 bytes, and step *s past it; returns the bytes
 * written. */
static size_t escape_one(const unsigned char **s, char *out)
{
  static const char hex[] = "0123456789abcdef";
  unsigned c = **s;
  if (c == '"' || c == '\\') {
    out[0] = '\\';
    out[1] = (char)c;
    *s += 1;
    return 2;
  }
  if (c < 0x20) {
    memcpy(out, "\\u00", 4);
    out[4] = hex[c >> 4];
    out[5] = hex[c & 15];
    *s += 1;
    return 6;
  }
  if (c < 0x80) {
    out[0] = (char)c;
    *s += 1;
    return 1;
  }
  size_t n = utf8_len(*s);
  if (n) {
    memcpy(out, *s, n);
    *s += n;
    return n;
  }
  memcpy(out, "\\ufffd", 6);
  *s += 1;
  return 6;
}

void gs_json_put_string(FILE *f, const char *str)
{
  const unsigned char *s = (const unsigned char *)(str ? str : "");
  char buf[6];
  fputc('"', f);
  while (*s)
    fwrite(buf, 1, escape_one(&s, buf), f);
  fputc('"', f);
}

char *gs_json_escape(char *dst, const char *str)
{
  const unsigned char *s = (const unsigned char *)(str ? str : "");
  while (*s) {
    /* Plain ASCII, nearly every character of a trace, is copied inline. */
    if (*s >= 0x20 && *s < 0x80 && *s != '"' && *s != '\\')
      *dst++ = (char)*s++;
    else
      dst += escape_one(&s, dst);
  }
  return dst;
}
