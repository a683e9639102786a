/*
 * scenario.c - loading and validating scenario files.
 *
 * A scenario is a libconfig file naming a machine (cores, scheduler), a
 * runtime, a concurrency model and a workload, plus optional overrides of
 * the parameter table (params.c).  This file turns one into a gs_scenario,
 * checking every value on the way: an unknown key, a value of the wrong
 * type or out of range, and a limit that would be exceeded are all errors
 * that name the file, the line and what was expected, so that a typo never
 * silently turns into a default.  The format is documented by the shipped
 * files in scenarios/ and by the catalogue of rejected files in tests/bad/.
 */
#include "gs.h"

#include <errno.h>
#include <limits.h>
#include <libconfig.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The longest duration a scenario may give: 10^6 s (11.6 days) is far beyond
 * any useful simulation, and keeps every duration, and (tasks - 1) x step of
 * a sleep workload, comfortably inside gs_time. */
#define DUR_MAX_S 1000000
#define DUR_MAX   ((double)DUR_MAX_S * 1e9)

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* What the loader carries around: the file name for messages and the
 * caller's error buffer (which may be NULL). */
typedef struct {
  const char *path;
  gs_error *err;
} loader;

/* ---- Messages ---------------------------------------------------------- */

/* libconfig numbers lines from 1 but gives the root setting line 0; errors
 * that concern the whole file (a missing key) point at line 1. */
static unsigned line_of(const config_setting_t *s)
{
  unsigned line = s ? config_setting_source_line(s) : 0;
  return line ? line : 1;
}

/* The dotted name of a setting as the user would write it:
 * "workload.tasks[0].steps[1].cpu". */
static void setting_path(const config_setting_t *s, char *buf, size_t n)
{
  const config_setting_t *chain[32];
  size_t depth = 0;
  for (; s && !config_setting_is_root(s) && depth < NELEM(chain); s = config_setting_parent(s))
    chain[depth++] = s;
  size_t len = 0;
  buf[0] = 0;
  while (depth-- > 0 && len < n) {
    const config_setting_t *p = chain[depth];
    int w;
    if (config_setting_name(p))
      w = snprintf(buf + len, n - len, "%s%s", len ? "." : "", config_setting_name(p));
    else
      w = snprintf(buf + len, n - len, "[%d]", config_setting_index(p));
    if (w < 0)
      break;
    len += (size_t)w;
  }
}

/* Report "FILE:LINE: <message>" at setting `at` (NULL: line 1). */
static gs_err fail_at(const loader *L, gs_err code, const config_setting_t *at, const char *fmt, ...)
  __attribute__((format(printf, 4, 5)));
