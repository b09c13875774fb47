/* scenario_show.c — the resolved scenario as YAML (f3sim show) and the key
 * reference as markdown (f3sim keys). */
#include "scenario.h"
#include "scenario_internal.h"

#include "f3/blockspec.h"
#include "hardware_check.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <yaml.h>

/* ---- show, keys -------------------------------------------------------------- */

void scenario_show(const scenario *sc, FILE *f)
{
    const sc_entry *s = sc_schema();
    fprintf(f, "# %s, resolved: every key with its value (given or default)\n", sc->file);
    /* what each auto figure of the chip comes to (the cost tables at the technology) */
    double *resolved = NULL;
    if (scenario_present(sc, "hardware") && (resolved = malloc(sc_schema_count() * sizeof *resolved)))
        chip_config_resolved_figures(sc, resolved);
    for (size_t i = 0; i < sc_schema_count(); i++) {
        if (!sc_ancestors_present(sc, s[i].path)) continue;
        if (s[i].kind == SK_SECTION && s[i].optional && !sc->v[i].set) continue;
        int depth = 0;
        for (const char *c = s[i].path; *c; c++) depth += *c == '.';
        if (!strcmp(s[i].path, "network.hidden") && scenario_is_blocks(sc)) {
            fprintf(f, "%*s# hidden: %s  (unused: network.type %s)\n", 2 * depth, "", sc->v[i].text,
                    scenario_str(sc, "network.type"));
            continue;
        }
        if (!strcmp(s[i].path, "training.algorithm") && scenario_get(sc, "training.compare")->n) {
            /* commented out, so that the output is itself a valid scenario */
            fprintf(f, "%*s# algorithm: %s  (unused: compare replaces it)\n", 2 * depth, "", sc->v[i].text);
            continue;
        }
        fprintf(f, "%*s%s:", 2 * depth, "", sc_last_part(s[i].path));
        if (s[i].kind == SK_SECTION) {
            fputc('\n', f);
            continue;
        }
        const sc_value *v = &sc->v[i];
        if (s[i].kind == SK_STRING) {
            fputs(" \"", f);
            for (const char *c = v->str; *c; c++) {
                if (*c == '"' || *c == '\\') fputc('\\', f);
                fputc(*c, f);
            }
            fputc('"', f);
        } else {
            fprintf(f, " %s", v->text);
        }
        if (s[i].unit[0]) fprintf(f, "  # %s", s[i].unit);
        if (resolved && v->is_auto && isnan(resolved[i]) && !strncmp(s[i].path, "hardware.error_store.", 21) &&
            s[i].unit[0])
            fputs("; resolved once the data set is read (the store's capacity follows the training set)", f);
        if (resolved && v->is_auto && isfinite(resolved[i])) {
            if (!strcmp(s[i].path, "hardware.tile.sram.macro_kib") && resolved[i] == 0)
                fputs(s[i].unit[0] ? "; resolved: one macro of the SRAM's capacity" : "  # resolved: one macro of the SRAM's capacity", f);
            else
                fprintf(f, "%sresolved: %.6g%s%s", s[i].unit[0] ? "; " : "  # ", resolved[i], s[i].unit[0] ? " " : "",
                        s[i].unit);
        }
        fputc('\n', f);
    }
    free(resolved);
    f3_block blocks[F3_BLOCKNET_MAX_BLOCKS];
    size_t nb = 0;
    if (scenario_is_blocks(sc) && scenario_blocks(sc, blocks, F3_BLOCKNET_MAX_BLOCKS, &nb) == F3_OK) {
        fprintf(f, "# network.type %s expands to %zu blocks, %zu parameters (reshapes between blocks are free):\n",
                scenario_str(sc, "network.type"), nb,
                f3_blocks_params(blocks, nb));
        for (size_t k = 0; k < nb; k++) {
            fprintf(f, "#   block %zu: %zu -> %zu values per sample, %zu parameters%s\n", k + 1,
                    f3_block_in_size(&blocks[k]), f3_block_out_size(&blocks[k]), f3_block_params(&blocks[k]),
                    k + 1 < nb ? "" : " (the output)");
            for (size_t j = 0; j < blocks[k].n_ops; j++) {
                char op[160];
                f3_bop_describe(&blocks[k].op[j], op, sizeof op);
                fprintf(f, "#     %s\n", op);
            }
        }
    }
    if (sc->n_sweep) {
        fputs("sweep:\n", f);
        for (int zip = 0; zip <= 1; zip++) {
            int header = 0;
            for (size_t i = 0; i < sc->n_sweep; i++) {
                if (sc->sweep[i].zip != zip) continue;
                if (zip && !header++) fputs("  zip:\n", f);
                fprintf(f, "%*s%s: [", zip ? 4 : 2, "", sc->sweep[i].path);
                for (size_t j = 0; j < sc->sweep[i].n; j++) fprintf(f, "%s%s", j ? ", " : "", sc->sweep[i].values[j]);
                fputs("]\n", f);
            }
        }
    }
}

/* Text in a markdown table cell: <, > and | would be read as markup. */
static void md_text(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '<') fputs("&lt;", f);
        else if (*s == '>') fputs("&gt;", f);
        else if (*s == '|') fputs("\\|", f);
        else fputc(*s, f);
    }
}

/* "a|b|c" as "a, b, c" */
void sc_choices_text(char *out, size_t len, const char *choices)
{
    size_t n = 0;
    for (const char *c = choices; *c && n + 3 < len; c++) {
        if (*c == '|') out[n++] = ',', out[n++] = ' ';
        else out[n++] = *c;
    }
    out[n] = '\0';
}

void scenario_keys_markdown(FILE *f)
{
    const sc_entry *s = sc_schema();
    static const char *kinds[] = {"section", "bool", "integer", "number", "string", "name", "list of integers", "list of names", "auto or integer", "auto or number"};
    for (size_t i = 0; i < sc_schema_count(); i++) {
        if (s[i].kind == SK_SECTION) {
            fprintf(f, "\n### `%s`%s\n\n", s[i].path, s[i].optional ? " (optional)" : "");
            md_text(f, s[i].doc);
            fputs("\n\n", f);
            fputs("| key | changes | type | unit | default | meaning | example |\n|---|---|---|---|---|---|---|\n", f);
            continue;
        }
        if (strchr(s[i].path, '.') == NULL && i == 0)
            fputs("\n### top level\n\n| key | changes | type | unit | default | meaning | example |\n|---|---|---|---|---|---|---|\n", f);
        char type[300];
        if (s[i].kind == SK_ENUM || s[i].kind == SK_ENUM_LIST) {
            char list[256];
            sc_choices_text(list, sizeof list, s[i].choices);
            snprintf(type, sizeof type, "%s: %s", kinds[s[i].kind], list);
        } else if (s[i].kind == SK_INT || s[i].kind == SK_FLOAT || s[i].kind == SK_INT_LIST || s[i].kind == SK_AUTO_INT ||
                   s[i].kind == SK_AUTO_FLOAT) {
            snprintf(type, sizeof type, "%s in [%.15g, %.15g]", kinds[s[i].kind], s[i].min, s[i].max);
        } else {
            snprintf(type, sizeof type, "%s", kinds[s[i].kind]);
        }
        fprintf(f, "| `%s` | %s | %s | %s | %s | ", s[i].path, sc_role_names[s[i].role], type, s[i].unit[0] ? s[i].unit : "—",
                s[i].def ? s[i].def : "(see meaning)");
        md_text(f, s[i].doc);
        fprintf(f, " | `%s` |\n", s[i].example ? s[i].example : "");
    }
}
