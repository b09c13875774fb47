/* schema.c — every scenario key: type, unit, default, range, meaning.
 * docs/scenarios.md is generated from this table (f3sim keys --markdown). */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"

#define BIG 1e300
#define ALGOS "bp|f3|dfa|drtp|llo|f3-error|f3-loss"
#define ACTS "tanh|sigmoid|relu|identity"

/* numerics.<tensor>: a section with its format and rounding (the tensor
 * names are f3_tensor_names; scenario.c checks that they agree) */
#define FORMAT_DOC                                                                                                  \
    "Number format: fp32 (nothing is quantised), bf16, fp16, or signed fixed point q<int>.<frac> (int ≥ 1 bits "    \
    "including the sign, frac ≥ 0, 4 to 32 bits in all; q4.12: 16 bits, range [-8, 8), step 1/4096). See "          \
    "docs/numerics.md."
#define ROUNDING_DOC "Rounding where a value is quantised: to nearest even, or stochastic (unbiased; seeded by training.seed)."
#define NUMERICS(t, doc, ex)                                                                                        \
    {"numerics." t, SK_SECTION, NULL, 0, 0, NULL, "", doc, NULL, 0, SR_NUMERICS},                                   \
    {"numerics." t ".format", SK_STRING, "fp32", 0, 0, NULL, "", FORMAT_DOC, ex, 0, SR_NUMERICS},                    \
    {"numerics." t ".rounding", SK_ENUM, "nearest_even", 0, 0, "nearest_even|stochastic", "", ROUNDING_DOC, "stochastic", 0, SR_NUMERICS}

