/* chip_run.c — see chip_run.h. */
#include "chip_run.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "json.h"

void chip_config_from_scenario(const scenario *sc, chip_config *hw)
{
    memset(hw, 0, sizeof *hw);
    hw->clock_mhz = scenario_num(sc, "hardware.clock_mhz");
    hw->strict = scenario_num(sc, "hardware.strict") != 0;
    hw->mac_lanes = (unsigned)scenario_num(sc, "hardware.tile.mac_lanes");
    hw->step_latency = (unsigned)scenario_num(sc, "hardware.tile.step_latency_cycles");
    hw->sram_capacity_bytes = scenario_num(sc, "hardware.tile.sram.capacity_kib") * 1024.0;
    hw->sram_bytes_per_cycle = scenario_num(sc, "hardware.tile.sram.bytes_per_cycle");
    hw->sram_read_pj = scenario_num(sc, "hardware.tile.sram.read_pj_per_byte");
    hw->sram_write_pj = scenario_num(sc, "hardware.tile.sram.write_pj_per_byte");
    const char *enc = scenario_str(sc, "hardware.tile.rom.encoding");
    hw->rom_encoding = !strcmp(enc, "fp32")  ? CHIP_ROM_FP32
                       : !strcmp(enc, "int8") ? CHIP_ROM_INT8
                       : !strcmp(enc, "seeded") ? CHIP_ROM_SEEDED
                                                : CHIP_ROM_TERNARY2;
    hw->rom_bytes_per_cycle = scenario_num(sc, "hardware.tile.rom.bytes_per_cycle");
    hw->rom_read_pj = scenario_num(sc, "hardware.tile.rom.read_pj_per_byte");
    static const char *const kinds[3] = {"forward", "backward", "broadcast"};
    chip_link_config *links[3] = {&hw->forward, &hw->backward, &hw->broadcast};
    for (int i = 0; i < 3; i++) {
        char p[128];
        snprintf(p, sizeof p, "hardware.links.%s", kinds[i]);
        links[i]->present = i == 0 || scenario_present(sc, p);
        snprintf(p, sizeof p, "hardware.links.%s.bytes_per_cycle", kinds[i]);
        links[i]->bytes_per_cycle = scenario_num(sc, p);
        snprintf(p, sizeof p, "hardware.links.%s.latency_cycles", kinds[i]);
        links[i]->latency_cycles = scenario_num(sc, p);
        snprintf(p, sizeof p, "hardware.links.%s.pj_per_byte", kinds[i]);
        links[i]->pj_per_byte = scenario_num(sc, p);
    }
    const char *prec = scenario_str(sc, "hardware.error_store.precision");
    hw->es_bytes_per_value = !strcmp(prec, "fp16") ? 2.0 : !strcmp(prec, "int8") ? 1.0 : 4.0;
    hw->es_read_pj = scenario_num(sc, "hardware.error_store.read_pj_per_byte");
    hw->es_write_pj = scenario_num(sc, "hardware.error_store.write_pj_per_byte");
    if (!strcmp(scenario_str(sc, "hardware.energy.table"), "custom")) {
        hw->fma_pj = scenario_num(sc, "hardware.energy.fma_pj");
        hw->elem_pj = scenario_num(sc, "hardware.energy.elementwise_pj");
    } else {
        hw->fma_pj = 3.7 + 0.9; /* Horowitz, ISSCC 2014, 45 nm: fp32 multiply + add */
        hw->elem_pj = 0.9;      /* an fp32 add */
    }
    hw->trace = scenario_num(sc, "outputs.trace") != 0;
    hw->trace_samples = 1000;
}

typedef struct {
    const chip_config *hw;
    chip_sim *sim;
    const char *out;
    chip_result res; /* taken while the trainer still exists */
    int have_res;
} chip_ctx;

static int ctx_begin(void *p, f3_trainer *tr, const f3_dataset *train)
{
    chip_ctx *c = p;
    c->sim = chip_sim_new(c->hw, tr, train);
    return c->sim ? 0 : 1;
}

static int ctx_epoch(void *p, f3_trainer *tr, const f3_dataset *train, const size_t *perm, size_t epoch, f3_stats *st)
{
    (void)tr;
    (void)train;
    chip_ctx *c = p;
    return chip_sim_epoch(c->sim, perm, epoch, st);
}

