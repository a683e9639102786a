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
 * A scenario may name other files (the samples of an empirical
 * distribution); they are read here, relative to the scenario's directory,
 * and their problems are reported at the line that names them.
 */
#include "gs.h"
#include "rng.h"

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

/* The largest byte size a scenario may give (a file of a download, or a
 * parameter of a size distribution): 10^15 bytes.  Far beyond any useful
 * download, and exact in a double and an int64. */
#define SIZE_MAX_B 1e15

/* What the loader carries around: the file name for messages, the caller's
 * error buffer (which may be NULL), and the scenario being filled, which
 * owns whatever the loader allocates (the samples of empirical
 * distributions) from the moment it is allocated, so that one
 * gs_scenario_free releases everything whatever check fails later. */
typedef struct {
  const char *path;
  gs_error *err;
  gs_scenario *sc;
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

/* `"a", "b" or "c"` from a list of names, each between quote characters
 * (" for values, ' for keys), the last after `last` (" or ", " and "). */
static void join_names(char *buf, size_t n, const char *const *names, size_t count, char quote,
                       const char *last)
{
  size_t len = 0;
  buf[0] = 0;
  for (size_t i = 0; i < count && len < n; i++) {
    const char *sep = i == 0 ? "" : i + 1 == count ? last : ", ";
    int w = snprintf(buf + len, n - len, "%s%c%s%c", sep, quote, names[i], quote);
    if (w < 0)
      break;
    len += (size_t)w;
  }
}

/* ---- Reading the file -------------------------------------------------- */

/* The most a scenario may make the loader read from one file: the scenario
 * itself, its calibration or a samples file.  64 MiB is three times a
 * scenario listing GS_MAX_TASKS numbers of 20 digits, and some 7 million
 * samples; it keeps a name such as /dev/zero or an endless pipe from
 * filling memory (the read stops, EFBIG, after 64 MiB). */
#define FILE_MAX_B ((size_t)64 << 20)

/* Read the whole file at path, NUL-terminated, into *text (len bytes
 * before the NUL).  0, or -1 with errno set: from fopen or fread, ENOMEM,
 * or EFBIG past FILE_MAX_B.  Cost: O(len), doubling the buffer. */
static int read_whole(const char *path, char **text, size_t *len)
{
  *text = NULL;
  *len = 0;
  FILE *f = fopen(path, "rb");
  if (!f)
    return -1;
  size_t cap = 4096, n = 0;
  char *buf = malloc(cap);
  int e = buf ? 0 : ENOMEM;
  while (!e) {
    if (cap - n < 2) { /* n <= FILE_MAX_B here: cap reaches 2 x FILE_MAX_B at most */
      char *bigger = realloc(buf, cap * 2);
      if (!bigger) {
        e = ENOMEM;
        break;
      }
      buf = bigger;
      cap *= 2;
    }
    size_t want = cap - n - 1;
    if (want > FILE_MAX_B + 1 - n)
      want = FILE_MAX_B + 1 - n; /* one byte past the limit tells */
    errno = 0;
    size_t got = fread(buf + n, 1, want, f);
    n += got;
    if (n > FILE_MAX_B)
      e = EFBIG;
    else if (got == 0)
      break;
  }
  if (!e && ferror(f))
    e = errno ? errno : EIO;
  fclose(f);
  if (e) {
    free(buf);
    errno = e;
    return -1;
  }
  buf[n] = 0;
  *text = buf;
  *len = n;
  return 0;
}

/* Read the scenario (or calibration) file.  We read it ourselves rather
 * than let libconfig do it so that an unreadable file (missing, a
 * directory, no permission, too large) is an I/O error with its reason,
 * not a syntax error. */
static gs_err read_text(const loader *L, char **text, size_t *len)
{
  if (read_whole(L->path, text, len) == 0)
    return GS_OK;
  int e = errno;
  if (e == ENOMEM) {
    if (L->err)
      snprintf(L->err->msg, sizeof L->err->msg, "out of memory reading '%s'", L->path);
    return GS_ERR_NOMEM;
  }
  if (L->err)
    snprintf(L->err->msg, sizeof L->err->msg, "cannot read '%s': %s", L->path, strerror(e));
  return GS_ERR_IO;
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
  for (int i = 0; i <= GS_WL_CONVOY; i++)
    if (strcmp(gs_workload_name((gs_workload)i), s) == 0)
      return i;
  return -1;
}

/* The distributions of dist_params[] below, for durations. */
static int dist_parse(const char *s)
{
  int d = gs_dist_parse(s);
  return d <= GS_DIST_EMPIRICAL ? d : -1;
}

/* For sizes, the parametric ones: an empirical file holds durations. */
static int size_dist_parse(const char *s)
{
  int d = gs_dist_parse(s);
  return d <= GS_DIST_PARETO ? d : -1;
}

/* The units of the numbers in an empirical distribution's file. */
static const struct {
  const char *name;
  double ns;
} sample_units[] = {{"ns", 1}, {"us", 1e3}, {"ms", 1e6}, {"s", 1e9}};

static const char *sample_unit_name(int v)
{
  return v >= 0 && (size_t)v < NELEM(sample_units) ? sample_units[v].name : "?";
}

static int sample_unit_parse(const char *s)
{
  for (size_t i = 0; i < NELEM(sample_units); i++)
    if (strcmp(sample_units[i].name, s) == 0)
      return (int)i;
  return -1;
}

static const enum_names runtimes = {runtime_name, gs_runtime_parse, 0};
static const enum_names models = {model_name, gs_model_parse, 0};
static const enum_names scheds = {sched_name, gs_sched_parse, 0};
static const enum_names gils = {gil_name, gs_gil_parse, GS_GIL_NONE}; /* "default" is no name */
static const enum_names workloads = {workload_name, workload_parse, 0};
static const enum_names dists = {dist_name, dist_parse, 0};
static const enum_names size_dists = {dist_name, size_dist_parse, 0};
static const enum_names sample_unit_names = {sample_unit_name, sample_unit_parse, 0};

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
  join_names(buf, n, names, count, '"', " or ");
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

/* A number written plainly (int or float) or as a string that parse()
 * reads with its unit; `like` shows the accepted forms in the message. */
static gs_err get_quantity(const loader *L, const config_setting_t *s, int (*parse)(const char *, double *),
                           const char *like, bool or_dist, double *out)
{
  char got[160];
  switch (config_setting_type(s)) {
  case CONFIG_TYPE_INT:
  case CONFIG_TYPE_INT64:
    *out = (double)config_setting_get_int64(s);
    return GS_OK;
  case CONFIG_TYPE_FLOAT:
    *out = config_setting_get_float(s);
    return GS_OK;
  case CONFIG_TYPE_STRING:
    if (parse(config_setting_get_string(s), out) == 0)
      return GS_OK;
    /* fall through */
  default:
    return invalid(L, s, "expected %s%s, got %s", like, or_dist ? ", or a distribution group" : "",
                   value_desc(s, got, sizeof got));
  }
}

/* A duration in ns: an integer or a float (ns), or a string with a unit. */
static gs_err get_duration(const loader *L, const config_setting_t *s, bound b, bool or_dist, double *out)
{
  char got[160];
  double v;
  gs_err e = get_quantity(L, s, gs_duration_parse, "a duration such as \"250us\", \"1.5ms\" or \"2s\"",
                          or_dist, &v);
  if (e != GS_OK)
    return e;
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

static gs_err get_bool(const loader *L, const config_setting_t *s, bool *out)
{
  char got[160];
  if (config_setting_type(s) != CONFIG_TYPE_BOOL)
    return invalid(L, s, "expected true or false, got %s", value_desc(s, got, sizeof got));
  *out = config_setting_get_bool(s) != 0;
  return GS_OK;
}

/*
 * Sizes and rates.  A size is a number of bytes with an optional unit, a
 * decimal one (kB = KB = 1000, MB, GB, TB) or a binary one (KiB = 1024,
 * MiB, GiB, TiB): "5MB", "1.5 MiB", "512".  A rate is a size per second,
 * "1.2MB/s", or bits per second, "100Mbit/s" (Mbit = 10^6 bits = 125000
 * bytes); a bare number is bytes per second.  Units are case-sensitive
 * except where both spellings are common (kB, KB), so that "mb" is never
 * silently read as megabytes when millibits might have been meant.
 */
typedef struct {
  const char *name;
  double bytes;
} byte_unit;

static const byte_unit size_units[] = {
  {"B", 1},    {"kB", 1e3}, {"KB", 1e3},
  {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12},
  {"KiB", 1024.0}, {"MiB", 1048576.0}, {"GiB", 1073741824.0}, {"TiB", 1099511627776.0},
};
static const byte_unit bit_units[] = {
  {"bit", 0.125}, {"kbit", 125}, {"Kbit", 125}, {"Mbit", 125e3}, {"Gbit", 125e6},
};

/* A finite number and what follows it (spaces skipped); -1 if none. */
static int number_and_unit(const char *text, double *v, const char **unit)
{
  char *end;
  errno = 0;
  *v = strtod(text, &end);
  if (end == text || errno || !isfinite(*v))
    return -1;
  while (*end == ' ')
    end++;
  *unit = end;
  return 0;
}

/* The multiplier of unit (n characters of it) in table; 0 if unknown. */
static double unit_bytes(const byte_unit *table, size_t count, const char *unit, size_t n)
{
  for (size_t i = 0; i < count; i++)
    if (strlen(table[i].name) == n && strncmp(table[i].name, unit, n) == 0)
      return table[i].bytes;
  return 0;
}

/* "5MB" -> 5e6 bytes; -1 if malformed. */
static int parse_size(const char *text, double *bytes)
{
  double v, mul = 1;
  const char *unit;
  if (number_and_unit(text, &v, &unit) != 0)
    return -1;
  if (*unit && !(mul = unit_bytes(size_units, NELEM(size_units), unit, strlen(unit))))
    return -1;
  *bytes = v * mul;
  return 0;
}

/* "1.2MB/s" -> 1.2e6 bytes per second, "unlimited" -> 0; -1 if malformed. */
static int parse_rate(const char *text, double *bps)
{
  double v, mul = 1;
  const char *unit;
  if (strcmp(text, "unlimited") == 0) {
    *bps = 0;
    return 0;
  }
  if (number_and_unit(text, &v, &unit) != 0)
    return -1;
  size_t n = strlen(unit);
  if (n > 0) {
    if (n < 3 || strcmp(unit + n - 2, "/s") != 0)
      return -1;
    n -= 2;
    mul = unit_bytes(size_units, NELEM(size_units), unit, n);
    if (!mul)
      mul = unit_bytes(bit_units, NELEM(bit_units), unit, n);
    if (!mul)
      return -1;
  }
  *bps = v * mul;
  return 0;
}

/* A size in bytes: a number, or a string with a unit.  AT_LEAST_1 is for
 * the size of a file, which cannot be empty: a transfer of 0 bytes would
 * be no download at all. */
typedef enum { SZ_AT_LEAST_0, SZ_ABOVE_0, SZ_AT_LEAST_1 } size_bound;

static gs_err get_size(const loader *L, const config_setting_t *s, size_bound b, bool or_dist, double *out)
{
  char got[160];
  double v;
  gs_err e = get_quantity(L, s, parse_size, "a size such as \"5MB\", \"1.5MiB\" or 512 (bytes)", or_dist,
                          &v);
  if (e != GS_OK)
    return e;
  if (b == SZ_AT_LEAST_0 && !(v >= 0))
    return invalid(L, s, "expected a size >= 0, got %s", value_desc(s, got, sizeof got));
  if (b == SZ_ABOVE_0 && !(v > 0))
    return invalid(L, s, "expected a size > 0, got %s", value_desc(s, got, sizeof got));
  if (b == SZ_AT_LEAST_1 && !(v >= 1))
    return invalid(L, s, "expected a size of at least 1 byte, got %s", value_desc(s, got, sizeof got));
  if (v > SIZE_MAX_B)
    return invalid(L, s, "expected a size of at most 1000TB, got %s", value_desc(s, got, sizeof got));
  *out = v;
  return GS_OK;
}

/* A rate in bytes per second, > 0, or "unlimited" (0).  A rate of 0 is
 * refused rather than read as unlimited: written as a number it looks like
 * "no bandwidth at all", the opposite, so the word must be spelt out. */
static gs_err get_rate(const loader *L, const config_setting_t *s, double *out)
{
  char got[160];
  double v = 0;
  bool ok = false, unlimited = false;
  switch (config_setting_type(s)) {
  case CONFIG_TYPE_INT:
  case CONFIG_TYPE_INT64:
    v = (double)config_setting_get_int64(s);
    ok = true;
    break;
  case CONFIG_TYPE_FLOAT:
    v = config_setting_get_float(s);
    ok = true;
    break;
  case CONFIG_TYPE_STRING:
    unlimited = strcmp(config_setting_get_string(s), "unlimited") == 0;
    ok = parse_rate(config_setting_get_string(s), &v) == 0;
    break;
  default:
    break;
  }
  if (!ok || (!unlimited && !(v > 0 && isfinite(v))))
    return invalid(L, s, "expected a rate > 0 such as \"1.2MB/s\" or \"100Mbit/s\", or \"unlimited\", got %s",
                   value_desc(s, got, sizeof got));
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

/* What a distribution's values are: durations (ns) or sizes (bytes).  Its
 * parameters marked P_AMOUNT are read as the one or the other. */
typedef enum { Q_DURATION, Q_SIZE } quantity;

typedef enum { P_AMOUNT, P_NUMBER } pkind;

typedef struct {
  const char *name;
  pkind kind;
  bound b;
} dist_param;

/* The members of each distribution group after `dist`, filling a then b.
 * A normal's mean must not be negative: it is truncated at 0 by resampling,
 * which would hardly ever succeed far below 0.  The empirical distribution
 * has members of its own (file, unit), read by get_empirical. */
static const struct {
  int nparams;
  dist_param p[2];
} dist_params[] = {
  [GS_DIST_CONST] = {1, {{"value", P_AMOUNT, AT_LEAST_0}}},
  [GS_DIST_UNIFORM] = {2, {{"min", P_AMOUNT, AT_LEAST_0}, {"max", P_AMOUNT, AT_LEAST_0}}},
  [GS_DIST_EXP] = {1, {{"mean", P_AMOUNT, ABOVE_0}}},
  [GS_DIST_NORMAL] = {2, {{"mean", P_AMOUNT, AT_LEAST_0}, {"sd", P_AMOUNT, AT_LEAST_0}}},
  [GS_DIST_LOGNORMAL] = {2, {{"median", P_AMOUNT, ABOVE_0}, {"sigma", P_NUMBER, AT_LEAST_0}}},
  [GS_DIST_GAMMA] = {2, {{"shape", P_NUMBER, ABOVE_0}, {"scale", P_AMOUNT, ABOVE_0}}},
  [GS_DIST_PARETO] = {2, {{"shape", P_NUMBER, ABOVE_0}, {"scale", P_AMOUNT, ABOVE_0}}},
  [GS_DIST_EMPIRICAL] = {0, {{NULL, P_NUMBER, AT_LEAST_0}}},
};

/* A file named in a scenario: relative to the scenario's own directory, so
 * that a scenario and its data move together and run from anywhere. */
static char *resolve_path(const loader *L, const char *name)
{
  const char *slash = strrchr(L->path, '/');
  size_t dir = name[0] == '/' || !slash ? 0 : (size_t)(slash - L->path) + 1;
  size_t n = strlen(name);
  char *path = malloc(dir + n + 1);
  if (path) {
    memcpy(path, L->path, dir);
    memcpy(path + dir, name, n + 1);
  }
  return path;
}

/* Line `line` of an empirical file: "NAME:LINE: <message>" under the
 * setting `at` (the scenario's `file`). */
static gs_err bad_sample(const loader *L, const config_setting_t *at, const char *path, unsigned line,
                         const char *what, const char *text, size_t len)
{
  return invalid(L, at, "%s:%u: expected %s, got '%.*s'", path, line, what, (int)(len > 60 ? 60 : len),
                 text);
}

/*
 * Read the samples of an empirical distribution: one number per line, in
 * `ns_per_unit` units; blank lines and lines starting with '#' (a header
 * saying how the samples were taken) are skipped.  Every problem with the
 * file is reported at the scenario's `file` setting, naming the samples
 * file and, for a bad value, its line.  The array goes to the scenario's
 * list of sample arrays, which gs_scenario_free frees.
 */
static gs_err load_samples(const loader *L, const config_setting_t *at, const char *path, double ns_per_unit,
                           gs_dist *d)
{
  gs_scenario *sc = L->sc;
  /* Make room in the scenario's list first, so that handing the finished
   * array over cannot fail. */
  double **list = realloc(sc->samples, (sc->nsamples_arrays + 1) * sizeof *list);
  if (!list)
    return nomem(L);
  sc->samples = list;

  char *text;
  size_t len;
  if (read_whole(path, &text, &len) != 0)
    return errno == ENOMEM ? nomem(L) : invalid(L, at, "cannot read '%s': %s", path, strerror(errno));
  double *v = NULL;
  size_t n = 0, cap = 0;
  unsigned lineno = 0;
  gs_err e = GS_OK;
  for (const char *line = text, *past = text + len; line < past && e == GS_OK;) {
    const char *nl = memchr(line, '\n', (size_t)(past - line));
    const char *next = nl ? nl + 1 : past;
    lineno++;
    /* trim: spaces, tabs and the CR of a CRLF file are no part of a value */
    const char *start = line, *stop = next;
    line = next;
    while (start < stop && (*start == ' ' || *start == '\t'))
      start++;
    while (stop > start && (stop[-1] == '\n' || stop[-1] == '\r' || stop[-1] == ' ' || stop[-1] == '\t'))
      stop--;
    if (start == stop || *start == '#')
      continue;
    char *end;
    errno = 0;
    double x = strtod(start, &end);
    /* end must be stop: a NUL inside the line is not the end of it, and a
     * value does not go on into the next line */
    if (end != stop || errno || !isfinite(x) || x < 0) {
      e = bad_sample(L, at, path, lineno, "a non-negative number", start, (size_t)(stop - start));
      break;
    }
    x *= ns_per_unit;
    if (x > DUR_MAX) {
      char what[64];
      snprintf(what, sizeof what, "a duration of at most %ds", DUR_MAX_S);
      e = bad_sample(L, at, path, lineno, what, start, (size_t)(stop - start));
      break;
    }
    if (n == cap) {
      size_t ncap = cap ? 2 * cap : 256;
      double *grown = ncap < SIZE_MAX / sizeof *grown ? realloc(v, ncap * sizeof *grown) : NULL;
      if (!grown) {
        e = nomem(L);
        break;
      }
      v = grown;
      cap = ncap;
    }
    v[n++] = x;
  }
  if (e == GS_OK && n == 0)
    e = invalid(L, at, "'%s' holds no samples", path);
  free(text);
  if (e != GS_OK) {
    free(v);
    return e;
  }
  sc->samples[sc->nsamples_arrays++] = v;
  d->kind = GS_DIST_EMPIRICAL;
  d->a = d->b = 0;
  d->samples = v;
  d->nsamples = n;
  return GS_OK;
}

/* { dist = "empirical"; file = "PATH"; unit = "us"; } */
static gs_err get_empirical(const loader *L, const config_setting_t *g, gs_dist *d)
{
  static const char *const keys[] = {"dist", "file", "unit"};
  config_setting_t *file, *unit;
  const char *name = NULL;
  int u = 0; /* ns */
  gs_err e = check_keys(L, g, keys, NELEM(keys));
  if (e == GS_OK)
    e = require(L, g, "file", &file);
  if (e == GS_OK)
    e = get_string(L, file, true, &name);
  if (e == GS_OK && (unit = config_setting_get_member(g, "unit")))
    e = get_enum(L, unit, &sample_unit_names, &u);
  if (e != GS_OK)
    return e;
  char *path = resolve_path(L, name);
  if (!path)
    return nomem(L);
  e = load_samples(L, file, path, sample_units[u].ns, d);
  free(path);
  return e;
}

/* A distribution group of durations or of sizes. */
static gs_err get_dist(const loader *L, const config_setting_t *g, quantity q, gs_dist *d)
{
  config_setting_t *s;
  int kind = 0;
  gs_err e = require(L, g, "dist", &s);
  if (e == GS_OK)
    e = get_enum(L, s, q == Q_SIZE ? &size_dists : &dists, &kind);
  if (e != GS_OK)
    return e;
  if (kind == GS_DIST_EMPIRICAL)
    return get_empirical(L, g, d);
  const char *keys[3] = {"dist"};
  for (int i = 0; i < dist_params[kind].nparams; i++)
    keys[i + 1] = dist_params[kind].p[i].name;
  e = check_keys(L, g, keys, (size_t)dist_params[kind].nparams + 1);
  double v[2] = {0, 0};
  for (int i = 0; i < dist_params[kind].nparams && e == GS_OK; i++) {
    const dist_param *p = &dist_params[kind].p[i];
    e = require(L, g, p->name, &s);
    if (e != GS_OK)
      break;
    if (p->kind == P_NUMBER)
      e = get_number(L, s, p->b, &v[i]);
    else if (q == Q_SIZE)
      e = get_size(L, s, p->b == ABOVE_0 ? SZ_ABOVE_0 : SZ_AT_LEAST_0, false, &v[i]);
    else
      e = get_duration(L, s, p->b, false, &v[i]);
  }
  if (e == GS_OK && kind == GS_DIST_UNIFORM && v[1] < v[0]) {
    char got[160];
    s = config_setting_get_member(g, "max");
    e = invalid(L, s, "expected a %s >= min, got %s", q == Q_SIZE ? "size" : "duration",
                value_desc(s, got, sizeof got));
  }
  if (e != GS_OK)
    return e;
  d->kind = (gs_dist_kind)kind;
  d->a = v[0];
  d->b = v[1];
  d->samples = NULL;
  d->nsamples = 0;
  return GS_OK;
}

/* A duration, a constant distribution, or a distribution group. */
static gs_err get_duration_dist(const loader *L, const config_setting_t *s, gs_dist *d)
{
  if (config_setting_is_group(s))
    return get_dist(L, s, Q_DURATION, d);
  d->kind = GS_DIST_CONST;
  d->b = 0;
  d->samples = NULL;
  d->nsamples = 0;
  return get_duration(L, s, AT_LEAST_0, true, &d->a);
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

/* The kinds of step, by the key that gives one. */
static const struct {
  const char *key;
  gs_step_kind kind;
} step_kinds[] = {
  {"cpu", GS_STEP_CPU}, {"sleep", GS_STEP_SLEEP}, {"io", GS_STEP_IO},
  {"cpu_nogil", GS_STEP_CPU_NOGIL}, {"thread", GS_STEP_THREAD},
};

/* One step group: exactly one of the step_kinds keys, whose value is a
 * duration or a distribution. */
static gs_err load_step(const loader *L, const config_setting_t *s, gs_step *st)
{
  const char *keys[NELEM(step_kinds)], *given[NELEM(step_kinds)];
  config_setting_t *v = NULL;
  size_t ngiven = 0;
  for (size_t i = 0; i < NELEM(step_kinds); i++)
    keys[i] = step_kinds[i].key;
  gs_err e = expect_group(L, s);
  if (e == GS_OK)
    e = check_keys(L, s, keys, NELEM(keys));
  if (e != GS_OK)
    return e;
  for (size_t i = 0; i < NELEM(step_kinds); i++) {
    config_setting_t *m = config_setting_get_member(s, step_kinds[i].key);
    if (m) {
      given[ngiven++] = step_kinds[i].key;
      v = m;
      st->kind = step_kinds[i].kind;
    }
  }
  if (ngiven != 1) {
    char expected[200], got[200] = "none";
    join_names(expected, sizeof expected, keys, NELEM(keys), '\'', " or ");
    if (ngiven > 1)
      join_names(got, sizeof got, given, ngiven, '\'', " and ");
    return invalid(L, s, "expected exactly one of %s, got %s", expected, got);
  }
  return get_duration_dist(L, v, &st->dur);
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

/*
 * Downloads: one task per file, given as a list of sizes, or as a count of
 * files and one size for all, or as a count and a distribution of sizes.
 * Drawn sizes are drawn here, once, when the scenario is loaded, not when
 * it runs: the files of a scenario are the same in every run of it, so
 * that --seed, --model or --workers change how they are fetched and never
 * what is fetched.  The draws come from a generator of their own (MT19937
 * seeded from the scenario's `seed` as rng.c seeds a run's), one per file
 * in order, so the same file with the same seed gives the same sizes.  A
 * draw is rounded to whole bytes; one below 1 byte (a normal is truncated
 * at 0, as for durations, and rounding may leave 0) becomes 1 byte, and one
 * above SIZE_MAX_B (a heavy tail) becomes SIZE_MAX_B.
 */
static gs_err draw_sizes(const loader *L, const gs_dist *d, gs_scenario *sc, size_t n)
{
  gsR_rng g;
  if (gsR_init(&g, sc->seed) != 0)
    return nomem(L);
  for (size_t i = 0; i < n; i++) {
    gs_time x = gsR_sample(&g, d);
    sc->sizes[i] = x < 1 ? 1 : (double)x > SIZE_MAX_B ? (int64_t)SIZE_MAX_B : x;
  }
  gsR_free(&g);
  return GS_OK;
}

static gs_err load_download(const loader *L, const config_setting_t *w, gs_scenario *sc)
{
  static const char *const keys[] = {"type", "sizes", "files", "size"};
  config_setting_t *sizes = config_setting_get_member(w, "sizes");
  config_setting_t *files = config_setting_get_member(w, "files");
  config_setting_t *size = config_setting_get_member(w, "size");
  gs_err e = check_keys(L, w, keys, NELEM(keys));
  if (e != GS_OK)
    return e;
  if (sizes && (files || size))
    return invalid_at(L, w, files ? files : size, "expected either 'sizes' or 'files' and 'size', not both");
  if (!sizes && !files && !size)
    return invalid(L, w, "missing required key 'sizes' (or 'files' and 'size')");
  size_t n;
  double v = 0;
  if (sizes) {
    e = get_task_array(L, sizes, "sizes", &n);
    if (e != GS_OK)
      return e;
    if (!(sc->sizes = calloc(n, sizeof *sc->sizes)))
      return nomem(L);
    for (size_t i = 0; i < n && e == GS_OK; i++) {
      e = get_size(L, config_setting_get_elem(sizes, (unsigned)i), SZ_AT_LEAST_1, false, &v);
      sc->sizes[i] = (int64_t)llround(v);
    }
    sc->ntasks = n;
    return e;
  }
  long long nfiles;
  gs_dist d = {GS_DIST_CONST, 0, 0, NULL, 0};
  e = require(L, w, "files", &files);
  if (e == GS_OK)
    e = get_int(L, files, 1, LLONG_MAX, &nfiles);
  if (e == GS_OK && nfiles > GS_MAX_TASKS)
    e = too_many_tasks(L, files, (unsigned long long)nfiles);
  if (e == GS_OK)
    e = require(L, w, "size", &size);
  if (e == GS_OK) {
    if (config_setting_is_group(size))
      e = get_dist(L, size, Q_SIZE, &d);
    else
      e = get_size(L, size, SZ_AT_LEAST_1, true, &d.a);
  }
  if (e != GS_OK)
    return e;
  n = (size_t)nfiles;
  if (!(sc->sizes = calloc(n, sizeof *sc->sizes)))
    return nomem(L);
  sc->ntasks = n;
  return draw_sizes(L, &d, sc, n);
}

/*
 * The network of a download: first-byte latency, per-connection and link
 * rates, a server's concurrency limit and the client's CPU per byte.  The
 * defaults are a plain HTTPS download from a public server: 50 ms to the
 * first byte and 1.2 MB/s per connection (what the Wikipedia-images demo
 * sees), an unlimited link and server, 1 ns of client CPU per byte with
 * the GIL held (reading a response body in Python).
 */
static void network_defaults(gs_net *net)
{
  *net = (gs_net){.latency = {GS_DIST_CONST, 50e6, 0, NULL, 0},
                  .conn_bps = 1.2e6,
                  .link_bps = 0,
                  .server_limit = 0,
                  .cpu_per_byte = 1.0,
                  .cpu_holds_gil = 1};
}

static gs_err load_network(const loader *L, const config_setting_t *g, gs_scenario *sc)
{
  static const char *const keys[] = {"latency", "bandwidth", "link", "server_limit", "cpu_per_byte",
                                     "cpu_holds_gil"};
  gs_net *net = &sc->net;
  config_setting_t *s;
  gs_err e = expect_group(L, g);
  if (e == GS_OK && sc->workload != GS_WL_DOWNLOAD)
    e = invalid(L, g, "only the download workload uses a network");
  if (e == GS_OK)
    e = check_keys(L, g, keys, NELEM(keys));
  if (e == GS_OK && (s = config_setting_get_member(g, "latency")))
    e = get_duration_dist(L, s, &net->latency);
  if (e == GS_OK && (s = config_setting_get_member(g, "bandwidth")))
    e = get_rate(L, s, &net->conn_bps);
  if (e == GS_OK && (s = config_setting_get_member(g, "link")))
    e = get_rate(L, s, &net->link_bps);
  if (e == GS_OK && (s = config_setting_get_member(g, "server_limit"))) {
    long long v = 0;
    if ((e = get_int(L, s, 0, INT_MAX, &v)) == GS_OK)
      net->server_limit = (int)v;
  }
  if (e == GS_OK && (s = config_setting_get_member(g, "cpu_per_byte")))
    e = get_duration(L, s, AT_LEAST_0, false, &net->cpu_per_byte);
  if (e == GS_OK && (s = config_setting_get_member(g, "cpu_holds_gil"))) {
    bool b = true;
    if ((e = get_bool(L, s, &b)) == GS_OK)
      net->cpu_holds_gil = b;
  }
  return e;
}

/* The convoy's I/O thread makes at most this many operations: two steps
 * each, counted in a size_t, and far more events than any run can use. */
#define CONVOY_MAX_OPS 1000000000LL

/* One I/O thread (task 0) beside cpu_threads CPU-bound ones. */
static gs_err load_convoy(const loader *L, const config_setting_t *w, gs_scenario *sc)
{
  static const char *const keys[] = {"type", "ops", "latency", "op_cpu", "cpu_threads", "cpu"};
  gs_convoy *c = &sc->convoy;
  config_setting_t *s, *ops = NULL;
  long long v = 0;
  double ns = 0;
  *c = (gs_convoy){.ops = 1000, .latency = {GS_DIST_CONST, 100e3, 0, NULL, 0}, .op_cpu = 5 * GS_US,
                   .cpu_threads = 1, .cpu = 10 * GS_SEC};
  gs_err e = check_keys(L, w, keys, NELEM(keys));
  if (e == GS_OK && (ops = config_setting_get_member(w, "ops"))) {
    if ((e = get_int(L, ops, 1, CONVOY_MAX_OPS, &v)) == GS_OK)
      c->ops = v;
  }
  if (e == GS_OK && (s = config_setting_get_member(w, "latency")))
    e = get_duration_dist(L, s, &c->latency);
  if (e == GS_OK && (s = config_setting_get_member(w, "op_cpu"))) {
    if ((e = get_duration(L, s, AT_LEAST_0, false, &ns)) == GS_OK)
      c->op_cpu = (gs_time)llround(ns);
  }
  if (e == GS_OK && (s = config_setting_get_member(w, "cpu_threads"))) {
    e = get_int(L, s, 0, LLONG_MAX, &v);
    if (e == GS_OK && v > GS_MAX_TASKS - 1)
      e = too_many_tasks(L, s, (unsigned long long)v + 1);
    if (e == GS_OK)
      c->cpu_threads = (int)v;
  }
  if (e == GS_OK && (s = config_setting_get_member(w, "cpu"))) {
    if ((e = get_duration(L, s, AT_LEAST_0, false, &ns)) == GS_OK)
      c->cpu = (gs_time)llround(ns);
  }
  /* As for sleep: keep the I/O thread's whole run inside gs_time where it
   * is known in advance (a distribution's tail is the run's to saturate). */
  if (e == GS_OK && c->latency.kind == GS_DIST_CONST &&
      (double)c->ops * (c->latency.a + (double)c->op_cpu) > DUR_MAX)
    e = invalid(L, ops ? ops : w, "expected ops x (latency + op_cpu) to be at most %ds, got %gs", DUR_MAX_S,
                (double)c->ops * (c->latency.a + (double)c->op_cpu) / 1e9);
  if (e == GS_OK)
    sc->ntasks = (size_t)c->cpu_threads + 1;
  return e;
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
  case GS_WL_DOWNLOAD:
    return load_download(L, w, sc);
  case GS_WL_CONVOY:
    return load_convoy(L, w, sc);
  default: /* workload_parse accepts no other */
    return GS_ERR_INVALID;
  }
}

/* ---- Parameters -------------------------------------------------------- */

/* prefix names the group in messages: "" in a scenario, "c." in a calibration. */
static gs_err load_params(const loader *L, const config_setting_t *g, gs_params *p, const char *prefix)
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
      return fail_at(L, GS_ERR_INVALID, s, "%sparams.%s", prefix, perr.msg);
    p->set |= UINT64_C(1) << id;
  }
  return e;
}

/* libconfig 1.5 (the version Debian ships) leaks the string tokens its
 * parser discards on a syntax error, e.g. in 'a"x"' or 'a""': its
 * scanner allocates every string token, and its grammar had no destructor
 * for them until 1.7.3 (hyperrealm/libconfig#142, pull request #155).
 * A file is parsed once per load, so a failed load loses a few bytes; but
 * in a LeakSanitizer build that would turn the documented exit status of a
 * malformed file into LSan's.  This hook, which LSan calls at start-up
 * and no other build uses, names exactly those two allocations (an empty
 * token is allocated in the scanner itself, any other in its string
 * buffer); a leak of anything else libconfig allocates is still reported.
 * The second hook keeps LSan from listing the suppressions it used on
 * stderr, which must read the same in every build. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
  return "leak:libconfig_yylex\n"
         "leak:strbuf_append\n";
}

const char *__lsan_default_options(void);
const char *__lsan_default_options(void)
{
  return "print_suppressions=0";
}

/* Read and parse a libconfig file into cfg (initialised here; destroyed
 * here on failure). */
static gs_err parse_file(const loader *L, config_t *cfg)
{
  char *raw, *text = NULL;
  size_t len;
  gs_err e = read_text(L, &raw, &len);
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
    if (L->err)
      snprintf(L->err->msg, sizeof L->err->msg, "%s:%u: unexpected NUL byte", L->path, line);
  } else {
    e = promote_integers(L, raw, len, &text);
  }
  free(raw);
  if (e != GS_OK)
    return e;

  config_init(cfg);
  if (!config_read_string(cfg, text)) {
    e = config_error_type(cfg) == CONFIG_ERR_FILE_IO ? GS_ERR_IO : GS_ERR_PARSE;
    int line = config_error_line(cfg);
    if (L->err)
      snprintf(L->err->msg, sizeof L->err->msg, "%s:%d: %s", L->path, line > 0 ? line : 1,
               config_error_text(cfg) ? config_error_text(cfg) : "syntax error");
    config_destroy(cfg);
    free(text);
    return e;
  }
  free(text);
  return GS_OK;
}

/* ---- Calibrations ------------------------------------------------------ */

/* A calibration file: groups c.params and cpython.params, each a params
 * group as in a scenario (the same names, parser and ranges). */
static gs_err load_calibration_root(const loader *L, const config_setting_t *root,
                                    gs_calibration *cal)
{
  static const char *const keys[] = {"c", "cpython"};
  gs_err e = check_keys(L, root, keys, NELEM(keys));
  for (int r = 0; r < 2 && e == GS_OK; r++) {
    config_setting_t *g, *ps;
    if ((e = require(L, root, keys[r], &g)) != GS_OK || (e = expect_group(L, g)) != GS_OK)
      return e;
    static const char *const gkeys[] = {"params"};
    if ((e = check_keys(L, g, gkeys, 1)) != GS_OK || (e = require(L, g, "params", &ps)) != GS_OK)
      return e;
    char prefix[16];
    snprintf(prefix, sizeof prefix, "%s.", keys[r]);
    e = load_params(L, ps, &cal->rt[r], prefix);
  }
  return e;
}

gs_err gs_calibration_load(const char *path, gs_calibration **out, gs_error *err)
{
  loader L = {path ? path : "(null)", err, NULL};
  *out = NULL;
  if (err)
    err->msg[0] = 0;
  config_t cfg;
  gs_err e = parse_file(&L, &cfg);
  if (e != GS_OK)
    return e;
  gs_calibration *cal = calloc(1, sizeof *cal);
  if (!cal || !(cal->path = strdup(L.path))) {
    free(cal);
    config_destroy(&cfg);
    return nomem(&L);
  }
  e = load_calibration_root(&L, config_root_setting(&cfg), cal);
  config_destroy(&cfg);
  if (e != GS_OK) {
    gs_calibration_free(cal);
    return e;
  }
  *out = cal;
  return GS_OK;
}

void gs_calibration_free(gs_calibration *cal)
{
  if (!cal)
    return;
  free(cal->path);
  free(cal);
}

/* calibration = "FILE": a path relative to the scenario file's folder. */
static gs_err load_scenario_calibration(const loader *L, const config_setting_t *s, gs_scenario *sc)
{
  const char *name;
  gs_err e = get_string(L, s, true, &name);
  if (e != GS_OK)
    return e;
  const char *slash = strrchr(L->path, '/');
  size_t dir = name[0] == '/' || !slash ? 0 : (size_t)(slash - L->path) + 1;
  char *full = malloc(dir + strlen(name) + 1);
  if (!full)
    return nomem(L);
  memcpy(full, L->path, dir);
  strcpy(full + dir, name);
  gs_error cerr = {{0}};
  e = gs_calibration_load(full, &sc->calibration, &cerr);
  free(full);
  if (e == GS_ERR_NOMEM)
    return nomem(L);
  if (e != GS_OK)
    return fail_at(L, e, s, "calibration: %s", cerr.msg);
  return GS_OK;
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
                                     "cores", "scheduler", "seed", "workload", "network", "params",
                                     "calibration"};
  gs_err e = check_keys(L, root, keys, NELEM(keys));
  if (e != GS_OK)
    return e;

  config_setting_t *s;
  const char *str = NULL;
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
  /* after seed: a download's drawn sizes depend on it */
  if ((e = require(L, root, "workload", &s)) != GS_OK || (e = load_workload(L, s, sc)) != GS_OK)
    return e;
  if (sc->workload == GS_WL_DOWNLOAD)
    network_defaults(&sc->net);
  if ((s = config_setting_get_member(root, "network")) && (e = load_network(L, s, sc)) != GS_OK)
    return e;
  if ((s = config_setting_get_member(root, "params")) && (e = load_params(L, s, &sc->params, "")) != GS_OK)
    return e;
  if ((s = config_setting_get_member(root, "calibration")))
    e = load_scenario_calibration(L, s, sc);
  return e;
}

