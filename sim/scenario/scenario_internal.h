/* scenario_internal.h — what the scenario loader's files (scenario.c,
 * scenario_values.c, scenario_validate.c, scenario_show.c,
 * scenario_sweep.c) share; not an interface of the library. */
#ifndef F3_SCENARIO_INTERNAL_H
#define F3_SCENARIO_INTERNAL_H

#include "scenario.h"

#include <stddef.h>

#include <yaml.h>

/* A node's line and column (1-based), as the two arguments of sc_at. */
#define MARK(node) (int)(node)->start_mark.line + 1, (int)(node)->start_mark.column + 1

/* st, with the message "origin:line:col: fmt…" */
f3_status sc_at(f3_status st, const char *origin, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* A value being typed, with room of its own for any kind: apply_node
 * fills it, put_value stores it into a scenario. */
typedef struct {
    sc_value v;
    char str[SC_MAX_STR], text[SC_MAX_STR];
    double list[SC_MAX_LIST];
    char items[SC_MAX_LIST][32];
} scratch_value;

/* The document libyaml would build for a value text, built without its
 * parser (which allocates about 50 KB to start): quick_doc handles the
 * texts of defaults, --set and sweep points that are a quick_plain scalar,
 * "" or a flow list [a, b, …] of quick_plain scalars with single spaces or
 * none around the commas, with the same nodes and marks as libyaml.  Any
 * other text returns 0 and goes to libyaml. */
typedef struct {
    yaml_document_t doc;
    yaml_node_t node[SC_MAX_LIST + 1];   /* the root, then a list's items */
    yaml_node_item_t item[SC_MAX_LIST];  /* node numbers (1-based) of the items */
    char buf[SC_MAX_STR + SC_MAX_LIST];  /* the scalars, each ended by a NUL */
} quick_doc;

/* scenario.c */
const char *sc_last_part(const char *path);
int sc_ancestors_present(const scenario *sc, const char *path);
f3_status sc_put_value(scenario *sc, size_t i, const sc_value *src, const char *origin);
f3_status sc_set_value(scenario *sc, const char *assignment, const char *origin, int line, int col);
/* The same for the value text of key idx (col_off: its column in the
 * assignment, for messages). */
f3_status sc_set_key(scenario *sc, int idx, const char *text, int col_off, const char *origin, int line, int col);
void sc_suggest_path(const char *path, char *buf, size_t len);

/* scenario_values.c */
int sc_choice_ok(const char *choices, const char *s);
const char *sc_scalar_of(yaml_node_t *n);
int sc_is_null_scalar(yaml_node_t *n);
void sc_copy_str(char *dst, size_t room, const char *s);
f3_status sc_check_tags(yaml_document_t *doc, const char *origin, int line_off, int col_off);
f3_status sc_apply_node(const sc_entry *e, scratch_value *out, yaml_document_t *doc, yaml_node_t *n,
                        const char *src, const char *origin, int line_off, int col_off);
f3_status sc_parse_text(const char *text, const char *origin, int col_off, yaml_document_t *doc,
                        yaml_node_t **root);
yaml_node_t *sc_quick_parse(const char *text, quick_doc *q);

/* scenario_show.c */
void sc_choices_text(char *out, size_t len, const char *choices);

/* scenario_validate.c: scenario_validate runs the parts 0 … SC_CHECK_PARTS − 1
 * of the cross-key checks in order; each reads the scenario only through
 * scenario_get, scenario_str, scenario_num (and hardware_check.c's KEY),
 * which note what it reads in sc_reads. */
#define SC_CHECK_PARTS 4
f3_status sc_check_part(const scenario *sc, int part);
/* While sc_reads is set (on this thread), every key read ORs its bit
 * (bits[key], 0 for most keys) into sc_reads->read: the sweep's validation
 * learns which swept keys a check part depends on. */
typedef struct {
    const unsigned *bits; /* (sc_schema_count()) */
    unsigned read;
} sc_read_log;
extern _Thread_local sc_read_log *sc_reads;
static inline void sc_note_read(int key)
{
    if (sc_reads && key >= 0) sc_reads->read |= sc_reads->bits[key];
}
/* scenario_sweep.c */
f3_status sc_read_sweep(scenario *sc, yaml_document_t *doc, const char *src, yaml_node_t *map, int zip);
f3_status sc_validate_points(scenario *sc);
/* For tests (tests/unit/test_sweep_memo.c): 0 checks every part at every
 * point; the number of check parts sc_validate_points has run on this
 * thread. */
extern int sc_sweep_memo;
extern _Thread_local size_t sc_sweep_part_runs;

#endif