static const sc_entry SCHEMA[] = {
    {"name", SK_STRING, NULL, 0, 0, NULL, "", "Name of the scenario; results go to <outputs.folder>/<name>/. Default: the file name without .yaml.", "mnist-f3-vs-bp", 1, SR_OUTPUT},
    {"description", SK_STRING, "\"\"", 0, 0, NULL, "", "Free text, copied into run.json.", "\"F3 against BP on MNIST\"", 0, SR_OUTPUT},

    {"network", SK_SECTION, NULL, 0, 0, NULL, "", "The network: a fully connected one (type mlp, the paper's) or the authors' Vision Transformer (type vit).", NULL, 0, SR_NUMERICS},
    {"network.input", SK_AUTO_INT, "auto", 1, 1e7, NULL, "features", "Input width n_0; auto takes it from the data set, a number must match it.", "784", 0, SR_NUMERICS},
    {"network.hidden", SK_INT_LIST, "[500]", 1, 1e6, NULL, "neurons", "Widths of the hidden layers n_1 … n_{K-1}; [] for none.", "[500, 500]", 0, SR_NUMERICS},
    {"network.output", SK_AUTO_INT, "auto", 1, 1e6, NULL, "outputs", "Output width C; auto takes it from the data set (classes or targets), a number must match it.", "10", 0, SR_NUMERICS},
    {"network.activation", SK_ENUM, "tanh", 0, 0, ACTS, "", "Activation of the hidden layers (the paper: tanh).", "tanh", 0, SR_NUMERICS},
    {"network.output_activation", SK_ENUM, "auto", 0, 0, "auto|" ACTS, "", "Activation of the output layer; auto: sigmoid for classification (BCE), identity for regression (MSE).", "sigmoid", 0, SR_NUMERICS},
    {"network.bias", SK_BOOL, "true", 0, 0, NULL, "", "Whether layers have biases.", "true", 0, SR_NUMERICS},
    {"network.type", SK_ENUM, "mlp", 0, 0, "mlp|vit|blocks", "", "mlp: the fully connected network of network.hidden, one learning signal per layer; vit: the authors' Vision Transformer (transformer.py) of network.vit; blocks: any network of blocks written in network.blocks. F3, DFA and DRTP train a network of blocks block by block (a feedback matrix per block, backprop inside it; docs/blocks.md).", "vit", 0, SR_NUMERICS},
    {"network.blocks", SK_STRING, "\"\"", 0, 0, NULL, "", "network.type blocks: the blocks, ';' between blocks and ',' between a block's ops: linear N [nobias], layernorm, tanh, sigmoid, relu, gelu, attention HxD (after a linear 3·H·D), patchify P, tokens N (a free reshape), residual(ops…); '* N' after a block repeats it (docs/blocks.md, \"Any network of blocks\").", "\"linear 256, tanh; tokens 8, residual(layernorm, linear 32, gelu, linear 32); tokens 1, linear 10\"", 0, SR_NUMERICS},
    {"network.vit", SK_SECTION, NULL, 0, 0, NULL, "", "The Vision Transformer's sizes (network.type vit): block 1 = patches, Linear(input → width) and a transformer block; blocks 2 … depth−1 = transformer blocks; then Linear(width → width) + network.activation, and Linear(width → classes).", NULL, 1, SR_NUMERICS},
    {"network.vit.depth", SK_INT, "5", 2, 31, NULL, "blocks", "D: D − 1 transformer blocks and the head's two blocks (D + 1 blocks in all; the authors' default 5).", "3", 0, SR_NUMERICS},
    {"network.vit.width", SK_INT, "512", 1, 1e6, NULL, "values", "The hidden width between blocks (hidden_dim); a multiple of the tokens, each token width/tokens wide.", "512", 0, SR_NUMERICS},
    {"network.vit.heads", SK_INT, "8", 1, 1024, NULL, "heads", "Attention heads per transformer block.", "8", 0, SR_NUMERICS},
    {"network.vit.dim_head", SK_INT, "64", 1, 1e5, NULL, "values", "Width of each head's q, k and v.", "64", 0, SR_NUMERICS},
    {"network.vit.mlp_dim", SK_INT, "128", 1, 1e6, NULL, "values", "Hidden width of each transformer block's MLP.", "128", 0, SR_NUMERICS},
    {"network.vit.patch", SK_INT, "7", 1, 1024, NULL, "pixels", "Patches of patch × patch pixels (dividing the image's height and width); MNIST's 28 × 28 in 7 × 7 give 16 tokens.", "7", 0, SR_NUMERICS},
    {"network.vit.norm", SK_BOOL, "true", 0, 0, NULL, "", "Layer normalisation before the attention and the MLP of each transformer block (the authors' block_norm).", "false", 0, SR_NUMERICS},

    {"dataset", SK_SECTION, NULL, 0, 0, NULL, "", "The data to train and test on.", NULL, 0, SR_NUMERICS},
    {"dataset.name", SK_ENUM, "mnist", 0, 0, "mnist|fashion-mnist|census|wine|cifar10|csv", "", "Which data set; see docs/architecture.md for the files each one reads.", "census", 0, SR_NUMERICS},
    {"dataset.data_dir", SK_STRING, "data", 0, 0, NULL, "path", "Folder holding the data sets (relative to the working directory).", "/data/sets", 0, SR_NUMERICS},
    {"dataset.path", SK_STRING, "\"\"", 0, 0, NULL, "path", "The data set's own folder (csv: the training file), overriding data_dir.", "/data/mnist", 0, SR_NUMERICS},
    {"dataset.test_path", SK_STRING, "\"\"", 0, 0, NULL, "path", "csv only: the test file.", "test.csv", 0, SR_NUMERICS},
    {"dataset.label_column", SK_INT, "-1", -1e6, 1e6, NULL, "column", "csv only: column of the target; negative counts from the end.", "0", 0, SR_NUMERICS},
    {"dataset.classes", SK_INT, "0", 0, 1e6, NULL, "classes", "csv only: number of classes; 0 makes it a regression data set.", "3", 0, SR_NUMERICS},
    {"dataset.train_limit", SK_INT, "0", 0, 1e9, NULL, "samples", "Use only the first N training samples; 0: all.", "10000", 0, SR_NUMERICS},
    {"dataset.test_limit", SK_INT, "0", 0, 1e9, NULL, "samples", "Use only the first N test samples; 0: all.", "2000", 0, SR_NUMERICS},
    {"dataset.test_fraction", SK_FLOAT, "0.2", 0, 0.99, NULL, "fraction", "wine only: share of the rows held out for testing (split by training.seed).", "0.25", 0, SR_NUMERICS},

    {"dataset.standardize", SK_BOOL, "true", 0, 0, NULL, "", "true: the data set's standard preprocessing (MNIST and Fashion-MNIST: x/255, mean 0.1307, std 0.3081 as the paper's code; CIFAR-10: per-channel mean and std; Wine: the training split's mean and std); false: the raw feature values (bytes 0-255 for images). Census Income and csv files are never standardised.", "false", 0, SR_NUMERICS},

    {"training", SK_SECTION, NULL, 0, 0, NULL, "", "The learning rule and its recipe.", NULL, 0, SR_NUMERICS},
    {"training.algorithm", SK_ENUM, "f3", 0, 0, ALGOS, "", "The learning rule when compare is not given. f3-error and f3-loss are f3 with delayed_error(_one_hot) and delayed_loss(_one_hot).", "bp", 0, SR_NUMERICS},
    {"training.compare", SK_ENUM_LIST, "[]", 0, 0, ALGOS, "", "Learning rules to run side by side on the same data with the same initial weights; replaces algorithm.", "[bp, f3, dfa, drtp, llo]", 0, SR_NUMERICS},
    {"training.error_info", SK_ENUM, "auto", 0, 0, "auto|delayed_error|delayed_error_one_hot|delayed_error_softmax|delayed_loss|delayed_loss_one_hot|delayed_loss_softmax", "", "F3's error information (§3.4); auto: delayed_error_one_hot for classification, delayed_error for regression.", "delayed_loss_one_hot", 0, SR_NUMERICS},
    {"training.e0", SK_ENUM, "targets", 0, 0, "targets|inference", "", "F3's error information before the first epoch: the targets, or an inference-only epoch 0.", "inference", 0, SR_NUMERICS},
    {"training.feedback_init", SK_ENUM, "trinomial", 0, 0, "kaiming_uniform|trinomial|binomial|pm_identity", "", "Initialisation of the fixed feedback matrices B_i (§4.5).", "kaiming_uniform", 0, SR_NUMERICS},
    {"training.loss", SK_ENUM, "auto", 0, 0, "auto|bce|mse|softmax_ce", "", "Training loss; auto: bce for classification, mse for regression.", "softmax_ce", 0, SR_NUMERICS},
    {"training.optimizer", SK_ENUM, "adam", 0, 0, "adam|sgd", "", "Optimiser (Adam with β1 0.9, β2 0.999, ε 1e-8 unless set).", "sgd", 0, SR_NUMERICS},
    {"training.lr", SK_FLOAT, "1e-3", 1e-12, 10, NULL, "", "Learning rate.", "1e-4", 0, SR_NUMERICS},
    {"training.beta1", SK_FLOAT, "0.9", 0, 0.999999, NULL, "", "Adam's β1.", "0.9", 0, SR_NUMERICS},
    {"training.beta2", SK_FLOAT, "0.999", 0, 0.999999999, NULL, "", "Adam's β2.", "0.999", 0, SR_NUMERICS},
    {"training.eps", SK_FLOAT, "1e-8", 1e-30, 1, NULL, "", "Adam's ε.", "1e-8", 0, SR_NUMERICS},
    {"training.epochs", SK_INT, "3", 1, 100000, NULL, "epochs", "Passes over the training set.", "100", 0, SR_NUMERICS},
    {"training.batch_size", SK_INT, "50", 1, 100000, NULL, "samples", "Samples per training step.", "100", 0, SR_NUMERICS},
    {"training.seed", SK_INT, "1", 0, 4294967295.0, NULL, "", "One seed, one result, bit for bit: weights, feedback matrices, sample order, wine split.", "7", 0, SR_NUMERICS},
    {"training.seeds", SK_INT_LIST, "[]", 0, 4294967295.0, NULL, "", "Run every point once per seed (each as training.seed, in seed-<N>/ folders) and report the mean and sample standard deviation over them in compare.csv, as the paper's Tables 4 and 5 do; [] runs training.seed alone. f3sim run --seeds 1-10 sets it.", "[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]", 0, SR_NUMERICS},
    {"training.threads", SK_INT, "0", 0, 256, NULL, "threads", "BLAS threads; 0: the BLAS default (one per core). Results are bit-identical for one thread count.", "1", 0, SR_NUMERICS},

    {"numerics", SK_SECTION, NULL, 0, 0, NULL, "", "Number formats, one per tensor class (docs/numerics.md): a value is quantised where the hardware stores or sends it, and each value beyond a format's range saturates (counted in run.json). Absent: fp32 everywhere, nothing is quantised. Each class is written like weights: {format: q4.12, rounding: stochastic}.", NULL, 0, SR_NUMERICS},
    NUMERICS("weights", "W_i and b_i, after initialisation and after every optimiser step.", "q4.12"),
    NUMERICS("activations", "The inputs x as the input link carries them, and h_i as it leaves layer i (what a link carries).", "q4.12"),
    NUMERICS("error", "The error information e as a hidden layer uses it (F3: read from the store; DFA: the current error), every δz, and BP's δ sent down.", "q4.12"),
    NUMERICS("error_store", "e as F3's error store holds it (and e_0); the store's bytes per value are the format's bits / 8.", "q1.7"),
    NUMERICS("gradients", "δW_i and δb_i, the gradient accumulator.", "q8.24"),
    NUMERICS("optimizer", "Adam's m and v. Fixed point needs training.optimizer sgd (Adam divides by a square root); unused with sgd.", "bf16"),
    NUMERICS("feedback", "The feedback matrices B_i (f3, dfa, drtp). hardware.tile.rom.encoding int8 needs a fixed-point format of at most 8 bits here.", "q2.6"),
    {"numerics.on_overflow", SK_ENUM, "warn", 0, 0, "warn|stop", "", "When more than 1 % of the values a tensor class quantised in an epoch saturated, or more than 1 % underflowed (nonzero, rounded to zero), or more than 99 % of those at one site (a layer, the inputs): warn names the class, the fraction and a format to try on stderr, and the run goes on; stop does the same and then fails the run after writing that epoch's results (exit status 1, status.json failed). Counts per class and epoch are in run.json either way (docs/numerics.md).", "stop", 0, SR_NUMERICS},

    {"hardware", SK_SECTION, NULL, 0, 0, NULL, "", "The chip to run on: one tile per layer on a forward-only bus, an error store and a shared DRAM (see docs/hardware-model.md). Absent: no chip model. A figure written auto follows the table of docs/hardware-costs.md (45 nm); a capacity's figures are looked up at that capacity.", NULL, 1, SR_HARDWARE},
    {"hardware.clock_mhz", SK_FLOAT, "1000", 1e-3, 1e6, NULL, "MHz", "Clock of the tiles, links, error store and DRAM interface.", "500", 0, SR_HARDWARE},
    {"hardware.strict", SK_BOOL, "false", 0, 0, NULL, "", "true: reject a chip on which a tile's weights, optimiser state, gradient accumulator and buffers do not all fit in its SRAM; false: what does not fit lives in DRAM, at the DRAM's bandwidth and energy.", "true", 0, SR_HARDWARE},
    {"hardware.technology", SK_SECTION, NULL, 0, 0, NULL, "", "The process and the memory cells whose figures auto takes (docs/hardware-costs.md).", NULL, 0, SR_HARDWARE},
    {"hardware.technology.node_nm", SK_INT, "45", 7, 90, NULL, "nm", "The process node: 90, 65, 45, 32, 28, 22, 20, 16, 14 or 7. Every auto energy, leakage and area figure of the tables (45 nm) moves to it: dynamic energy and leakage by Stillmaker & Baas 2017's energy fit at 0.9 V (e_node / e_45; HP rows from 45 nm down, the bulk rows at 90 and 65 nm; 28 and 22 nm interpolated between 32 and 20 nm), area by Accelergy hwcomponents' area scaling (nodeScale's above 45 nm), and with named cells the fastest clock by their delay fit (docs/hardware-costs.md). The DRAM's figures (off chip) and the figures a scenario sets do not move.", "28", 0, SR_HARDWARE},
    {"hardware.technology.vdd", SK_FLOAT, "0.9", 0.3, 1.5, NULL, "V", "The supply voltage: every auto dynamic energy × (vdd / 0.9 V)², every auto leakage × vdd / 0.9 V (the tables are at 0.9 V, Horowitz's 45 nm).", "0.8", 0, SR_HARDWARE},
    {"hardware.technology.cells", SK_ENUM, "table", 0, 0, "table|hp|lstp|lop", "", "The devices of the chip, for its auto figures. table: the capacity table for the SRAMs (Horowitz ISSCC 2014 read energies; gem5-aladdin's CACTI leakage and area) and Aladdin's 40 nm G logic, as before issue 18. hp, lstp, lop: ITRS high-performance, low-standby-power or low-operating-power devices — the SRAMs, the error store and the ROM from CACTI 7.0's 45 nm macros (4 KiB to 1 MiB, per macro with hardware.tile.sram.macro_kib; lstp leaks about 1/20,000 of hp, lop about 1/20), and the logic (lanes, flip-flop registers) leaks as CACTI's 45 nm devices do (lstp × 6.8e-5, lop × 0.081 of hp) and is slower (× 2.78, × 1.82): the clock must not pass what the lanes reach (run.json technology.max_clock_mhz; 360 MHz for lstp at 45 nm, 0.9 V).", "lstp", 0, SR_HARDWARE},
    {"hardware.tile", SK_SECTION, NULL, 0, 0, NULL, "", "Every tile (one per layer): MAC lanes, registers, SRAM and feedback ROM.", NULL, 0, SR_HARDWARE},
    {"hardware.tile.dataflow", SK_ENUM, "output_stationary", 0, 0, "output_stationary|weight_stationary|fused", "", "How W and its gradient cross the SRAM port (docs/hardware-model.md). output_stationary: W is read for every sample. weight_stationary: blocks of W are held in the registers while every sample of the batch uses them, so W and the gradient accumulator cross the port once per batch, at the price of buffering the batch's inputs. fused: each rule's update folded into a pass over W the tile makes anyway — f3, drtp and llo update row j with the previous sample while computing the next one from it; bp updates W in its backprop pass (read once, δ from the old value, written back) — with batch_size 1 and sgd (not dfa).", "weight_stationary", 0, SR_HARDWARE},
    {"hardware.tile.mac_lanes", SK_INT, "16", 1, 65536, NULL, "lanes", "Parallel multiply-accumulate lanes P.", "64", 0, SR_HARDWARE},
    {"hardware.tile.step_latency_cycles", SK_INT, "4", 0, 1e6, NULL, "cycles", "Fixed pipeline latency added to every step of the tile cycle table.", "8", 0, SR_HARDWARE},
    {"hardware.tile.lane", SK_ENUM, "training", 0, 0, "training|mac", "", "What a lane's area and leakage describe. training: rtl_ref/'s training lane, the one the cycle tables assume (8 multipliers, 9 adders and, in fixed point, 6 requantisers, so that fused forward + update takes one cycle per weight). mac: an inference-only lane, one multiplier and one adder, for inference baselines; the timing is the same (docs/hardware-costs.md).", "mac", 0, SR_HARDWARE},
    {"hardware.tile.lane_leakage_uw", SK_AUTO_FLOAT, "auto", 0, 1e6, NULL, "µW", "Leakage power of one fp32 lane of the kind hardware.tile.lane says, for every cycle of the run (fixed-point and fp16/bf16 lanes scale it); auto: the 45 nm table, times the logic leakage of hardware.technology.cells (lstp, lop: CACTI's 45 nm devices against hp).", "15", 0, SR_HARDWARE},
    {"hardware.tile.lane_area_mm2", SK_AUTO_FLOAT, "auto", 0, 1e3, NULL, "mm²", "Area of one fp32 lane of the kind hardware.tile.lane says (training: 8 fp32 multipliers, 9 fp32 adders and 96 register bits; mac: one of each and the registers; fixed-point and fp16/bf16 lanes scale it); auto: the 45 nm table.", "0.01", 0, SR_HARDWARE},
    {"hardware.tile.registers", SK_SECTION, NULL, 0, 0, NULL, "", "The tile's registers and accumulator buffer beside the lanes; weight_stationary holds its blocks of W and their accumulator rows here.", NULL, 0, SR_HARDWARE},
    {"hardware.tile.registers.capacity_kib", SK_FLOAT, "128", 0.001, 1e9, NULL, "KiB", "Capacity (1 KiB = 1024 bytes). weight_stationary needs at least one row of W and its accumulator row (8 n_in bytes for a layer that trains).", "64", 0, SR_HARDWARE},
    {"hardware.tile.registers.kind", SK_ENUM, "flipflop", 0, 0, "flipflop|sram", "", "What the register file is built of, for its auto figures. flipflop: flip-flops (Aladdin's register bit: the same energy per byte, leakage and area per KiB at any size). sram: an SRAM register file, one bank per lane, each an array of capacity / lanes of hardware.technology.cells (table: hp) — CACTI 7.0's runs from 256 B (hp; lstp and lop from 4 KiB), about 11–17× smaller than flip-flops per KiB and 2–3.5× dearer per byte read at hp (docs/hardware-costs.md). Each tile takes the figures of its own banks (hardware.tiles.registers_capacity_kib over hardware.tiles.mac_lanes).", "sram", 0, SR_HARDWARE},
    {"hardware.tile.registers.pj_per_byte", SK_AUTO_FLOAT, "auto", 0, 1e6, NULL, "pJ/byte", "Energy per byte read or written; auto: the 45 nm table of the kind (flip-flops: Aladdin; sram: CACTI's write energy, the dearer of read and write).", "0.1", 0, SR_HARDWARE},
    {"hardware.tile.registers.leakage_uw_per_kib", SK_AUTO_FLOAT, "auto", 0, 1e6, NULL, "µW/KiB", "Leakage power per KiB; auto: the 45 nm table of the kind.", "5", 0, SR_HARDWARE},
    {"hardware.tile.registers.area_mm2_per_kib", SK_AUTO_FLOAT, "auto", 0, 1e3, NULL, "mm²/KiB", "Area per KiB; auto: the 45 nm table of the kind.", "0.02", 0, SR_HARDWARE},
    {"hardware.tile.sram", SK_SECTION, NULL, 0, 0, NULL, "", "The tile's SRAM. It holds, in this order, W (and b under weight_stationary; output_stationary and fused keep b in registers), the optimiser state, the gradient accumulator and the buffers (BP/DFA's stash, weight_stationary's batch); what does not fit lives in DRAM.", NULL, 0, SR_HARDWARE},
    {"hardware.tile.sram.capacity_kib", SK_FLOAT, "2048", 0.001, 1e9, NULL, "KiB", "Capacity (1 KiB = 1024 bytes).", "512", 0, SR_HARDWARE},
    {"hardware.tile.sram.macro_kib", SK_AUTO_FLOAT, "auto", 0.001, 1e9, NULL, "KiB", "The macro the SRAM (and an on-chip error store) is built from: every capacity must be a whole number of macros, a byte read or written costs what it costs in one macro, and leakage and area per KiB are the macro's (auto figures). auto: one array as large as the capacity (its figures at the capacity).", "64", 0, SR_HARDWARE},
    {"hardware.tile.sram.banks", SK_INT, "4", 1, 65536, NULL, "banks", "Banks, each with a port of its own: the SRAM moves banks × bytes_per_cycle bytes per cycle.", "8", 0, SR_HARDWARE},
    {"hardware.tile.sram.bytes_per_cycle", SK_FLOAT, "16", 0.001, 1e6, NULL, "bytes/cycle", "Read and write bandwidth of one bank (the default: 4 banks × 16 = 64 bytes per cycle).", "32", 0, SR_HARDWARE},
    {"hardware.tile.sram.read_pj_per_byte", SK_AUTO_FLOAT, "auto", 0, 1e6, NULL, "pJ/byte", "Energy per byte read; auto: from the capacity (the SRAM table, interpolated; Horowitz ISSCC 2014: 100 pJ per 64-bit read of a 1 MB SRAM, 20 pJ of 32 KB, 10 pJ of 8 KB). An on-chip error store's auto figure follows this one: set, it moves the store's table figure by the same factor (hardware.error_store).", "2.5", 0, SR_HARDWARE},
    {"hardware.tile.sram.write_pj_per_byte", SK_AUTO_FLOAT, "auto", 0, 1e6, NULL, "pJ/byte", "Energy per byte written; auto: from the capacity. An on-chip error store's auto figure follows this one (hardware.error_store).", "2.5", 0, SR_HARDWARE},
    {"hardware.tile.sram.transposed_read_factor", SK_FLOAT, "1.0", 1, 1e6, NULL, "", "Time and energy of BP's transposed read of W (for W_iᵀ δz_i) relative to a row read of the same bytes; 1: a transposable SRAM, as cheap as a row read.", "2", 0, SR_HARDWARE},
    {"hardware.tile.sram.leakage_uw_per_kib", SK_AUTO_FLOAT, "auto", 0, 1e6, NULL, "µW/KiB", "Leakage power per KiB of capacity, for every cycle; auto: from the capacity. An on-chip error store's auto figure follows this one (hardware.error_store).", "1.5", 0, SR_HARDWARE},
    {"hardware.tile.sram.area_mm2_per_kib", SK_AUTO_FLOAT, "auto", 0, 1e3, NULL, "mm²/KiB", "Area per KiB of capacity; auto: from the capacity. An on-chip error store's auto figure follows this one (hardware.error_store).", "0.003", 0, SR_HARDWARE},
    {"hardware.tile.rom", SK_SECTION, NULL, 0, 0, NULL, "", "The tile's feedback-matrix ROM (hidden tiles of f3, dfa, drtp), or with encoding seeded one LFSR per lane that regenerates B_i.", NULL, 0, SR_HARDWARE},
    {"hardware.tile.rom.encoding", SK_ENUM, "ternary2", 0, 0, "fp32|int8|ternary2|seeded", "", "How B_i is stored: 32-bit floats, 8-bit integers, 2 bits per {-1,0,1} entry (eq. 34), or regenerated from a seed by an LFSR per lane (no ROM: cycles and energy instead of storage).", "fp32", 0, SR_HARDWARE},
    {"hardware.tile.rom.bytes_per_cycle", SK_FLOAT, "16", 0.001, 1e6, NULL, "bytes/cycle", "Read bandwidth.", "8", 0, SR_HARDWARE},
    {"hardware.tile.rom.read_pj_per_byte", SK_AUTO_FLOAT, "auto", 0, 1e6, NULL, "pJ/byte", "Energy per byte read; auto: the 45 nm table (Horowitz ISSCC 2014: 10 pJ per 64-bit read of an 8 KB array), or with hardware.technology.cells hp, lstp or lop the read of the cells' 8 KiB CACTI macro.", "0.5", 0, SR_HARDWARE},
    {"hardware.tile.rom.leakage_uw_per_kib", SK_AUTO_FLOAT, "auto", 0, 1e6, NULL, "µW/KiB", "Leakage power per KiB of B_i at its encoding; auto: a third of the 8 KiB SRAM's of hardware.technology.cells (the capacity table's or CACTI's macro).", "0.1", 0, SR_HARDWARE},
    {"hardware.tile.rom.area_mm2_per_kib", SK_AUTO_FLOAT, "auto", 0, 1e3, NULL, "mm²/KiB", "Area per KiB of B_i at its encoding; auto: a third of the 8 KiB SRAM's of hardware.technology.cells (the capacity table's or CACTI's macro).", "0.001", 0, SR_HARDWARE},
    {"hardware.tile.rom.lfsr_cycles_per_value", SK_AUTO_FLOAT, "auto", 0, 1e6, NULL, "cycles", "seeded: cycles one lane's LFSR takes to regenerate an entry of B_i; auto: the 45 nm table.", "2", 0, SR_HARDWARE},
    {"hardware.tile.rom.lfsr_pj_per_value", SK_AUTO_FLOAT, "auto", 0, 1e6, NULL, "pJ", "seeded: energy per entry regenerated; auto: the 45 nm table.", "0.05", 0, SR_HARDWARE},
    {"hardware.tile.rom.lfsr_area_mm2", SK_AUTO_FLOAT, "auto", 0, 1e3, NULL, "mm²", "seeded: area of one lane's LFSR; auto: the 45 nm table.", "0.0005", 0, SR_HARDWARE},
    {"hardware.power_gating", SK_SECTION, NULL, 0, 0, NULL, "", "Power gating of the tiles' lanes while they wait (docs/hardware-model.md, Power gating).", NULL, 1, SR_HARDWARE},
    {"hardware.power_gating.enabled", SK_BOOL, "false", 0, 0, NULL, "", "true: a tile's lanes (and a seeded tile's LFSRs) are switched off while the tile waits for input or for downstream at least min_idle_cycles, and after its last step when that idle end is as long; its memories (SRAM, registers, ROM, per-sample flip-flops, error store) keep their state and leak as before. A wake-up delays the next step by wake_cycles and costs the lanes' leakage over breakeven_cycles.", "true", 0, SR_HARDWARE},
    {"hardware.power_gating.min_idle_cycles", SK_FLOAT, "20", 0, 1e12, NULL, "cycles", "The shortest wait the lanes are switched off for (the controller knows the schedule; a shorter wait keeps them on). By default the break-even time.", "100", 0, SR_HARDWARE},
    {"hardware.power_gating.wake_cycles", SK_FLOAT, "10", 0, 1e9, NULL, "cycles", "Cycles from switching the lanes back on to the next step (the rail settles); they count as waiting, and the lanes leak during them.", "4", 0, SR_HARDWARE},
    {"hardware.power_gating.breakeven_cycles", SK_FLOAT, "20", 0, 1e9, NULL, "cycles", "The energy of one switch-off and switch-on, as the lanes' leakage over this many cycles (Hu et al., ISLPED 2004's break-even formulation).", "50", 0, SR_HARDWARE},
    {"hardware.power_gating.sleep_leakage", SK_FLOAT, "0.05", 0, 1, NULL, "", "The fraction of the lanes' leakage that flows while they are switched off (through the sleep transistors).", "0.02", 0, SR_HARDWARE},
    {"hardware.pipeline", SK_SECTION, NULL, 0, 0, NULL, "", "How batches flow through the chain of tiles.", NULL, 1, SR_HARDWARE},
    {"hardware.tile.ws_loop", SK_ENUM, "rows", 0, 0, "rows|samples", "", "weight_stationary only: the innermost loop while a block of rows is held. rows: one sample at a time walks the held rows, so every MAC reads its weight (forward, backprop) or reads and writes its gradient (gradient step) in the register file. samples: a lane keeps one weight (or one gradient sum) while the micro-batch's samples pass, with one accumulator and one δz per sample in flip-flops beside it, so the register file is read once per weight and pass and the gradient written once; the per-sample flip-flops (lanes × samples × (activation + error bytes)) add area and leakage, and each MAC reads and writes them at the flip-flop figure (docs/hardware-model.md).", "samples", 0, SR_HARDWARE},
    {"hardware.pipeline.micro_batch", SK_INT, "0", 0, 100000, NULL, "samples", "weight_stationary only: samples per micro-batch; 0 takes the whole batch at once. A tile walks W once per micro-batch and passes it on as soon as it is through, so the tiles of the chain work on different micro-batches at once (GPipe): BP's forward and backward waves overlap instead of taking 2K tile passes per batch. The gradient accumulates over the batch in SRAM and the update is applied once per batch, so the numbers trained do not change; W crosses the SRAM port once per micro-batch instead of once per batch.", "10", 0, SR_HARDWARE},
    {"hardware.mapping", SK_SECTION, NULL, 0, 0, NULL, "", "How the network's layers map onto tiles (docs/hardware-model.md, Mapping). Absent: one tile per layer.", NULL, 1, SR_HARDWARE},
    {"hardware.mapping.layers_per_tile", SK_INT_LIST, "[]", 1, 256, NULL, "layers", "Consecutive layers on each tile, from the input; they must add up to the network's layers (hidden and output). A tile runs its layers' steps one after another on its lanes and keeps all their weights in its SRAM. [] puts one layer on each tile; [3] a 3-layer network on one tile (the layer-sequential chip); [1, 2] the first layer on one tile and the next two on another.", "[1, 2]", 0, SR_HARDWARE},
    {"hardware.mapping.split", SK_INT_LIST, "[]", 1, 64, NULL, "tiles", "Tiles each layer is split over by output rows, one entry per layer (hidden and output; the output layer's must be 1: the loss needs all of y on one tile). Part q of k holds rows of W_i, b_i and B_i (n_out/k each, one more for the first n_out mod k parts) on a tile of its own; the input is broadcast to the parts and their outputs concatenated; BP's δh_{i−1} is the sum of the parts' partial sums, which cross the backward link (k·n_in values per sample). hardware.tiles lists then have one entry per tile (the sum of the entries). Cannot be combined with layers_per_tile, nor given for a network of blocks (network.type vit or blocks: a block is costed on one tile). [] splits nothing.", "[2, 1, 1]", 0, SR_HARDWARE},
    {"hardware.mapping.auto", SK_ENUM, "none", 0, 0, "none|energy|throughput", "", "Let f3sim choose each learning rule's chip within comparison.budget (exactly one budget): the mapping, dataflow, micro-batches, per-tile lanes, SRAM and registers and F3's error-store placement that f3sim compare finds with the least energy per sample (energy) or the most samples per second (throughput). A network of blocks (network.type vit or blocks) is searched over its contiguous mappings (consecutive blocks per tile; a block is not split). The choice is printed and written to run.json (hardware.mapping). none: the chip the scenario gives; layers_per_tile, split and hardware.tiles cannot be given with it.", "energy", 0, SR_HARDWARE},
    {"hardware.tiles", SK_SECTION, NULL, 0, 0, NULL, "", "Per-tile figures, one list entry per tile in order (as many as the mapping has tiles); a list left [] gives every tile hardware.tile's value. A tile's SRAM energy, leakage and area follow its own capacity unless hardware.tile.sram fixes them.", NULL, 1, SR_HARDWARE},
    {"hardware.tiles.mac_lanes", SK_INT_LIST, "[]", 1, 65536, NULL, "lanes", "MAC lanes of each tile.", "[64, 16]", 0, SR_HARDWARE},
    {"hardware.tiles.sram_capacity_kib", SK_INT_LIST, "[]", 1, 1e9, NULL, "KiB", "SRAM capacity of each tile.", "[2048, 64]", 0, SR_HARDWARE},
    {"hardware.tiles.sram_banks", SK_INT_LIST, "[]", 1, 65536, NULL, "banks", "SRAM banks of each tile (each hardware.tile.sram.bytes_per_cycle wide).", "[16, 4]", 0, SR_HARDWARE},
    {"hardware.tiles.registers_capacity_kib", SK_INT_LIST, "[]", 1, 1e9, NULL, "KiB", "Register capacity of each tile.", "[256, 16]", 0, SR_HARDWARE},
    {"hardware.dram", SK_SECTION, NULL, 0, 0, NULL, "", "Off-chip DRAM (always present), shared by every tile for what does not fit its SRAM, and by an error store placed there.", NULL, 0, SR_HARDWARE},
    {"hardware.dram.bytes_per_cycle", SK_FLOAT, "16", 0.001, 1e6, NULL, "bytes/cycle", "Bandwidth at the chip's clock, shared by all tiles and the error store.", "8", 0, SR_HARDWARE},
    {"hardware.dram.latency_cycles", SK_INT, "100", 0, 1e6, NULL, "cycles", "Latency of one access.", "200", 0, SR_HARDWARE},
    {"hardware.dram.standard", SK_ENUM, "custom", 0, 0, "custom|ddr4|lpddr4|hbm2", "", "The DRAM whose figures auto takes (docs/hardware-costs.md, DRAM by standard). custom: Horowitz ISSCC 2014's 1.3 nJ per 64 bits, no background power. ddr4: DDR4-2400 (gem5's Micron MT40A1G8 currents), 5.75 pJ/bit (device, row hit, no I/O), standby + refresh 51.9 mW a device. lpddr4: LPDDR4-3200 (DRAMPower's Micron memspec), 8.5 pJ/bit with I/O, 39.8 mW. hbm2: 3.9 pJ/bit (Accelergy's table), background not found (0). Off chip: hardware.technology does not move these.", "lpddr4", 0, SR_HARDWARE},
    {"hardware.dram.pj_per_byte", SK_AUTO_FLOAT, "auto", 0, 1e6, NULL, "pJ/byte", "Energy per byte read or written; auto: the standard's (custom: Horowitz ISSCC 2014, 1.3 nJ per 64 bits).", "160", 0, SR_HARDWARE},
    {"hardware.dram.background_mw", SK_AUTO_FLOAT, "auto", 0, 1e6, NULL, "mW", "Standby and refresh power of the DRAM, for every cycle of the run, counted in the run's DRAM energy (not a tile's); auto: one device of the standard (custom and hbm2: 0).", "40", 0, SR_HARDWARE},
    {"hardware.links", SK_SECTION, NULL, 0, 0, NULL, "", "The fabric between tiles. A link kind that is absent does not exist: bp needs backward, dfa needs broadcast.", NULL, 0, SR_HARDWARE},
    {"hardware.links.forward", SK_SECTION, NULL, 0, 0, NULL, "", "Tile i to tile i+1 (always present).", NULL, 0, SR_HARDWARE},
    {"hardware.links.forward.bytes_per_cycle", SK_FLOAT, "16", 0.001, 1e6, NULL, "bytes/cycle", "Width.", "32", 0, SR_HARDWARE},
    {"hardware.links.forward.latency_cycles", SK_INT, "2", 0, 1e6, NULL, "cycles", "Latency of one transfer.", "4", 0, SR_HARDWARE},
    {"hardware.links.forward.pj_per_byte", SK_FLOAT, "0.5", 0, 1e6, NULL, "pJ/byte", "Energy per byte moved.", "1.0", 0, SR_HARDWARE},
    {"hardware.links.backward", SK_SECTION, NULL, 0, 0, NULL, "", "Tile i+1 to tile i, for backpropagation's δ. Absent: a forward-only fabric.", NULL, 1, SR_HARDWARE},
    {"hardware.links.backward.bytes_per_cycle", SK_FLOAT, "16", 0.001, 1e6, NULL, "bytes/cycle", "Width.", "32", 0, SR_HARDWARE},
    {"hardware.links.backward.latency_cycles", SK_INT, "2", 0, 1e6, NULL, "cycles", "Latency of one transfer.", "4", 0, SR_HARDWARE},
    {"hardware.links.backward.pj_per_byte", SK_FLOAT, "0.5", 0, 1e6, NULL, "pJ/byte", "Energy per byte moved.", "1.0", 0, SR_HARDWARE},
    {"hardware.links.broadcast", SK_SECTION, NULL, 0, 0, NULL, "", "Output tile to every hidden tile, for DFA's current error. Absent: none.", NULL, 1, SR_HARDWARE},
    {"hardware.links.broadcast.bytes_per_cycle", SK_FLOAT, "16", 0.001, 1e6, NULL, "bytes/cycle", "Width.", "32", 0, SR_HARDWARE},
    {"hardware.links.broadcast.latency_cycles", SK_INT, "4", 0, 1e6, NULL, "cycles", "Latency of one transfer.", "8", 0, SR_HARDWARE},
    {"hardware.links.broadcast.pj_per_byte", SK_FLOAT, "1.0", 0, 1e6, NULL, "pJ/byte", "Energy per byte moved.", "2.0", 0, SR_HARDWARE},
    {"hardware.error_store", SK_SECTION, NULL, 0, 0, NULL, "", "F3's store of C values per training sample (one with one-hot error information), written by the output tile and read by the input streamer one epoch later. Each value takes the bits of numerics.error_store.format (fp32: 4 bytes, fp16: 2, q1.7: 1).", NULL, 0, SR_HARDWARE},
    {"hardware.error_store.placement", SK_ENUM, "on_chip", 0, 0, "on_chip|dram", "", "on_chip: an SRAM of its own, sized for the training set; dram: in the shared DRAM, at its bandwidth and energy.", "dram", 0, SR_HARDWARE},
    {"hardware.error_store.bytes_per_cycle", SK_FLOAT, "8", 0.001, 1e6, NULL, "bytes/cycle", "Bandwidth of the store's port (on_chip; in DRAM the DRAM's bandwidth applies).", "16", 0, SR_HARDWARE},
    {"hardware.error_store.latency_cycles", SK_INT, "2", 0, 1e6, NULL, "cycles", "Latency of one access (on_chip; in DRAM the DRAM's latency applies).", "4", 0, SR_HARDWARE},
    {"hardware.error_store.read_pj_per_byte", SK_AUTO_FLOAT, "auto", 0, 1e6, NULL, "pJ/byte", "Energy per byte read; auto: on_chip, the SRAM table at the store's capacity (training samples × values per sample × bytes per value), times hardware.tile.sram.read_pj_per_byte over the table's figure at the tile SRAM's capacity (1 when that is auto: the store is SRAM of the same kind, so setting the tile SRAM's figure moves the store's by the same factor; this key, set, wins); dram, the DRAM's pj_per_byte.", "162.5", 0, SR_HARDWARE},
    {"hardware.error_store.write_pj_per_byte", SK_AUTO_FLOAT, "auto", 0, 1e6, NULL, "pJ/byte", "Energy per byte written; auto: as read_pj_per_byte, following hardware.tile.sram.write_pj_per_byte.", "162.5", 0, SR_HARDWARE},
    {"hardware.error_store.leakage_uw_per_kib", SK_AUTO_FLOAT, "auto", 0, 1e6, NULL, "µW/KiB", "Leakage power per KiB of the store; auto: on_chip, the SRAM table at the store's capacity, times hardware.tile.sram.leakage_uw_per_kib over the table's figure at the tile SRAM's capacity (as read_pj_per_byte: low-leakage tile SRAM makes a low-leakage store); dram, 0 (the DRAM is off chip).", "1.5", 0, SR_HARDWARE},
    {"hardware.error_store.area_mm2_per_kib", SK_AUTO_FLOAT, "auto", 0, 1e3, NULL, "mm²/KiB", "Area per KiB of the store; auto: on_chip, the SRAM table at the store's capacity, times hardware.tile.sram.area_mm2_per_kib over the table's figure at the tile SRAM's capacity (as read_pj_per_byte); dram, 0.", "0.003", 0, SR_HARDWARE},
    {"hardware.energy", SK_SECTION, NULL, 0, 0, NULL, "", "Energy of arithmetic.", NULL, 0, SR_HARDWARE},
    {"hardware.energy.table", SK_ENUM, "horowitz45", 0, 0, "horowitz45|custom", "", "horowitz45: the 45 nm table (Horowitz, ISSCC 2014: fp32 add 0.9 pJ, multiply 3.7 pJ; int8 add 0.03, multiply 0.2; int32 add 0.1, multiply 3.1). custom: the values below.", "custom", 0, SR_HARDWARE},
    {"hardware.energy.fma_pj", SK_FLOAT, "4.6", 0, 1e6, NULL, "pJ", "Energy of one fp32 FMA (horowitz45: multiply 3.7 + add 0.9); used with table: custom.", "1.2", 0, SR_HARDWARE},
    {"hardware.energy.add_pj", SK_FLOAT, "0.9", 0, 1e6, NULL, "pJ", "Energy of one fp32 addition (a ternary feedback matrix turns Bᵀe into additions; horowitz45: 0.9); used with table: custom.", "0.4", 0, SR_HARDWARE},
    {"hardware.energy.mul_pj", SK_FLOAT, "3.7", 0, 1e6, NULL, "pJ", "Energy of one fp32 multiplication (horowitz45: 3.7); used with table: custom.", "1.0", 0, SR_HARDWARE},
    {"hardware.energy.elementwise_pj", SK_FLOAT, "0.9", 0, 1e6, NULL, "pJ", "Energy of one other element-wise fp32 operation (horowitz45: an add, 0.9); used with table: custom.", "0.5", 0, SR_HARDWARE},

    {"comparison", SK_SECTION, NULL, 0, 0, NULL, "", "What f3sim compare searches under (docs/hardware-model.md, \"Comparison at an equal budget\"): every learning rule of training.compare gets its own best chip within the budget, on the analytic evaluator. Absent: f3sim compare needs --budget. f3sim run ignores it.", NULL, 1, SR_HARDWARE},
    {"comparison.budget", SK_SECTION, NULL, 0, 0, NULL, "", "The budget; each figure set above 0 is one budget with its own verdict (--budget replaces them all).", NULL, 0, SR_HARDWARE},
    {"comparison.budget.area_mm2", SK_FLOAT, "0", 0, 1e9, NULL, "mm²", "Chip area: the tiles (lanes, registers, SRAM, ROM) and an on-chip error store, as the result's area_mm2. 0: no area budget.", "60", 0, SR_HARDWARE},
    {"comparison.budget.power_mw", SK_FLOAT, "0", 0, 1e9, NULL, "mW", "Average power: the run's energy (dynamic and leakage, DRAM included) over its time. 0: no power budget.", "500", 0, SR_HARDWARE},
    {"comparison.budget.lanes", SK_INT, "0", 0, 1e7, NULL, "lanes", "MAC lanes summed over the tiles. 0: no lane budget.", "256", 0, SR_HARDWARE},
    {"comparison.macro_kib", SK_INT, "64", 1, 1048576, NULL, "KiB", "SRAM macro of the search: every tile's SRAM is a whole number of macros of this size. Not given: hardware.tile.sram.macro_kib when the chip is built from macros, else 64. The figures of each searched SRAM are those of hardware.tile.sram (its cells, and its macro when it has one).", "32", 0, SR_HARDWARE},

    {"outputs", SK_SECTION, NULL, 0, 0, NULL, "", "Where results go.", NULL, 0, SR_OUTPUT},
    {"outputs.folder", SK_STRING, "results", 0, 0, NULL, "path", "Results go to <folder>/<name>/.", "out", 0, SR_OUTPUT},
    {"outputs.formats", SK_ENUM_LIST, "[json, csv]", 0, 0, "json|csv", "", "Result files of each rule: json (<rule>/run.json), csv (<rule>/epochs.csv); compare.csv, sweep.csv and, with a chip, tiles.csv, bounds.csv and levels.csv are written either way (explore writes its own tables instead). At least one.", "[json]", 0, SR_OUTPUT},
    {"outputs.checkpoint_every", SK_INT, "0", 0, 100000, NULL, "epochs", "Write <rule>/checkpoint.npz (the weights, feedback matrices, Adam moments and error store as NumPy arrays) and <rule>/checkpoint.json (epoch, optimiser steps, ledger, stochastic-rounding streams, rows so far) after every N-th epoch and the last; f3sim run --resume continues from them. 0: no checkpoints. Not with a hardware section (the chip's timing state is not saved; under --resume an unfinished chip rule runs again).", "1", 0, SR_OUTPUT},
    {"outputs.explore_table", SK_ENUM, "full", 0, 0, "full|front", "", "What f3sim explore writes beside pareto.csv: full, explore.csv with a row for every point (about 0.3 KB a point); front, no explore.csv (an earlier run's is removed): only pareto.csv and the summary on stdout, for a design space too large to list. Other commands ignore it.", "front", 0, SR_OUTPUT},
    {"outputs.trace", SK_BOOL, "false", 0, 0, NULL, "", "Write a VCD trace of the chip (with a hardware section).", "true", 0, SR_OUTPUT},
    {"outputs.slurm", SK_SECTION, NULL, 0, 0, NULL, "", "What f3sim sweep --emit slurm writes into the job script (sweep.slurm); empty strings leave a setting to the cluster's defaults.", NULL, 0, SR_OUTPUT},
    {"outputs.slurm.time", SK_STRING, "\"\"", 0, 0, NULL, "", "Time limit of each task (sbatch --time): minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS.", "\"02:00:00\"", 0, SR_OUTPUT},
    {"outputs.slurm.mem", SK_STRING, "\"\"", 0, 0, NULL, "", "Memory of each task (sbatch --mem): a number with an optional unit K, M, G or T.", "4G", 0, SR_OUTPUT},
    {"outputs.slurm.partition", SK_STRING, "\"\"", 0, 0, NULL, "", "Partition (sbatch --partition; a comma list allowed).", "batch", 0, SR_OUTPUT},
    {"outputs.slurm.account", SK_STRING, "\"\"", 0, 0, NULL, "", "Account charged (sbatch --account).", "proj42", 0, SR_OUTPUT},
    {"outputs.slurm.setup", SK_STRING, "\"\"", 0, 0, NULL, "", "One shell line run before f3sim in every job, e.g. module load or activating an environment (it is written as given: it is your own command).", "\"module load gsl openblas\"", 0, SR_OUTPUT},
    {"outputs.slurm.max_array_size", SK_INT, "1001", 1, 4000001, NULL, "tasks", "The cluster's MaxArraySize (slurm.conf): a job array holds at most this many tasks, so larger sweeps are submitted as several arrays (and the smaller of this and the cluster's own is used when scontrol can tell it).", "10001", 0, SR_OUTPUT},
};

