/*
 * jsonstr.h - writing a C string as a JSON string, shared by the report
 * and the trace writer.
 */
#ifndef GS_JSONSTR_H
#define GS_JSONSTR_H

#include <stdio.h>

/* A JSON string: quotes and backslashes escaped, control characters as
 * \u00XX, valid UTF-8 copied, invalid bytes replaced by U+FFFD (so the
 * output always parses, whatever a scenario's name holds).  NULL is "". */
void gs_json_put_string(FILE *f, const char *str);

#endif
