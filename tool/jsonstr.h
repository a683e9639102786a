/*
 * jsonstr.h - writing a C string as a JSON string, shared by the report
 * and the trace writer.
 */
#ifndef GS_JSONSTR_H
#define GS_JSONSTR_H

#include <stddef.h>
#include <stdio.h>

/* A JSON string: quotes and backslashes escaped, control characters as
 * \u00XX, valid UTF-8 copied, invalid bytes replaced by U+FFFD (so the
 * output always parses, whatever a scenario's name holds).  NULL is "". */
void gs_json_put_string(FILE *f, const char *str);

/* The same escaping into memory, without the quotes: writes the escaped
 * characters of str (NULL is "") at dst and returns the end.  dst needs
 * room for GS_JSON_ESCAPED_MAX(strlen(str)) bytes: an input byte becomes at
 * most 6 ("\u001f", "\ufffd"). */
#define GS_JSON_ESCAPED_MAX(len) (6 * (size_t)(len))
char *gs_json_escape(char *dst, const char *str);

#endif