const char *const sc_role_names[3] = {"numerics", "hardware", "output"};

const sc_entry *sc_schema(void) { return SCHEMA; }
size_t sc_schema_count(void) { return sizeof SCHEMA / sizeof SCHEMA[0]; }

/* Lookups are hot (explore resolves a chip per design point, and every
 * scenario_num names its key): an open-addressing hash table of the paths,
 * filled once, then per lookup a hash of the path's length and three of
 * its 8-byte words (its start, middle and end: paths share prefixes and
 * suffixes, rarely all three and the length) and, nearly always, one
 * comparison.  pthread_once makes the first lookup safe from any thread. */
#define SCHEMA_SLOTS 1024 /* a power of two, over twice the keys */
static short slot_key[SCHEMA_SLOTS]; /* a key's index, or -1 */
static size_t path_len[sizeof SCHEMA / sizeof SCHEMA[0]];
static pthread_once_t slots_once = PTHREAD_ONCE_INIT;

static uint64_t word_at(const char *p, size_t n, size_t at)
{
    uint64_t w = 0;
    memcpy(&w, p + at, n - at < 8 ? n - at : 8);
    return w;
}

static uint32_t path_hash(const char *p, size_t n)
{
    uint64_t h = (uint64_t)n * 0x9E3779B97F4A7C15ull;
    if (n) {
        h = (h ^ word_at(p, n, 0)) * 0xBF58476D1CE4E5B9ull;
        h = (h ^ word_at(p, n, n / 2)) * 0x94D049BB133111EBull;
        h = (h ^ word_at(p, n, n > 8 ? n - 8 : 0)) * 0x9E3779B97F4A7C15ull;
    }
    return (uint32_t)(h >> 32);
}

