/* fuzz_scenario.c — libFuzzer harness of the scenario loader
 * (sim/scenario: scenario_load_text, what scenario_load calls once it has
 * read the file; the input goes to it as it is, with no file in between).
 *
 * Input: the scenario file's text.  A scenario that loads is also shown (the
 * resolved YAML, to /dev/null), its sweep points are counted and expanded,
 * and each of its algorithms is turned into the trainer's configuration:
 * the paths a run takes right after loading. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *devnull;
    if (!devnull && !(devnull = fopen("/dev/null", "w")))
        abort();
    scenario *sc = NULL;
    f3_status st = scenario_load_text("fuzz.yaml", (const char *)data, size, &sc);
    if (st != F3_OK) {
        if (sc || f3_last_error()[0] == '\0')
            abort();
        return 0;
    }
    if (!sc)
        abort();
    scenario_show(sc, devnull);
    size_t points = scenario_sweep_points(sc);
    for (size_t i = 0; i < points && i < 4; i++) {
        scenario *pt = NULL;
        if (scenario_sweep_point(sc, i, &pt) == F3_OK)
            scenario_free(pt);
        else if (pt)
            abort();
    }
    char names[16][32];
    size_t n = scenario_algorithms(sc, names, 16);
    for (size_t k = 0; k < n && k < 16; k++) {
        f3_config cfg;
        f3_task task;
        (void)scenario_f3_config(sc, names[k], &cfg, &task);
    }
    scenario_free(sc);
    return 0;
}
