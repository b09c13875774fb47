/* test_sweep_memo.c — the sweep's validation skips the check parts that
 * passed at an equivalent point (sim/scenario/scenario_sweep.c).
 *
 * The reference is the plain check: every part at every point, in order
 * (sc_sweep_memo = 0).  For sweeps built to fail at a late point — in a
 * part the memo skipped at the points before, in a zipped pair, with a
 * repeated value, with learning rules swept — and for every scenario file
 * of the project (scenarios/, tests/scenarios/ and its broken/, the fuzz
 * corpus), loading with the memo gives the same verdict and the same
 * message, byte for byte.  And the memo does skip: a 6 × 5 × 4 sweep of
 * keys read by different parts runs 41 parts, not 4 × 120. */
#define _DEFAULT_SOURCE /* d_type, open_memstream */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "f3/status.h"
#include "scenario.h"
#include "scenario_internal.h"

/* Load text with and without the memo; both verdicts and messages equal.
 * Returns the status; *runs (if given) the part runs with the memo and
 * *plain_runs without. */
static f3_status load_both(const char *origin, const char *text, size_t *runs, size_t *plain_runs)
{
    char msg[2][2048];
    f3_status st[2];
    size_t count[2];
    for (int memo = 0; memo < 2; memo++) {
        sc_sweep_memo = memo;
        sc_sweep_part_runs = 0;
        scenario *sc = NULL;
        st[memo] = scenario_load_text(origin, text, strlen(text), &sc);
        count[memo] = sc_sweep_part_runs;
        snprintf(msg[memo], sizeof msg[memo], "%s", st[memo] == F3_OK ? "" : f3_last_error());
        if (st[memo] == F3_OK) {
            assert_non_null(sc);
            scenario_free(sc);
        } else {
            assert_null(sc);
        }
    }
    sc_sweep_memo = 1;
    if (st[0] != st[1] || strcmp(msg[0], msg[1]))
        fail_msg("%s: plain check %d '%s', with the memo %d '%s'", origin, st[0], msg[0], st[1], msg[1]);
    assert_true(count[1] <= count[0]);
    if (runs) *runs = count[1];
    if (plain_runs) *plain_runs = count[0];
    return st[1];
}

#define BASE                                                                                                           \
    "network: {hidden: [64]}\n"                                                                                        \
    "dataset: {name: mnist}\n"                                                                                         \
    "training: {epochs: 1}\n"                                                                                          \
    "hardware: {tile: {dataflow: weight_stationary, mac_lanes: 16, registers: {capacity_kib: 64}}}\n"

static void test_valid_sweep_skips(void **state)
{
    (void)state;
    /* lr: read by the trainer's check; lanes: by the chip's; formats: by
     * neither the outputs' nor the run's */
    const char *text = BASE "sweep:\n"
                            "  training.lr: [0.1, 0.05, 0.01, 0.005, 0.001, 0.0005]\n"
                            "  hardware.tile.mac_lanes: [4, 8, 16, 32, 64]\n"
                            "  outputs.formats: [[json], [csv], [json, csv], [csv, json]]\n";
    size_t runs = 0, plain = 0;
    assert_int_equal(load_both("valid.yaml", text, &runs, &plain), F3_OK);
    assert_int_equal(plain, 120 * SC_CHECK_PARTS);
    /* outputs: 4 tuples; run: 1; trainer: the 6 lrs; the chip: 6 × 5 (it
     * reads the lanes, and the lr with the rest of each rule's
     * configuration) */
    assert_int_equal(runs, 4 + 1 + 6 + 6 * 5);
}