static void fill_slots(void)
{
    for (size_t i = 0; i < SCHEMA_SLOTS; i++) slot_key[i] = -1;
    for (size_t i = 0; i < sc_schema_count(); i++) {
        path_len[i] = strlen(SCHEMA[i].path);
        uint32_t h = path_hash(SCHEMA[i].path, path_len[i]) & (SCHEMA_SLOTS - 1);
        while (slot_key[h] >= 0) h = (h + 1) & (SCHEMA_SLOTS - 1);
        slot_key[h] = (short)i;
    }
}

static int find_by_hash(const char *path)
{
    const size_t n = strlen(path);
    for (uint32_t h = path_hash(path, n) & (SCHEMA_SLOTS - 1);; h = (h + 1) & (SCHEMA_SLOTS - 1)) {
        const int k = slot_key[h];
        if (k < 0) return -1;
        if (path_len[k] == n && !memcmp(SCHEMA[k].path, path, n)) return k;
    }
}

/* Most lookups name their key with a string literal, the same pointer each
 * time: a small per-thread memo of pointer → key answers those with one
 * strcmp, which checks the text (a pointer to a buffer may hold another
 * path the next time). */
#define MEMO_SLOTS 256
static _Thread_local struct {
    const char *path;
    int key;
} memo[MEMO_SLOTS];

int sc_schema_find(const char *path)
{
    _Static_assert(2 * sizeof SCHEMA / sizeof SCHEMA[0] <= SCHEMA_SLOTS, "SCHEMA_SLOTS: at least twice the keys");
    pthread_once(&slots_once, fill_slots);
    const size_t m = ((uintptr_t)path >> 3 ^ (uintptr_t)path >> 11) & (MEMO_SLOTS - 1);
    if (memo[m].path == path && !strcmp(SCHEMA[memo[m].key].path, path)) return memo[m].key;
    const int k = find_by_hash(path);
    if (k >= 0) {
        memo[m].path = path;
        memo[m].key = k;
    }
    return k;
}
