/* scenario.h — YAML scenarios: the schema, the loader and the resolved,
 * typed scenario.
 *
 * A scenario file is a YAML mapping with the sections `network`, `dataset`,
 * `training`, `hardware` (optional: a chip to run on), `outputs` and
 * `sweep` (optional).  Every key is declared once, in the schema table
 * (schema.c), with its type, unit, default, range and meaning; the loader
 * checks the document against it and docs/scenarios.md is generated from
 * it (`f3sim keys --markdown`).
 *
 * Errors are values: every failure records "file:line:column: message"
 * (1-based) in f3_last_error() and returns F3_EFORMAT (not YAML, anchors,
 * too deep), F3_EINVAL (unknown key — with the nearest valid key —, wrong
 * type, out of range, missing, contradictory) or F3_EIO.
 */
#ifndef F3SIM_SCENARIO_H
#define F3SIM_SCENARIO_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "f3/status.h"
#include "f3/train.h"
#include "f3/vit.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SC_MAX_LIST 128
/* room for a list's text "[a, b, …]": SC_MAX_LIST items of up to 22 characters */
#define SC_MAX_LIST_TEXT (SC_MAX_LIST * 24)
#define SC_MAX_STR 512
#define SC_MAX_SWEEP 16
#define SC_MAX_SWEEP_VALUES 64 /* per swept key (docs/scenarios.md) */
#define SC_MAX_DEPTH 16

typedef enum {
    SK_SECTION = 0, /* a mapping of further keys */
    SK_BOOL,
    SK_INT,         /* integer in [min, max] */
    SK_FLOAT,       /* real number in [min, max] */
    SK_STRING,
    SK_ENUM,        /* one of `choices` ("a|b|c") */
    SK_INT_LIST,    /* sequence of integers in [min, max] */
    SK_ENUM_LIST,   /* sequence of `choices` */
    SK_AUTO_INT,    /* "auto" or an integer in [min, max] */
    SK_AUTO_FLOAT   /* "auto" or a real number in [min, max] (a figure looked up when resolved) */
} sc_kind;

/* What a key changes (docs/scenarios.md, "Numerics keys and hardware
 * keys"): the numbers trained (network, data, training, number formats),
 * only their cost on the chip (hardware: lanes, memories, links, dataflow,
 * energy and area tables, clock), or neither (outputs: names, folders,
 * files).  A sweep trains once per distinct numerics point; its hardware
 * points reuse that training (cmd_scenario.c, numerics_cache.h). */
typedef enum { SR_NUMERICS = 0, SR_HARDWARE, SR_OUTPUT } sc_role;
extern const char *const sc_role_names[3]; /* "numerics", "hardware", "output" */

typedef struct {
    const char *path;    /* dotted key path, e.g. "training.lr" */
    sc_kind kind;
    const char *def;     /* default as YAML text; NULL: none (optional) */
    double min, max;     /* numbers and list elements */
    const char *choices; /* SK_ENUM, SK_ENUM_LIST */
    const char *unit;    /* "" when dimensionless */
    const char *doc;     /* one or two sentences */
    const char *example; /* YAML text */
    int optional;        /* sections: may be absent; leaves: no default needed */
    sc_role role;        /* numerics, hardware or output */
} sc_entry;

/* The schema, in document order; sc_schema_count() entries. */
const sc_entry *sc_schema(void);
size_t sc_schema_count(void);
/* Index of a path in the schema, or -1. */
int sc_schema_find(const char *path);

/* One key's value: given in the file, by --set, or defaulted.  Its text
 * lives in its scenario (scenario.c lays every value's room out in one
 * block, sized by the key's kind), so a value is read through its
 * scenario and lives as long as it; only scenario.c writes one, except
 * f3sim explore, which writes str and text within their room. */
typedef struct {
    int set;             /* 1: given (file or override) */
    int line, col;       /* where it was given (1-based), 0 if defaulted */
    const char *origin;  /* the file (or "--set[k]", "default") it came from; "" if never set */
    int is_auto;         /* SK_AUTO_INT, SK_AUTO_FLOAT: "auto" */
    double num;          /* SK_INT, SK_FLOAT, SK_AUTO_INT, SK_AUTO_FLOAT, SK_BOOL (0/1) */
    char *str;           /* SK_STRING, SK_ENUM: the value (room for SC_MAX_STR bytes); other kinds: "" */
    size_t n;            /* list length */
    double *list;        /* SK_INT_LIST: the n values (room for SC_MAX_LIST); other kinds: NULL */
    char (*items)[32];   /* SK_ENUM_LIST: the n names (room for SC_MAX_LIST); other kinds: NULL */
    char *text;          /* the value as YAML text, for show and sweeps (room for SC_MAX_STR bytes;
                            a list's flow text [a, b]); sections: "" */
} sc_value;

/* A swept key: its values as YAML text. */
typedef struct {
    char path[128];
    size_t n;
    char (*values)[SC_MAX_STR]; /* (n), owned by the scenario */
    int zip;             /* 1: part of the zipped group */
    int line, col;
} sc_sweep_axis;