gs_err gs_scenario_load(const char *path, gs_scenario **out, gs_error *err)
{
  loader L = {path ? path : "(null)", err, NULL};
  *out = NULL;
  if (err)
    err->msg[0] = 0;

  config_t cfg;
  gs_err e = parse_file(&L, &cfg);
  if (e != GS_OK)
    return e;

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
  L.sc = sc;
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
  for (size_t i = 0; i < sc->nsamples_arrays; i++)
    free(sc->samples[i]);
  free(sc->samples);
  gs_calibration_free(sc->calibration);
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
                                (sc->workload == GS_WL_CUSTOM && !sc->custom) ||
                                (sc->workload == GS_WL_DOWNLOAD && !sc->sizes)))
    snprintf(msg, sizeof msg, "workload: %zu %s tasks but no array of them", sc->ntasks,
             gs_workload_name(sc->workload));
  else if (sc->workload == GS_WL_CONVOY && (sc->convoy.ops < 1 || sc->convoy.ops > CONVOY_MAX_OPS))
    snprintf(msg, sizeof msg, "workload.ops: expected an integer between 1 and %lld, got %lld", CONVOY_MAX_OPS,
             (long long)sc->convoy.ops);
  else if (sc->workload == GS_WL_CONVOY &&
           (sc->convoy.cpu_threads < 0 || sc->ntasks != (size_t)sc->convoy.cpu_threads + 1))
    /* the runner takes task 0 for the I/O thread and the rest for CPU */
    snprintf(msg, sizeof msg, "workload: %zu convoy tasks, expected cpu_threads + 1 = %lld", sc->ntasks,
             (long long)sc->convoy.cpu_threads + 1);
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