static gs_err fail_at(const loader *L, gs_err code, const config_setting_t *at, const char *fmt, ...)
{
  if (L->err) {
    char body[sizeof L->err->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(body, sizeof body, fmt, ap);
    va_end(ap);
    if (snprintf(L->err->msg, sizeof L->err->msg, "%s:%u: %s", L->path, line_of(at), body) < 0)
      L->err->msg[0] = 0;
  }
  return code;
}

/* Report "FILE:LINE: <path of named>: <message>", a value that is invalid,
 * at the line of setting `at`. */
static gs_err vinvalid(const loader *L, const config_setting_t *named, const config_setting_t *at,
                       const char *fmt, va_list ap)
{
  if (L->err) {
    char body[sizeof L->err->msg], name[200];
    vsnprintf(body, sizeof body, fmt, ap);
    setting_path(named, name, sizeof name);
    if (snprintf(L->err->msg, sizeof L->err->msg, "%s:%u: %s: %s", L->path, line_of(at), name, body) < 0)
      L->err->msg[0] = 0;
  }
  return GS_ERR_INVALID;
}

static gs_err invalid(const loader *L, const config_setting_t *s, const char *fmt, ...)
  __attribute__((format(printf, 3, 4)));
static gs_err invalid(const loader *L, const config_setting_t *s, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  gs_err e = vinvalid(L, s, s, fmt, ap);
  va_end(ap);
  return e;
}

/* The same about a group, pointing at the line of one of its members. */
static gs_err invalid_at(const loader *L, const config_setting_t *named, const config_setting_t *at,
                         const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static gs_err invalid_at(const loader *L, const config_setting_t *named, const config_setting_t *at,
                         const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  gs_err e = vinvalid(L, named, at, fmt, ap);
  va_end(ap);
  return e;
}

/* The kind of value a setting holds, for "expected X, got <kind>". */
static const char *type_desc(const config_setting_t *s)
{
  switch (config_setting_type(s)) {
  case CONFIG_TYPE_INT:
  case CONFIG_TYPE_INT64:
    return "an integer";
  case CONFIG_TYPE_FLOAT:
    return "a float";
  case CONFIG_TYPE_STRING:
    return "a string";
  case CONFIG_TYPE_BOOL:
    return "a boolean";
  case CONFIG_TYPE_ARRAY:
    return "an array";
  case CONFIG_TYPE_LIST:
    return "a list";
  case CONFIG_TYPE_GROUP:
    return "a group";
  default:
    return "nothing";
  }
}

/* A setting's value as written, for "expected X, got <value>": numbers as
 * numbers, strings in double quotes, anything else by its kind. */
static const char *value_desc(const config_setting_t *s, char *buf, size_t n)
{
  switch (config_setting_type(s)) {
  case CONFIG_TYPE_INT:
  case CONFIG_TYPE_INT64:
    snprintf(buf, n, "%lld", config_setting_get_int64(s));
    return buf;
  case CONFIG_TYPE_FLOAT:
    snprintf(buf, n, "%g", config_setting_get_float(s));
    return buf;
  case CONFIG_TYPE_STRING:
    snprintf(buf, n, "\"%s\"", config_setting_get_string(s));
    return buf;
  default:
    return type_desc(s);
  }
}

/* `"a", "b" or "c"` from a list of names. */
static void join_names(char *buf, size_t n, const char *const *names, size_t count)
{
  size_t len = 0;
  buf[0] = 0;
  for (size_t i = 0; i < count && len < n; i++) {
    const char *sep = i == 0 ? "" : i + 1 == count ? " or " : ", ";
    int w = snprintf(buf + len, n - len, "%s\"%s\"", sep, names[i]);
    if (w < 0)
      break;
    len += (size_t)w;
  }
}

/* ---- Reading the file -------------------------------------------------- */

/* Read the whole file, NUL-terminated.  We read it ourselves rather than let
 * libconfig do it so that an unreadable file (missing, a directory, no
 * permission) is an I/O error with its reason, not a syntax error. */
static gs_err read_text(const loader *L, char **text, size_t *len)
{
  *text = NULL;
  *len = 0;
  FILE *f = fopen(L->path, "rb");
  if (!f) {
    if (L->err)
      snprintf(L->err->msg, sizeof L->err->msg, "cannot read '%s': %s", L->path, strerror(errno));
    return GS_ERR_IO;
  }
  size_t cap = 4096, n = 0;
  char *buf = malloc(cap);
  while (buf) {
    if (cap - n < 2) {
      char *bigger = cap < SIZE_MAX / 2 ? realloc(buf, cap * 2) : NULL;
      if (!bigger) {
        free(buf);
        buf = NULL;
        break;
      }
      buf = bigger;
      cap *= 2;
    }
    size_t got = fread(buf + n, 1, cap - n - 1, f);
    n += got;
    if (got == 0)
      break;
  }
  if (!buf) {
    fclose(f);
    if (L->err)
      snprintf(L->err->msg, sizeof L->err->msg, "out of memory reading '%s'", L->path);
    return GS_ERR_NOMEM;
  }
  if (ferror(f)) {
    int e = errno;
    fclose(f);
    free(buf);
    if (L->err)
      snprintf(L->err->msg, sizeof L->err->msg, "cannot read '%s': %s", L->path,
               strerror(e ? e : EIO));
    return GS_ERR_IO;
  }
  fclose(f);
  buf[n] = 0;
  *text = buf;
  *len = n;
  return GS_OK;
}

/* ---- Integer literals -------------------------------------------------- */

/*
 * libconfig 1.5 stores an integer literal written without the L suffix in a
 * C int with no range check: "72057596722278677" silently becomes
 * -1610616555 and "workers = 4294967297" becomes 1.  A literal with the
 * suffix is read with atoll, which saturates.  So before parsing we scan the
 * text as libconfig's lexer would (comments, strings, names, numbers) and
 *   - reject a literal outside the int64 range;
 *   - append L to a literal outside the int range, so that it is read whole;
 *   - append L to every integer of an array holding any 64-bit one, because
 *     libconfig rejects an array that mixes int and int64 elements.
 * Only characters are added, never newlines, so line numbers are kept.
 * Included files would escape this scan (and report other file names), so a
 * scenario is one self-contained file and @include is refused.
 */
typedef struct {
  size_t end;  /* offset just past the digits */
  bool has_l;  /* written with the L suffix */
  bool needs_l;
} int_literal;

static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

static int hex_value(char c)
{
  if (is_digit(c))
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* Skip a float's digits, fraction and exponent from i; return the end. */
static size_t skip_float(const char *s, size_t i)
{
  while (is_digit(s[i]))
    i++;
  if (s[i] == '.')
    for (i++; is_digit(s[i]); i++)
      ;
  if ((s[i] == 'e' || s[i] == 'E') &&
      (is_digit(s[i + 1]) || ((s[i + 1] == '+' || s[i + 1] == '-') && is_digit(s[i + 2]))))
    for (i += 2; is_digit(s[i]); i++)
      ;
  return i;
}

static gs_err promote_integers(const loader *L, const char *in, size_t len, char **out)
{
  int_literal *lits = NULL;
  size_t nlits = 0, caplits = 0, arr_start = 0, ninsert = 0;
  bool in_array = false;
  unsigned line = 1;
  gs_err e = GS_OK;
  *out = NULL;

  size_t i = 0;
  while (i < len && e == GS_OK) {
    char c = in[i], next = in[i + 1]; /* in[len] is the terminating NUL */
    if (c == '\n') {
      line++;
      i++;
    } else if (c == '#' || (c == '/' && next == '/')) {
      while (i < len && in[i] != '\n')
        i++;
    } else if (c == '/' && next == '*') {
      for (i += 2; i < len && !(in[i] == '*' && in[i + 1] == '/'); i++)
        if (in[i] == '\n')
          line++;
      i = i < len ? i + 2 : len;
    } else if (c == '"') {
      for (i++; i < len && in[i] != '"'; i++) {
        if (in[i] == '\\' && i + 1 < len)
          i++;
        if (in[i] == '\n')
          line++;
      }
      i = i < len ? i + 1 : len;
    } else if (is_alpha(c) || c == '*') {
      /* a name, which may contain digits: [A-Za-z*][-A-Za-z0-9_*]* */
      for (i++; is_alpha(in[i]) || is_digit(in[i]) || in[i] == '-' || in[i] == '_' || in[i] == '*'; i++)
        ;
    } else if (c == '@' && strncmp(in + i, "@include", 8) == 0) {
      if (L->err)
        snprintf(L->err->msg, sizeof L->err->msg,
                 "%s:%u: @include is not supported: a scenario is a single file", L->path, line);
      e = GS_ERR_PARSE;
    } else if (c == '[') {
      in_array = true;
      arr_start = nlits;
      i++;
    } else if (c == ']') {
      if (in_array) {
        bool wide = false;
        for (size_t k = arr_start; k < nlits; k++)
          wide |= lits[k].has_l || lits[k].needs_l;
        for (size_t k = arr_start; k < nlits && wide; k++)
          lits[k].needs_l = !lits[k].has_l;
      }
      in_array = false;
      i++;
    } else if (is_digit(c) || (c == '.' && is_digit(next)) ||
               ((c == '+' || c == '-') && (is_digit(next) || (next == '.' && is_digit(in[i + 2]))))) {
      size_t start = i;
      bool neg = c == '-';
      if (c == '+' || c == '-')
        i++;
      uint64_t v = 0;
      bool over = false, hex = false;
      if (!(c == '+' || c == '-') && in[i] == '0' && (in[i + 1] == 'x' || in[i + 1] == 'X') &&
          hex_value(in[i + 2]) >= 0) {
        hex = true;
        for (i += 2; hex_value(in[i]) >= 0; i++) {
          over |= v >> 60 != 0;
          v = v * 16 + (uint64_t)hex_value(in[i]);
        }
      } else {
        size_t d = i;
        while (is_digit(in[d]))
          d++;
        if (in[d] == '.' || ((in[d] == 'e' || in[d] == 'E') && skip_float(in, d) > d)) {
          i = skip_float(in, i); /* a float: libconfig reads it as a double */
          continue;
        }
        for (; i < d; i++) {
          uint64_t digit = (uint64_t)(in[i] - '0');
          over |= v > (UINT64_MAX - digit) / 10;
          v = v * 10 + digit;
        }
      }
      uint64_t most = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
      if (over || v > most) {
        size_t end = i;
        while (in[end] == 'L')
          end++;
        if (L->err)
          snprintf(L->err->msg, sizeof L->err->msg,
                   "%s:%u: expected an integer between %lld and %lld, got %.*s", L->path, line,
                   (long long)INT64_MIN, (long long)INT64_MAX, (int)(end - start > 64 ? 64 : end - start),
                   in + start);
        e = GS_ERR_INVALID;
        break;
      }
      if (nlits == caplits) {
        size_t ncap = caplits ? caplits * 2 : 64;
        int_literal *grown = realloc(lits, ncap * sizeof *lits);
        if (!grown) {
          e = GS_ERR_NOMEM;
          if (L->err)
            snprintf(L->err->msg, sizeof L->err->msg, "out of memory reading '%s'", L->path);
          break;
        }
        lits = grown;
        caplits = ncap;
      }
      int_literal *lit = &lits[nlits++];
      lit->end = i;
      lit->has_l = in[i] == 'L';
      lit->needs_l = !lit->has_l && v > (neg && !hex ? (uint64_t)INT_MAX + 1 : (uint64_t)INT_MAX);
      while (in[i] == 'L')
        i++;
    } else {
      i++;
    }
  }

  if (e == GS_OK) {
    for (size_t k = 0; k < nlits; k++)
      ninsert += lits[k].needs_l;
    char *buf = malloc(len + ninsert + 1);
    if (!buf) {
      e = GS_ERR_NOMEM;
      if (L->err)
        snprintf(L->err->msg, sizeof L->err->msg, "out of memory reading '%s'", L->path);
    } else {
      size_t from = 0, to = 0;
      for (size_t k = 0; k < nlits; k++) {
        if (!lits[k].needs_l)
          continue;
        memcpy(buf + to, in + from, lits[k].end - from);
        to += lits[k].end - from;
        from = lits[k].end;
        buf[to++] = 'L';
      }
      memcpy(buf + to, in + from, len - from);
      to += len - from;
      buf[to] = 0;
      *out = buf;
    }
  }
  free(lits);
  return e;
}

/* ---- Values ------------------------------------------------------------ */

/* Reject any member of group g not named in keys[]. */
static gs_err check_keys(const loader *L, const config_setting_t *g, const char *const *keys, size_t nkeys)
{
  for (int i = 0; i < config_setting_length(g); i++) {
    const config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
    const char *name = config_setting_name(s);
    size_t k = 0;
    while (k < nkeys && strcmp(keys[k], name) != 0)
      k++;
    if (k < nkeys)
      continue;
    char expected[512], where[220] = "";
    size_t len = 0;
    expected[0] = 0;
    for (k = 0; k < nkeys && len < sizeof expected; k++) {
      int w = snprintf(expected + len, sizeof expected - len, "%s%s", k ? ", " : "", keys[k]);
      if (w < 0)
        break;
      len += (size_t)w;
    }
    if (!config_setting_is_root(g)) {
      char gname[200];
      setting_path(g, gname, sizeof gname);
      snprintf(where, sizeof where, " in %s", gname);
    }
    return fail_at(L, GS_ERR_INVALID, s, "unknown key '%s'%s (expected one of: %s)", name, where, expected);
  }
  return GS_OK;
}

/* The member `key` of group g, which must be present. */
static gs_err require(const loader *L, const config_setting_t *g, const char *key, config_setting_t **out)
{
  *out = config_setting_get_member(g, key);
  if (*out)
    return GS_OK;
  if (config_setting_is_root(g))
    return fail_at(L, GS_ERR_INVALID, NULL, "missing required key '%s'", key);
  return invalid(L, g, "missing required key '%s'", key);
}

static gs_err expect_group(const loader *L, const config_setting_t *s)
{
  if (config_setting_is_group(s))
    return GS_OK;
  return invalid(L, s, "expected a group, got %s", type_desc(s));
}

/* An integer in [lo, hi]. */
static gs_err get_int(const loader *L, const config_setting_t *s, long long lo, long long hi, long long *out)
{
  int t = config_setting_type(s);
  if (t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64)
    return invalid(L, s, "expected an integer, got %s", type_desc(s));
  long long v = config_setting_get_int64(s);
  if (v < lo || v > hi) {
    if (hi == LLONG_MAX)
      return invalid(L, s, "expected an integer >= %lld, got %lld", lo, v);
    return invalid(L, s, "expected an integer between %lld and %lld, got %lld", lo, hi, v);
  }
  *out = v;
  return GS_OK;
}

static gs_err get_string(const loader *L, const config_setting_t *s, bool nonempty, const char **out)
{
  if (config_setting_type(s) != CONFIG_TYPE_STRING)
    return invalid(L, s, "expected a string, got %s", type_desc(s));
  *out = config_setting_get_string(s);
  if (nonempty && !**out)
    return invalid(L, s, "expected a non-empty string");
  return GS_OK;
}

/*
 * The enumerations a scenario names by string.  The accepted names are the
 * library's own (gs_model_name, gs_model_parse, ...): every value whose name
 * parses back to it, so a model added to params.c is accepted here and
 * listed in the messages without a change to this file.
 */
typedef struct {
  const char *(*name)(int);
  int (*parse)(const char *);
  int first; /* the first value with a name a file may give */
} enum_names;

static const char *runtime_name(int v) { return gs_runtime_name((gs_runtime)v); }
static const char *model_name(int v) { return gs_model_name((gs_model)v); }
static const char *sched_name(int v) { return gs_sched_name((gs_sched_policy)v); }
static const char *gil_name(int v) { return gs_gil_name((gs_gil)v); }
static const char *workload_name(int v) { return gs_workload_name((gs_workload)v); }
static const char *dist_name(int v) { return gs_dist_name((gs_dist_kind)v); }

/* The workloads this file knows how to read (each has its own keys). */
static int workload_parse(const char *s)
{
  for (int i = 0; i <= GS_WL_CUSTOM; i++)
    if (strcmp(gs_workload_name((gs_workload)i), s) == 0)
      return i;
  return -1;
}

/* The distributions of dist_params[] below. */
static int dist_parse(const char *s)
{
  int d = gs_dist_parse(s);
  return d <= GS_DIST_PARETO ? d : -1;
}

static const enum_names runtimes = {runtime_name, gs_runtime_parse, 0};
static const enum_names models = {model_name, gs_model_parse, 0};
static const enum_names scheds = {sched_name, gs_sched_parse, 0};
static const enum_names gils = {gil_name, gs_gil_parse, GS_GIL_NONE}; /* "default" is no name */
static const enum_names workloads = {workload_name, workload_parse, 0};
static const enum_names dists = {dist_name, dist_parse, 0};

static bool enum_valid(const enum_names *en, int v)
{
  return v >= en->first && en->parse(en->name(v)) == v;
}

/* `"a", "b" or "c"`: the names of an enumeration. */
static void enum_list(const enum_names *en, char *buf, size_t n)
{
  const char *names[32];
  size_t count = 0;
  for (int v = en->first; count < NELEM(names) && enum_valid(en, v); v++)
    names[count++] = en->name(v);
  join_names(buf, n, names, count);
}

static gs_err get_enum(const loader *L, const config_setting_t *s, const enum_names *en, int *out)
{
  char expected[200], got[160];
  if (config_setting_type(s) == CONFIG_TYPE_STRING) {
    int v = en->parse(config_setting_get_string(s));
    if (v >= en->first) {
      *out = v;
      return GS_OK;
    }
  }
  /* a string is quoted back; anything else is named by its kind */
  enum_list(en, expected, sizeof expected);
  return invalid(L, s, "expected %s, got %s", expected,
                 config_setting_type(s) == CONFIG_TYPE_STRING ? value_desc(s, got, sizeof got) : type_desc(s));
}

typedef enum { AT_LEAST_0, ABOVE_0 } bound;

/* A duration in ns: an integer or a float (ns), or a string with a unit. */
static gs_err get_duration(const loader *L, const config_setting_t *s, bound b, bool or_dist, double *out)
{
  static const char like[] = "a duration such as \"250us\", \"1.5ms\" or \"2s\"";
  char got[160];
  double v;
  switch (config_setting_type(s)) {
  case CONFIG_TYPE_INT:
  case CONFIG_TYPE_INT64:
    v = (double)config_setting_get_int64(s);
    break;
  case CONFIG_TYPE_FLOAT:
    v = config_setting_get_float(s);
    break;
  case CONFIG_TYPE_STRING:
    if (gs_duration_parse(config_setting_get_string(s), &v) == 0)
      break;
    /* fall through */
  default:
    return invalid(L, s, "expected %s%s, got %s", like, or_dist ? ", or a distribution group" : "",
                   value_desc(s, got, sizeof got));
  }
  if (b == AT_LEAST_0 && !(v >= 0))
    return invalid(L, s, "expected a duration >= 0, got %s", value_desc(s, got, sizeof got));
  if (b == ABOVE_0 && !(v > 0))
    return invalid(L, s, "expected a duration > 0, got %s", value_desc(s, got, sizeof got));
  if (v > DUR_MAX)
    return invalid(L, s, "expected a duration of at most %ds, got %s", DUR_MAX_S,
                   value_desc(s, got, sizeof got));
  *out = v;
  return GS_OK;
}

/* A plain number (a shape or a sigma). */
static gs_err get_number(const loader *L, const config_setting_t *s, bound b, double *out)
{
  double v;
  switch (config_setting_type(s)) {
  case CONFIG_TYPE_INT:
  case CONFIG_TYPE_INT64:
    v = (double)config_setting_get_int64(s);
    break;
  case CONFIG_TYPE_FLOAT:
    v = config_setting_get_float(s);
    break;
  default:
    return invalid(L, s, "expected a number, got %s", type_desc(s));
  }
  char got[160];
  if (b == AT_LEAST_0 && !(v >= 0))
    return invalid(L, s, "expected a number >= 0, got %s", value_desc(s, got, sizeof got));
  if (b == ABOVE_0 && !(v > 0))
    return invalid(L, s, "expected a number > 0, got %s", value_desc(s, got, sizeof got));
  *out = v;
  return GS_OK;
}

static gs_err too_many_tasks(const loader *L, const config_setting_t *at, unsigned long long n)
{
  return fail_at(L, GS_ERR_LIMIT, at, "%llu tasks exceed the limit of %d (GS_MAX_TASKS)", n, GS_MAX_TASKS);
}

/* An array or list of one value per task: non-empty and within the limit. */
static gs_err get_task_array(const loader *L, const config_setting_t *s, const char *of, size_t *n)
{
  if (!config_setting_is_array(s) && !config_setting_is_list(s))
    return invalid(L, s, "expected an array of %s, got %s", of, type_desc(s));
  int len = config_setting_length(s);
  if (len == 0)
    return invalid(L, s, "expected a non-empty array of %s", of);
  if (len > GS_MAX_TASKS)
    return too_many_tasks(L, s, (unsigned long long)len);
  *n = (size_t)len;
  return GS_OK;
}

static gs_err nomem(const loader *L)
{
  if (L->err)
    snprintf(L->err->msg, sizeof L->err->msg, "out of memory loading '%s'", L->path);
  return GS_ERR_NOMEM;
}

/* ---- Distributions ----------------------------------------------------- */

typedef enum { P_DURATION, P_NUMBER } pkind;

typedef struct {
  const char *name;
  pkind kind;
  bound b;
} dist_param;

/* The members of each distribution group after `dist`, filling a then b.
 * A normal's mean must not be negative: it is truncated at 0 by resampling,
 * which would hardly ever succeed far below 0. */
static const struct {
  int nparams;
  dist_param p[2];
} dist_params[] = {
  [GS_DIST_CONST] = {1, {{"value", P_DURATION, AT_LEAST_0}}},
  [GS_DIST_UNIFORM] = {2, {{"min", P_DURATION, AT_LEAST_0}, {"max", P_DURATION, AT_LEAST_0}}},
  [GS_DIST_EXP] = {1, {{"mean", P_DURATION, ABOVE_0}}},
  [GS_DIST_NORMAL] = {2, {{"mean", P_DURATION, AT_LEAST_0}, {"sd", P_DURATION, AT_LEAST_0}}},
  [GS_DIST_LOGNORMAL] = {2, {{"median", P_DURATION, ABOVE_0}, {"sigma", P_NUMBER, AT_LEAST_0}}},
  [GS_DIST_GAMMA] = {2, {{"shape", P_NUMBER, ABOVE_0}, {"scale", P_DURATION, ABOVE_0}}},
  [GS_DIST_PARETO] = {2, {{"shape", P_NUMBER, ABOVE_0}, {"scale", P_DURATION, ABOVE_0}}},
};

static gs_err get_dist(const loader *L, const config_setting_t *g, gs_dist *d)
{
  config_setting_t *s;
  int kind = 0;
  gs_err e = require(L, g, "dist", &s);
  if (e == GS_OK)
    e = get_enum(L, s, &dists, &kind);
  if (e != GS_OK)
    return e;
  const char *keys[3] = {"dist"};
  for (int i = 0; i < dist_params[kind].nparams; i++)
    keys[i + 1] = dist_params[kind].p[i].name;
  e = check_keys(L, g, keys, (size_t)dist_params[kind].nparams + 1);
  double v[2] = {0, 0};
  for (int i = 0; i < dist_params[kind].nparams && e == GS_OK; i++) {
    const dist_param *p = &dist_params[kind].p[i];
    e = require(L, g, p->name, &s);
    if (e == GS_OK)
      e = p->kind == P_DURATION ? get_duration(L, s, p->b, false, &v[i]) : get_number(L, s, p->b, &v[i]);
  }
  if (e == GS_OK && kind == GS_DIST_UNIFORM && v[1] < v[0]) {
    char got[160];
    s = config_setting_get_member(g, "max");
    e = invalid(L, s, "expected a duration >= min, got %s", value_desc(s, got, sizeof got));
  }
  if (e != GS_OK)
    return e;
  d->kind = (gs_dist_kind)kind;
  d->a = v[0];
  d->b = v[1];
  return GS_OK;
}

/* ---- Workloads --------------------------------------------------------- */

static gs_err load_primes(const loader *L, const config_setting_t *w, gs_scenario *sc)
{
  static const char *const keys[] = {"type", "numbers"};
  config_setting_t *arr;
  size_t n;
  gs_err e = check_keys(L, w, keys, NELEM(keys));
  if (e == GS_OK)
    e = require(L, w, "numbers", &arr);
  if (e == GS_OK)
    e = get_task_array(L, arr, "integers >= 2", &n);
  if (e != GS_OK)
    return e;
  if (!(sc->numbers = calloc(n, sizeof *sc->numbers)))
    return nomem(L);
  for (size_t i = 0; i < n; i++) {
    const config_setting_t *s = config_setting_get_elem(arr, (unsigned)i);
    char got[160];
    uint64_t v = 0;
    bool ok = false;
    switch (config_setting_type(s)) {
    case CONFIG_TYPE_INT:
    case CONFIG_TYPE_INT64: {
      long long x = config_setting_get_int64(s);
      ok = x >= 2;
      v = (uint64_t)x;
      break;
    }
    case CONFIG_TYPE_STRING: {
      /* Numbers above 2^63 - 1, which no libconfig integer can hold, may be
       * written as strings of decimal digits. */
      const char *t = config_setting_get_string(s);
      char *end;
      errno = 0;
      v = strtoull(t, &end, 10);
      ok = is_digit(t[0]) && !*end && !errno && v >= 2;
      break;
    }
    default:
      break;
    }
    if (!ok)
      return invalid(L, s, "expected an integer >= 2, got %s", value_desc(s, got, sizeof got));
    sc->numbers[i] = v;
  }
  sc->ntasks = n;
  return GS_OK;
}

static gs_err load_countdown(const loader *L, const config_setting_t *w, gs_scenario *sc)
{
  static const char *const keys[] = {"type", "counts", "tasks", "count"};
  config_setting_t *counts = config_setting_get_member(w, "counts");
  config_setting_t *tasks = config_setting_get_member(w, "tasks");
  config_setting_t *count = config_setting_get_member(w, "count");
  gs_err e = check_keys(L, w, keys, NELEM(keys));
  if (e != GS_OK)
    return e;
  if (counts && (tasks || count))
    return invalid_at(L, w, tasks ? tasks : count,
                      "expected either 'counts' or 'tasks' and 'count', not both");
  if (!counts && !tasks && !count)
    return invalid(L, w, "missing required key 'counts' (or 'tasks' and 'count')");
  size_t n;
  if (counts) {
    e = get_task_array(L, counts, "integers >= 1", &n);
    if (e != GS_OK)
      return e;
    if (!(sc->counts = calloc(n, sizeof *sc->counts)))
      return nomem(L);
    for (size_t i = 0; i < n && e == GS_OK; i++) {
      long long v;
      e = get_int(L, config_setting_get_elem(counts, (unsigned)i), 1, LLONG_MAX, &v);
      sc->counts[i] = v;
    }
    sc->ntasks = n;
    return e;
  }
  long long ntasks, len;
  e = require(L, w, "tasks", &tasks);
  if (e == GS_OK)
    e = get_int(L, tasks, 1, LLONG_MAX, &ntasks);
  if (e == GS_OK && ntasks > GS_MAX_TASKS)
    e = too_many_tasks(L, tasks, (unsigned long long)ntasks);
  if (e == GS_OK)
    e = require(L, w, "count", &count);
  if (e == GS_OK)
    e = get_int(L, count, 1, LLONG_MAX, &len);
  if (e != GS_OK)
    return e;
  n = (size_t)ntasks;
  if (!(sc->counts = calloc(n, sizeof *sc->counts)))
    return nomem(L);
  for (size_t i = 0; i < n; i++)
    sc->counts[i] = len;
  sc->ntasks = n;
  return GS_OK;
}

static gs_err load_sleep(const loader *L, const config_setting_t *w, gs_scenario *sc)
{
  static const char *const keys[] = {"type", "tasks", "step", "durations"};
  config_setting_t *durs = config_setting_get_member(w, "durations");
  config_setting_t *tasks = config_setting_get_member(w, "tasks");
  config_setting_t *step = config_setting_get_member(w, "step");
  gs_err e = check_keys(L, w, keys, NELEM(keys));
  if (e != GS_OK)
    return e;
  if (durs && (tasks || step))
    return invalid_at(L, w, tasks ? tasks : step,
                      "expected either 'durations' or 'tasks' (with an optional 'step'), not both");
  size_t n;
  if (durs) {
    e = get_task_array(L, durs, "durations", &n);
    if (e != GS_OK)
      return e;
    if (!(sc->durations = calloc(n, sizeof *sc->durations)))
      return nomem(L);
    for (size_t i = 0; i < n && e == GS_OK; i++) {
      double v = 0;
      e = get_duration(L, config_setting_get_elem(durs, (unsigned)i), AT_LEAST_0, false, &v);
      sc->durations[i] = (gs_time)llround(v);
    }
    sc->ntasks = n;
    return e;
  }
  if (!tasks)
    return invalid(L, w, "missing required key 'durations' (or 'tasks')");
  long long ntasks;
  double dt = 1e9; /* task i sleeps i seconds unless told otherwise */
  e = get_int(L, tasks, 1, LLONG_MAX, &ntasks);
  if (e == GS_OK && ntasks > GS_MAX_TASKS)
    e = too_many_tasks(L, tasks, (unsigned long long)ntasks);
  if (e == GS_OK && step)
    e = get_duration(L, step, AT_LEAST_0, false, &dt);
  if (e == GS_OK && (double)(ntasks - 1) * dt > DUR_MAX)
    e = invalid(L, step ? step : tasks, "expected (tasks - 1) x step to be at most %ds, got %gs", DUR_MAX_S,
                (double)(ntasks - 1) * dt / 1e9);
  if (e != GS_OK)
    return e;
  n = (size_t)ntasks;
  if (!(sc->durations = calloc(n, sizeof *sc->durations)))
    return nomem(L);
  for (size_t i = 0; i < n; i++)
    sc->durations[i] = (gs_time)llround((double)i * dt);
  sc->ntasks = n;
  return GS_OK;
}

/* One step group: exactly one of cpu or sleep, a duration or a distribution. */
static gs_err load_step(const loader *L, const config_setting_t *s, gs_step *st)
{
  static const char *const keys[] = {"cpu", "sleep"};
  gs_err e = expect_group(L, s);
  if (e == GS_OK)
    e = check_keys(L, s, keys, NELEM(keys));
  if (e != GS_OK)
    return e;
  config_setting_t *cpu = config_setting_get_member(s, "cpu");
  config_setting_t *slp = config_setting_get_member(s, "sleep");
  if (!cpu == !slp)
    return invalid(L, s, "expected exactly one of 'cpu' or 'sleep', got %s", cpu ? "both" : "neither");
  config_setting_t *v = cpu ? cpu : slp;
  st->kind = cpu ? GS_STEP_CPU : GS_STEP_SLEEP;
  if (config_setting_is_group(v))
    return get_dist(L, v, &st->dur);
  st->dur.kind = GS_DIST_CONST;
  st->dur.b = 0;
  return get_duration(L, v, AT_LEAST_0, true, &st->dur.a);
}

/*
 * Custom tasks.  A group with repeat = k stands for k identical tasks; they
 * share one steps array (gs_scenario_free frees each distinct array once),
 * so a large repeat of a long task costs one gs_task_spec per task, not a
 * copy of its steps.  The total is checked against GS_MAX_TASKS from the
 * repeat counts before anything per task is allocated.
 */
typedef struct {
  gs_task_spec spec;
  size_t repeat;
} task_group;

static gs_err load_custom(const loader *L, const config_setting_t *w, gs_scenario *sc)
{
  static const char *const keys[] = {"type", "tasks"};
  static const char *const task_keys[] = {"repeat", "steps"};
  config_setting_t *list;
  gs_err e = check_keys(L, w, keys, NELEM(keys));
  if (e == GS_OK)
    e = require(L, w, "tasks", &list);
  if (e != GS_OK)
    return e;
  if (!config_setting_is_list(list))
    return invalid(L, list, "expected a list of task groups, got %s", type_desc(list));
  size_t ngroups = (size_t)config_setting_length(list), total = 0;
  if (ngroups == 0)
    return invalid(L, list, "expected a non-empty list of task groups");
  task_group *groups = calloc(ngroups, sizeof *groups);
  if (!groups)
    return nomem(L);

  for (size_t gi = 0; gi < ngroups && e == GS_OK; gi++) {
    const config_setting_t *g = config_setting_get_elem(list, (unsigned)gi);
    config_setting_t *rep = NULL, *steps = NULL;
    long long repeat = 1;
    e = expect_group(L, g);
    if (e == GS_OK)
      e = check_keys(L, g, task_keys, NELEM(task_keys));
    if (e == GS_OK && (rep = config_setting_get_member(g, "repeat")))
      e = get_int(L, rep, 1, LLONG_MAX, &repeat);
    if (e == GS_OK && (unsigned long long)repeat > (unsigned long long)(GS_MAX_TASKS - total))
      e = too_many_tasks(L, rep ? rep : g, (unsigned long long)total + (unsigned long long)repeat);
    if (e == GS_OK)
      e = require(L, g, "steps", &steps);
    if (e != GS_OK)
      break;
    if (!config_setting_is_list(steps)) {
      e = invalid(L, steps, "expected a list of step groups, got %s", type_desc(steps));
      break;
    }
    size_t nsteps = (size_t)config_setting_length(steps);
    if (nsteps == 0) {
      e = invalid(L, steps, "expected a non-empty list of step groups");
      break;
    }
    if (nsteps > GS_MAX_STEPS) {
      e = fail_at(L, GS_ERR_LIMIT, steps, "%zu steps exceed the limit of %d (GS_MAX_STEPS)", nsteps,
                  GS_MAX_STEPS);
      break;
    }
    groups[gi].repeat = (size_t)repeat;
    total += (size_t)repeat;
    if (!(groups[gi].spec.steps = calloc(nsteps, sizeof(gs_step)))) {
      e = nomem(L);
      break;
    }
    groups[gi].spec.nsteps = nsteps;
    for (size_t si = 0; si < nsteps && e == GS_OK; si++)
      e = load_step(L, config_setting_get_elem(steps, (unsigned)si), &groups[gi].spec.steps[si]);
  }

  if (e == GS_OK && !(sc->custom = calloc(total, sizeof *sc->custom)))
    e = nomem(L);
  if (e != GS_OK) {
    for (size_t gi = 0; gi < ngroups; gi++)
      free(groups[gi].spec.steps);
    free(groups);
    return e;
  }
  /* From here the steps arrays belong to sc->custom. */
  size_t t = 0;
  for (size_t gi = 0; gi < ngroups; gi++)
    for (size_t r = 0; r < groups[gi].repeat; r++)
      sc->custom[t++] = groups[gi].spec;
  sc->ntasks = total;
  free(groups);
  return GS_OK;
}

static gs_err load_workload(const loader *L, const config_setting_t *w, gs_scenario *sc)
{
  config_setting_t *type;
  int kind = 0;
  gs_err e = expect_group(L, w);
  if (e == GS_OK)
    e = require(L, w, "type", &type);
  if (e == GS_OK)
    e = get_enum(L, type, &workloads, &kind);
  if (e != GS_OK)
    return e;
  sc->workload = (gs_workload)kind;
  switch (sc->workload) {
  case GS_WL_PRIMES:
    return load_primes(L, w, sc);
  case GS_WL_COUNTDOWN:
    return load_countdown(L, w, sc);
  case GS_WL_SLEEP:
    return load_sleep(L, w, sc);
  case GS_WL_CUSTOM:
    return load_custom(L, w, sc);
  default: /* workload_parse accepts no other */
    return GS_ERR_INVALID;
  }
}

/* ---- Parameters -------------------------------------------------------- */

static gs_err load_params(const loader *L, const config_setting_t *g, gs_params *p)
{
  gs_err e = expect_group(L, g);
  if (e != GS_OK)
    return e;
  const char *keys[GS_P_COUNT];
  for (int i = 0; i < GS_P_COUNT; i++)
    keys[i] = gs_param_info_get((gs_param_id)i)->name;
  e = check_keys(L, g, keys, NELEM(keys));
  for (int i = 0; i < config_setting_length(g) && e == GS_OK; i++) {
    const config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
    gs_param_id id = (gs_param_id)gs_param_lookup(config_setting_name(s));
    /* A number goes through the same parser and range check as a string
     * (and as --set on the command line): for a duration it means ns. */
    char text[64];
    const char *v = text;
    switch (config_setting_type(s)) {
    case CONFIG_TYPE_STRING:
      v = config_setting_get_string(s);
      break;
    case CONFIG_TYPE_INT:
    case CONFIG_TYPE_INT64:
      snprintf(text, sizeof text, "%lld", config_setting_get_int64(s));
      break;
    case CONFIG_TYPE_FLOAT:
      snprintf(text, sizeof text, "%.17g", config_setting_get_float(s));
      break;
    default:
      return invalid(L, s, "expected a number or a string, got %s", type_desc(s));
    }
    gs_error perr = {{0}};
    if (gs_param_parse_value(id, v, &p->v[id], &perr) != GS_OK)
      /* perr starts with the parameter's name: make it the full path */
      return fail_at(L, GS_ERR_INVALID, s, "params.%s", perr.msg);
    p->set |= UINT64_C(1) << id;
  }
  return e;
}

/* ---- The scenario ------------------------------------------------------ */

/* The default name: the file's base name without its extension. */
static char *default_name(const char *path)
{
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  const char *dot = strrchr(base, '.');
  size_t n = dot && dot != base ? (size_t)(dot - base) : strlen(base);
  char *name = malloc(n + 1);
  if (name) {
    memcpy(name, base, n);
    name[n] = 0;
  }
  return name;
}

static gs_err load_root(const loader *L, const config_setting_t *root, gs_scenario *sc)
{
  static const char *const keys[] = {"name", "description", "runtime", "gil", "model", "workers",
                                     "cores", "scheduler", "seed", "workload", "params"};
  gs_err e = check_keys(L, root, keys, NELEM(keys));
  if (e != GS_OK)
    return e;

  config_setting_t *s;
  const char *str;
  long long v;
  int k;
  if ((s = config_setting_get_member(root, "name"))) {
    if ((e = get_string(L, s, true, &str)) != GS_OK)
      return e;
    sc->name = strdup(str);
  } else {
    sc->name = default_name(L->path);
  }
  if ((s = config_setting_get_member(root, "description"))) {
    if ((e = get_string(L, s, false, &str)) != GS_OK)
      return e;
    sc->description = strdup(str);
  } else {
    sc->description = strdup("");
  }
  if (!sc->name || !sc->description)
    return nomem(L);
  if ((s = config_setting_get_member(root, "runtime"))) {
    if ((e = get_enum(L, s, &runtimes, &k)) != GS_OK)
      return e;
    sc->runtime = (gs_runtime)k;
  }
  if ((s = config_setting_get_member(root, "gil"))) {
    if ((e = get_enum(L, s, &gils, &k)) != GS_OK)
      return e;
    sc->gil = (gs_gil)k;
  }
  if ((s = config_setting_get_member(root, "model"))) {
    if ((e = get_enum(L, s, &models, &k)) != GS_OK)
      return e;
    sc->model = (gs_model)k;
  }
  if ((s = config_setting_get_member(root, "workers"))) {
    if ((e = get_int(L, s, 1, GS_MAX_WORKERS, &v)) != GS_OK)
      return e;
    sc->workers = (int)v;
  }
  if ((s = config_setting_get_member(root, "cores"))) {
    if ((e = get_int(L, s, 1, GS_MAX_CORES, &v)) != GS_OK)
      return e;
    sc->cores = (int)v;
  }
  if ((s = config_setting_get_member(root, "scheduler"))) {
    if ((e = get_enum(L, s, &scheds, &k)) != GS_OK)
      return e;
    sc->sched = (gs_sched_policy)k;
  }
  if ((s = config_setting_get_member(root, "seed"))) {
    if ((e = get_int(L, s, 0, LLONG_MAX, &v)) != GS_OK)
      return e;
    sc->seed = (uint64_t)v;
  }
  if ((e = require(L, root, "workload", &s)) != GS_OK || (e = load_workload(L, s, sc)) != GS_OK)
    return e;
  if ((s = config_setting_get_member(root, "params")))
    e = load_params(L, s, &sc->params);
  return e;
}

gs_err gs_scenario_load(const char *path, gs_scenario **out, gs_error *err)
{
  loader L = {path ? path : "(null)", err};
  *out = NULL;
  if (err)
    err->msg[0] = 0;

  char *raw, *text = NULL;
  size_t len;
  gs_err e = read_text(&L, &raw, &len);
  if (e != GS_OK)
    return e;
  /* libconfig reads a string up to its first NUL; a NUL in the file would
   * silently cut it short. */
  const char *nul = memchr(raw, 0, len);
  if (nul) {
    unsigned line = 1;
    for (const char *c = raw; c < nul; c++)
      line += *c == '\n';
    e = GS_ERR_PARSE;
    if (err)
      snprintf(err->msg, sizeof err->msg, "%s:%u: unexpected NUL byte", L.path, line);
  } else {
    e = promote_integers(&L, raw, len, &text);
  }
  free(raw);
  if (e != GS_OK)
    return e;

  config_t cfg;
  config_init(&cfg);
  if (!config_read_string(&cfg, text)) {
    e = config_error_type(&cfg) == CONFIG_ERR_FILE_IO ? GS_ERR_IO : GS_ERR_PARSE;
    int line = config_error_line(&cfg);
    if (err)
      snprintf(err->msg, sizeof err->msg, "%s:%d: %s", L.path, line > 0 ? line : 1,
               config_error_text(&cfg) ? config_error_text(&cfg) : "syntax error");
    config_destroy(&cfg);
    free(text);
    return e;
  }
  free(text);

  gs_scenario *sc = calloc(1, sizeof *sc);
  if (!sc || !(sc->path = strdup(L.path))) {
    free(sc);
    config_destroy(&cfg);
    return nomem(&L);
  }
  sc->runtime = GS_RT_CPYTHON;
  sc->model = GS_MODEL_SEQUENTIAL;
  sc->sched = GS_SCHED_FAIR;
  sc->workers = 4;
  sc->cores = 2;
  sc->seed = 1;
  e = load_root(&L, config_root_setting(&cfg), sc);
  config_destroy(&cfg);
  if (e != GS_OK) {
    gs_scenario_free(sc);
    return e;
  }
  *out = sc;
  return GS_OK;
}

void gs_scenario_free(gs_scenario *sc)
{
  if (!sc)
    return;
  if (sc->custom)
    for (size_t i = 0; i < sc->ntasks; i++)
      /* copies made by repeat share their steps and sit side by side */
      if (i == 0 || sc->custom[i].steps != sc->custom[i - 1].steps)
        free(sc->custom[i].steps);
  free(sc->custom);
  free(sc->numbers);
  free(sc->counts);
  free(sc->durations);
  free(sc->sizes);
  free(sc->path);
  free(sc->name);
  free(sc->description);
  free(sc);
}

/* The checks a caller needs after changing fields of a loaded scenario (the
 * command line's --cores and friends), and that gs_run makes before it
 * trusts a scenario built in memory. */
gs_err gs_scenario_check(const gs_scenario *sc, gs_error *err)
{
  char msg[sizeof err->msg], names[200];
  const char *key = NULL;
  const enum_names *en = NULL;
  int v = 0;
  gs_err e = GS_ERR_INVALID;
  if (!sc)
    snprintf(msg, sizeof msg, "no scenario");
  else if (sc->cores < 1 || sc->cores > GS_MAX_CORES)
    snprintf(msg, sizeof msg, "cores: expected an integer between 1 and %d, got %d", GS_MAX_CORES, sc->cores);
  else if (sc->workers < 1 || sc->workers > GS_MAX_WORKERS)
    snprintf(msg, sizeof msg, "workers: expected an integer between 1 and %d, got %d", GS_MAX_WORKERS,
             sc->workers);
  else if (!enum_valid(&runtimes, v = (int)sc->runtime))
    key = "runtime", en = &runtimes;
  else if (!enum_valid(&models, v = (int)sc->model))
    key = "model", en = &models;
  else if (!enum_valid(&scheds, v = (int)sc->sched))
    key = "scheduler", en = &scheds;
  else if (sc->gil != GS_GIL_DEFAULT && !enum_valid(&gils, v = (int)sc->gil))
    key = "gil", en = &gils;
  else if (sc->ntasks > GS_MAX_TASKS) {
    e = GS_ERR_LIMIT;
    snprintf(msg, sizeof msg, "%zu tasks exceed the limit of %d (GS_MAX_TASKS)", sc->ntasks, GS_MAX_TASKS);
  } else if (sc->ntasks > 0 && ((sc->workload == GS_WL_PRIMES && !sc->numbers) ||
                                (sc->workload == GS_WL_COUNTDOWN && !sc->counts) ||
                                (sc->workload == GS_WL_SLEEP && !sc->durations) ||
                                (sc->workload == GS_WL_CUSTOM && !sc->custom)))
    snprintf(msg, sizeof msg, "workload: %zu %s tasks but no array of them", sc->ntasks,
             gs_workload_name(sc->workload));
  else
    e = GS_OK;
  if (en) {
    enum_list(en, names, sizeof names);
    snprintf(msg, sizeof msg, "%s: expected %s, got %d", key, names, v);
  }
  if (e != GS_OK && err)
    memcpy(err->msg, msg, sizeof msg);
  return e;
}