typedef struct {
    char file[1024];     /* the scenario file */
    char name[SC_MAX_STR]; /* scenario name (default: the file's stem) */
    sc_value *v;         /* (sc_schema_count()), followed in the same block by the values' room */
    sc_sweep_axis sweep[SC_MAX_SWEEP];
    size_t n_sweep;
    int explore_line, explore_col; /* the top-level explore section (f3sim explore), 0 if absent */
    int checked;         /* 1: every point passed the cross-key checks since the values last changed */
    char **origins;      /* (n_origins) the distinct origins of the values, owned (scenario.c) */
    size_t n_origins, cap_origins;
} scenario;

/* Load and validate a scenario file.  *out is NULL on failure. */
f3_status scenario_load(const char *path, scenario **out);
/* The same for a scenario's text[0..len) (no NUL needed) that came from
 * origin: origin names it in messages and, without a name key, names the
 * scenario (its stem, as a file's path does). */
f3_status scenario_load_text(const char *origin, const char *text, size_t len, scenario **out);
void scenario_free(scenario *sc);
/* A deep copy (for sweep points). */
f3_status scenario_copy(const scenario *sc, scenario **out);

/* Apply "key.path=value" (value is YAML: a scalar or a flow sequence),
 * then re-validate.  origin names the source in messages ("--set"). */
f3_status scenario_set(scenario *sc, const char *assignment, const char *origin);

/* Apply several "key.path=value" assignments (their origins are
 * "--set[1]", "--set[2]", …), then validate once: a combination that is
 * valid only as a whole is accepted in any order. */
f3_status scenario_set_all(scenario *sc, const char *const *assignments, size_t n);

/* Cross-key checks (contradictions, hardware fit); called by load and set. */
f3_status scenario_validate(scenario *sc);

/* Values by path (the path must exist in the schema and have that kind). */
const sc_value *scenario_get(const scenario *sc, const char *path);
double scenario_num(const scenario *sc, const char *path);
const char *scenario_str(const scenario *sc, const char *path);
int scenario_present(const scenario *sc, const char *section);

/* The resolved scenario (defaults filled in) as YAML on f. */
void scenario_show(const scenario *sc, FILE *f);

/* The schema as a markdown reference (docs/scenarios.md's key tables). */
void scenario_keys_markdown(FILE *f);

/* Sweep points: the cartesian product of the non-zipped axes times the
 * zipped group.  Point i's assignments ("path=value") into buf. */
size_t scenario_sweep_points(const scenario *sc);
f3_status scenario_sweep_point(const scenario *sc, size_t i, scenario **out);
/* The value (YAML text) of sweep axis a at point i. */
const char *scenario_sweep_value(const scenario *sc, size_t a, size_t i);
/* "training.lr=0.001 network.hidden=[100]" for point i. */
void scenario_sweep_label(const scenario *sc, size_t i, char *buf, size_t len);

/* The algorithms to run: training.compare, or training.algorithm alone.
 * names[k] is e.g. "bp", "f3", "f3-loss". */
size_t scenario_algorithms(const scenario *sc, char names[][32], size_t max);

/* The trainer's configuration for one of those algorithms (a name from
 * scenario_algorithms: f3-error and f3-loss are f3 with their error
 * information) and the task of the data set, with every auto resolved
 * (loss, output activation, error information, widths).  A width the data
 * set's file decides (network.input auto with dataset csv) is 0: the run
 * fills it in when it reads the file.  scenario_validate checks the result
 * with f3_config_validate.  F3_EINVAL for a name the model does not know. */
f3_status scenario_f3_config(const scenario *sc, const char *algorithm, f3_config *cfg, f3_task *task);

/* 1 if network.type is vit; scenario_is_blocks: vit or blocks (a network
 * of blocks, trained by the block trainer). */
int scenario_is_vit(const scenario *sc);
int scenario_is_blocks(const scenario *sc);
/* The blocks of network.type vit or blocks; F3_EINVAL with the message at
 * the key (network.vit, network.blocks, network.input, …). */
f3_status scenario_blocks(const scenario *sc, f3_block *blocks, size_t max, size_t *n);
/* The Vision Transformer of network.vit on the data set's images (its
 * channels, height and width; the classes); F3_EINVAL when the data set
 * has no images.  The blocks follow with f3_vit_blocks. */
f3_status scenario_vit_config(const scenario *sc, f3_vit_config *out);

/* "file:line:col: message" at a key: where it was given, else where its
 * nearest enclosing section was, else the top of the file; returns st with
 * the message in f3_last_error(). */
f3_status scenario_at_key(const scenario *sc, const char *path, f3_status st, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Levenshtein distance of two words (99 beyond 63 characters), for "did
 * you mean" suggestions. */
size_t scenario_edit_distance(const char *a, const char *b);

#ifdef __cplusplus
}
#endif
#endif