static void ctx_json(void *p, struct json_writer_s *w)
{
    chip_ctx *c = p;
    chip_sim_result(c->sim, &c->res);
    c->have_res = 1;
    const chip_result r = c->res;
    chip_sim_write_files(c->sim, c->out);
    json_key(w, "hardware");
    json_begin_object(w);
    json_kv_string(w, "units", "cycles at the configured clock; bytes; pJ; samples/s");
    json_kv_double(w, "clock_mhz", c->hw->clock_mhz);
    json_kv_u64(w, "cycles", r.cycles);
    json_kv_u64(w, "samples", r.samples);
    json_kv_double(w, "cycles_per_sample", r.cycles_per_sample);
    json_kv_double(w, "samples_per_second", r.samples_per_second);
    json_kv_double(w, "energy_per_sample_pj", r.energy_per_sample_pj);
    json_key(w, "energy_pj");
    json_begin_object(w);
    static const char *const parts[5] = {"compute", "sram", "rom", "links", "error_store"};
    for (int i = 0; i < 5; i++) json_kv_double(w, parts[i], r.energy_pj[i]);
    json_end_object(w);
    json_kv_double(w, "stall_fraction", r.stall_fraction);
    json_key(w, "link_bytes");
    json_begin_object(w);
    json_kv_u64(w, "forward", r.link_bytes[0]);
    json_kv_u64(w, "backward", r.link_bytes[1]);
    json_kv_u64(w, "broadcast", r.link_bytes[2]);
    json_end_object(w);
    json_key(w, "sram_bytes");
    json_begin_object(w);
    json_kv_u64(w, "read", r.sram_read);
    json_kv_u64(w, "written", r.sram_written);
    json_end_object(w);
    json_kv_u64(w, "rom_bytes_read", r.rom_read);
    json_key(w, "error_store_bytes");
    json_begin_object(w);
    json_kv_u64(w, "read", r.es_read);
    json_kv_u64(w, "written", r.es_written);
    json_end_object(w);
    json_key(w, "peak_sram_bytes_per_tile");
    json_begin_array(w);
    for (size_t i = 0; i < r.n_tiles; i++) json_double(w, r.tile[i].sram_needed);
    json_end_array(w);
    json_kv_double(w, "sram_capacity_bytes", c->hw->sram_capacity_bytes);
    json_end_object(w);
}

/* What the chip process sends back. */
typedef struct {
    int rc;
    train_result res;
    chip_result hres;
    char error[1024];
} chip_reply;

int chip_train(const train_options *o, const chip_config *hw, train_result *res, chip_result *hres)
{
    int fd[2];
    if (pipe(fd) != 0) {
        F3_FAIL(F3_EIO, "chip: cannot create a pipe: %s", strerror(errno));
        return 1;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(fd[0]), close(fd[1]);
        F3_FAIL(F3_EIO, "chip: cannot start its process: %s", strerror(errno));
        return 1;
    }
    if (pid == 0) {
        close(fd[0]);
        static chip_reply rep;
        memset(&rep, 0, sizeof rep);
        static chip_ctx ctx;
        memset(&ctx, 0, sizeof ctx);
        ctx.hw = hw;
        ctx.out = o->out;
        train_schedule sched = {ctx_begin, ctx_epoch, ctx_json, NULL, &ctx};
        rep.rc = train_run_schedule(o, "run", &rep.res, &sched);
        if (ctx.have_res) rep.hres = ctx.res;
        snprintf(rep.error, sizeof rep.error, "%s", f3_last_error());
        const char *p = (const char *)&rep;
        size_t left = sizeof rep;
        while (left) {
            ssize_t n = write(fd[1], p, left);
            if (n <= 0) _exit(3);
            p += n, left -= (size_t)n;
        }
        fflush(NULL);
        _exit(rep.rc ? 1 : 0);
    }
    close(fd[1]);
    static chip_reply rep;
    memset(&rep, 0, sizeof rep);
    char *p = (char *)&rep;
    size_t got = 0;
    while (got < sizeof rep) {
        ssize_t n = read(fd[0], p + got, sizeof rep - got);
        if (n <= 0) break;
        got += (size_t)n;
    }
    close(fd[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    if (got != sizeof rep || !WIFEXITED(status)) {
        F3_FAIL(F3_EIO, "chip: the simulation process ended abnormally%s",
                WIFSIGNALED(status) ? " (a signal; an assertion of the model failed?)" : "");
        return 1;
    }
    if (rep.rc) {
        F3_FAIL(F3_EINVAL, "%s", rep.error);
        return 1;
    }
    if (res) *res = rep.res;
    if (hres) *hres = rep.hres;
    return 0;
}