static void test_late_failures(void **state)
{
    (void)state;
    static const struct {
        const char *name, *sweep, *expect;
    } cases[] = {
        /* the chip's register check fails at the last lanes value only for
         * the widest layer: its part was skipped for the earlier lrs */
        {"registers-late", "  training.lr: [0.1, 0.01, 0.001]\n"
                           "  hardware.tile.registers.capacity_kib: [64, 32, 16, 4]\n",
         "registers hold 4096 bytes"},
        /* a zipped pair that is valid except together */
        {"zip-pair", "  training.lr: [0.1, 0.01]\n"
                     "  zip:\n"
                     "    network.hidden: [[64], [64, 64], [3000]]\n"
                     "    hardware.tile.registers.capacity_kib: [64, 64, 16]\n",
         "sweep point 2:"},
        /* a repeated value, then a failing one */
        {"repeated", "  hardware.tile.mac_lanes: [16, 16, 16]\n"
                     "  training.batch_size: [50, 50, 0]\n",
         "batch_size"},
        /* learning rules swept: bp needs a backward link */
        {"rules", "  training.lr: [0.1, 0.01]\n"
                  "  training.compare: [[f3-error], [f3-loss, drtp], [f3-error, bp]]\n",
         "backward"},
        /* the run's check (the data set's outputs) at the last point */
        {"outputs-late", "  training.lr: [0.1, 0.01]\n"
                         "  network.output: [auto, 10, 7]\n",
         "network.output is 7"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        char text[4096];
        snprintf(text, sizeof text, "%ssweep:\n%s", BASE, cases[c].sweep);
        char origin[64];
        snprintf(origin, sizeof origin, "%s.yaml", cases[c].name);
        f3_status st = load_both(origin, text, NULL, NULL);
        if (st == F3_OK) fail_msg("%s: loads, but a point is invalid", cases[c].name);
        if (!strstr(f3_last_error(), cases[c].expect))
            fail_msg("%s: '%s' lacks '%s'", cases[c].name, f3_last_error(), cases[c].expect);
    }
}

/* scenario_show's text of sc (malloc'ed). */
static char *shown(const scenario *sc)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    scenario_show(sc, f);
    fclose(f);
    return buf;
}

/* A loaded scenario's points are built without being checked again
 * (sc->checked): each equals the point the full check builds, and passes
 * the check. */
static void test_checked_points(void **state)
{
    (void)state;
    const char *text = BASE "sweep:\n"
                            "  training.lr: [0.1, 0.01]\n"
                            "  zip:\n"
                            "    hardware.tile.mac_lanes: [4, 64]\n"
                            "    network.hidden: [[32, 16], [128]]\n";
    scenario *sc = NULL;
    assert_int_equal(scenario_load_text("points.yaml", text, strlen(text), &sc), F3_OK);
    assert_true(sc->checked);
    for (size_t i = 0; i < scenario_sweep_points(sc); i++) {
        scenario *fast = NULL, *full = NULL;
        assert_int_equal(scenario_sweep_point(sc, i, &fast), F3_OK);
        sc->checked = 0;
        assert_int_equal(scenario_sweep_point(sc, i, &full), F3_OK);
        sc->checked = 1;
        char *a = shown(fast), *b = shown(full);
        assert_string_equal(a, b);
        assert_int_equal(scenario_validate(fast), F3_OK);
        free(a);
        free(b);
        scenario_free(fast);
        scenario_free(full);
    }
    /* a change clears the mark until the check passes again */
    assert_int_equal(scenario_set(sc, "training.lr=0.5", "--set"), F3_OK);
    assert_true(sc->checked);
    assert_int_not_equal(scenario_set(sc, "hardware.tile.registers.capacity_kib=1", "--set"), F3_OK);
    assert_false(sc->checked);
    scenario_free(sc);
}

/* Every .yaml (and fuzz corpus file) under dir, recursively. */
static size_t load_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) fail_msg("cannot open %s", dir);
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (e->d_type == DT_DIR) {
            n += load_tree(path);
            continue;
        }
        const size_t len = strlen(e->d_name);
        if (!strstr(dir, "corpus") && (len < 5 || strcmp(e->d_name + len - 5, ".yaml"))) continue;
        FILE *f = fopen(path, "rb");
        assert_non_null(f);
        static char text[1 << 20];
        size_t got = fread(text, 1, sizeof text - 1, f);
        fclose(f);
        text[got] = '\0';
        if (strlen(text) != got) continue; /* a NUL inside: scenario_load_text reads such a text whole */
        (void)load_both(path, text, NULL, NULL);
        n++;
    }
    closedir(d);
    return n;
}

static void test_project_files(void **state)
{
    (void)state;
    size_t n = load_tree(F3_SOURCE_DIR "/scenarios") + load_tree(F3_SOURCE_DIR "/tests/scenarios") +
               load_tree(F3_SOURCE_DIR "/tests/fuzz/corpus/scenario");
    assert_true(n >= 90);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_sweep_skips),
        cmocka_unit_test(test_late_failures),
        cmocka_unit_test(test_checked_points),
        cmocka_unit_test(test_project_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
