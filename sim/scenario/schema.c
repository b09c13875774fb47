/* schema.c — every scenario key: type, unit, default, range, meaning.
 * docs/scenarios.md is generated from this table (f3sim keys --markdown). */
#include <string.h>

#include "scenario.h"

#define BIG 1e300
#define ALGOS "bp|f3|dfa|drtp|llo|f3-error|f3-loss"
#define ACTS "tanh|sigmoid|relu|identity"

static const sc_entry SCHEMA[] = {
    {"name", SK_STRING, NULL, 0, 0, NULL, "", "Name of the scenario; results go to <outputs.folder>/<name>/. Default: the file name without .yaml.", "mnist-f3-vs-bp", 1},
    {"description", SK_STRING, "\"\"", 0, 0, NULL, "", "Free text, copied into run.json.", "\"F3 against BP on MNIST\"", 0},

    {"network", SK_SECTION, NULL, 0, 0, NULL, "", "The fully connected network.", NULL, 0},
    {"network.input", SK_AUTO_INT, "auto", 1, 1e7, NULL, "features", "Input width n_0; auto takes it from the data set, a number must match it.", "784", 0},
    {"network.hidden", SK_INT_LIST, "[500]", 1, 1e6, NULL, "neurons", "Widths of the hidden layers n_1 … n_{K-1}; [] for none.", "[500, 500]", 0},
    {"network.output", SK_AUTO_INT, "auto", 1, 1e6, NULL, "outputs", "Output width C; auto takes it from the data set (classes or targets), a number must match it.", "10", 0},
    {"network.activation", SK_ENUM, "tanh", 0, 0, ACTS, "", "Activation of the hidden layers (the paper: tanh).", "tanh", 0},
    {"network.output_activation", SK_ENUM, "auto", 0, 0, "auto|" ACTS, "", "Activation of the output layer; auto: sigmoid for classification (BCE), identity for regression (MSE).", "sigmoid", 0},
    {"network.bias", SK_BOOL, "true", 0, 0, NULL, "", "Whether layers have biases.", "true", 0},

    {"dataset", SK_SECTION, NULL, 0, 0, NULL, "", "The data to train and test on.", NULL, 0},
    {"dataset.name", SK_ENUM, "mnist", 0, 0, "mnist|fashion-mnist|census|wine|cifar10|csv", "", "Which data set; see docs/architecture.md for the files each one reads.", "census", 0},
    {"dataset.data_dir", SK_STRING, "data", 0, 0, NULL, "path", "Folder holding the data sets (relative to the working directory).", "/data/sets", 0},
    {"dataset.path", SK_STRING, "\"\"", 0, 0, NULL, "path", "The data set's own folder (csv: the training file), overriding data_dir.", "/data/mnist", 0},
    {"dataset.test_path", SK_STRING, "\"\"", 0, 0, NULL, "path", "csv only: the test file.", "test.csv", 0},
    {"dataset.label_column", SK_INT, "-1", -1e6, 1e6, NULL, "column", "csv only: column of the target; negative counts from the end.", "0", 0},
    {"dataset.classes", SK_INT, "0", 0, 1e6, NULL, "classes", "csv only: number of classes; 0 makes it a regression data set.", "3", 0},
    {"dataset.train_limit", SK_INT, "0", 0, 1e9, NULL, "samples", "Use only the first N training samples; 0: all.", "10000", 0},
    {"dataset.test_limit", SK_INT, "0", 0, 1e9, NULL, "samples", "Use only the first N test samples; 0: all.", "2000", 0},
    {"dataset.test_fraction", SK_FLOAT, "0.2", 0, 0.99, NULL, "fraction", "wine only: share of the rows held out for testing (split by training.seed).", "0.25", 0},

    {"dataset.standardize", SK_BOOL, "true", 0, 0, NULL, "", "true: the data set's standard preprocessing (MNIST and Fashion-MNIST: x/255, mean 0.1307, std 0.3081 as the paper's code; CIFAR-10: per-channel mean and std; Wine: the training split's mean and std); false: the raw feature values (bytes 0-255 for images). Census Income and csv files are never standardised.", "false", 0},

    {"training", SK_SECTION, NULL, 0, 0, NULL, "", "The learning rule and its recipe.", NULL, 0},
    {"training.algorithm", SK_ENUM, "f3", 0, 0, ALGOS, "", "The learning rule when compare is not given. f3-error and f3-loss are f3 with delayed_error(_one_hot) and delayed_loss(_one_hot).", "bp", 0},
    {"training.compare", SK_ENUM_LIST, "[]", 0, 0, ALGOS, "", "Learning rules to run side by side on the same data with the same initial weights; replaces algorithm.", "[bp, f3, dfa, drtp, llo]", 0},
    {"training.error_info", SK_ENUM, "auto", 0, 0, "auto|delayed_error|delayed_error_one_hot|delayed_error_softmax|delayed_loss|delayed_loss_one_hot|delayed_loss_softmax", "", "F3's error information (§3.4); auto: delayed_error_one_hot for classification, delayed_error for regression.", "delayed_loss_one_hot", 0},
    {"training.e0", SK_ENUM, "targets", 0, 0, "targets|inference", "", "F3's error information before the first epoch: the targets, or an inference-only epoch 0.", "inference", 0},
    {"training.feedback_init", SK_ENUM, "trinomial", 0, 0, "kaiming_uniform|trinomial|binomial|pm_identity", "", "Initialisation of the fixed feedback matrices B_i (§4.5).", "kaiming_uniform", 0},
    {"training.loss", SK_ENUM, "auto", 0, 0, "auto|bce|mse|softmax_ce", "", "Training loss; auto: bce for classification, mse for regression.", "softmax_ce", 0},
    {"training.optimizer", SK_ENUM, "adam", 0, 0, "adam|sgd", "", "Optimiser (Adam with β1 0.9, β2 0.999, ε 1e-8 unless set).", "sgd", 0},
    {"training.lr", SK_FLOAT, "1e-3", 1e-12, 10, NULL, "", "Learning rate.", "1e-4", 0},
    {"training.beta1", SK_FLOAT, "0.9", 0, 0.999999, NULL, "", "Adam's β1.", "0.9", 0},
    {"training.beta2", SK_FLOAT, "0.999", 0, 0.999999999, NULL, "", "Adam's β2.", "0.999", 0},
    {"training.eps", SK_FLOAT, "1e-8", 1e-30, 1, NULL, "", "Adam's ε.", "1e-8", 0},
    {"training.epochs", SK_INT, "3", 1, 100000, NULL, "epochs", "Passes over the training set.", "100", 0},
    {"training.batch_size", SK_INT, "50", 1, 100000, NULL, "samples", "Samples per training step.", "100", 0},
    {"training.seed", SK_INT, "1", 0, 4294967295.0, NULL, "", "One seed, one result, bit for bit: weights, feedback matrices, sample order, wine split.", "7", 0},
    {"training.threads", SK_INT, "0", 0, 256, NULL, "threads", "BLAS threads; 0: the BLAS default (one per core). Results are bit-identical for one thread count.", "1", 0},

    {"hardware", SK_SECTION, NULL, 0, 0, NULL, "", "The chip to run on: one tile per layer on a forward-only bus (see docs/hardware-model.md). Absent: no chip model.", NULL, 1},
    {"hardware.clock_mhz", SK_FLOAT, "1000", 1e-3, 1e6, NULL, "MHz", "Clock of the tiles and links.", "500", 0},
    {"hardware.strict", SK_BOOL, "false", 0, 0, NULL, "", "true: reject a chip whose tile SRAM cannot hold its layer's weights and state; false: report the shortfall.", "true", 0},
    {"hardware.tile", SK_SECTION, NULL, 0, 0, NULL, "", "Every tile (one per layer).", NULL, 0},
    {"hardware.tile.mac_lanes", SK_INT, "16", 1, 65536, NULL, "lanes", "Parallel multiply-accumulate lanes P (output-stationary).", "64", 0},
    {"hardware.tile.step_latency_cycles", SK_INT, "4", 0, 1e6, NULL, "cycles", "Fixed pipeline latency added to every step of the tile cycle table.", "8", 0},
    {"hardware.tile.sram", SK_SECTION, NULL, 0, 0, NULL, "", "The tile's weight SRAM.", NULL, 0},
    {"hardware.tile.sram.capacity_kib", SK_FLOAT, "2048", 0.001, 1e9, NULL, "KiB", "Capacity (1 KiB = 1024 bytes).", "512", 0},
    {"hardware.tile.sram.bytes_per_cycle", SK_FLOAT, "64", 0.001, 1e6, NULL, "bytes/cycle", "Read and write bandwidth.", "32", 0},
    {"hardware.tile.sram.read_pj_per_byte", SK_FLOAT, "12.5", 0, 1e6, NULL, "pJ/byte", "Energy per byte read (default: 100 pJ per 64-bit read of a 1 MB SRAM, Horowitz ISSCC 2014; 32 KB: 2.5, 8 KB: 1.25).", "2.5", 0},
    {"hardware.tile.sram.write_pj_per_byte", SK_FLOAT, "12.5", 0, 1e6, NULL, "pJ/byte", "Energy per byte written (taken equal to a read).", "2.5", 0},
    {"hardware.tile.rom", SK_SECTION, NULL, 0, 0, NULL, "", "The tile's feedback-matrix ROM (hidden tiles of f3, dfa, drtp).", NULL, 0},
    {"hardware.tile.rom.encoding", SK_ENUM, "ternary2", 0, 0, "fp32|int8|ternary2|seeded", "", "How B_i is stored: 32-bit floats, 8-bit integers, 2 bits per {-1,0,1} entry (eq. 34), or regenerated from a seed by an on-tile PRNG (no ROM).", "fp32", 0},
    {"hardware.tile.rom.bytes_per_cycle", SK_FLOAT, "16", 0.001, 1e6, NULL, "bytes/cycle", "Read bandwidth.", "8", 0},
    {"hardware.tile.rom.read_pj_per_byte", SK_FLOAT, "1.25", 0, 1e6, NULL, "pJ/byte", "Energy per byte read (default: 10 pJ per 64-bit read of an 8 KB array, Horowitz ISSCC 2014).", "0.5", 0},
    {"hardware.links", SK_SECTION, NULL, 0, 0, NULL, "", "The fabric between tiles. A link kind that is absent does not exist: bp needs backward, dfa needs broadcast.", NULL, 0},
    {"hardware.links.forward", SK_SECTION, NULL, 0, 0, NULL, "", "Tile i to tile i+1 (always present).", NULL, 0},
    {"hardware.links.forward.bytes_per_cycle", SK_FLOAT, "16", 0.001, 1e6, NULL, "bytes/cycle", "Width.", "32", 0},
    {"hardware.links.forward.latency_cycles", SK_INT, "2", 0, 1e6, NULL, "cycles", "Latency of one transfer.", "4", 0},
    {"hardware.links.forward.pj_per_byte", SK_FLOAT, "0.5", 0, 1e6, NULL, "pJ/byte", "Energy per byte moved.", "1.0", 0},
    {"hardware.links.backward", SK_SECTION, NULL, 0, 0, NULL, "", "Tile i+1 to tile i, for backpropagation's δ. Absent: a forward-only fabric.", NULL, 1},
    {"hardware.links.backward.bytes_per_cycle", SK_FLOAT, "16", 0.001, 1e6, NULL, "bytes/cycle", "Width.", "32", 0},
    {"hardware.links.backward.latency_cycles", SK_INT, "2", 0, 1e6, NULL, "cycles", "Latency of one transfer.", "4", 0},
    {"hardware.links.backward.pj_per_byte", SK_FLOAT, "0.5", 0, 1e6, NULL, "pJ/byte", "Energy per byte moved.", "1.0", 0},
    {"hardware.links.broadcast", SK_SECTION, NULL, 0, 0, NULL, "", "Output tile to every hidden tile, for DFA's current error. Absent: none.", NULL, 1},
    {"hardware.links.broadcast.bytes_per_cycle", SK_FLOAT, "16", 0.001, 1e6, NULL, "bytes/cycle", "Width.", "32", 0},
    {"hardware.links.broadcast.latency_cycles", SK_INT, "4", 0, 1e6, NULL, "cycles", "Latency of one transfer.", "8", 0},
    {"hardware.links.broadcast.pj_per_byte", SK_FLOAT, "1.0", 0, 1e6, NULL, "pJ/byte", "Energy per byte moved.", "2.0", 0},
    {"hardware.error_store", SK_SECTION, NULL, 0, 0, NULL, "", "F3's store of C values per training sample.", NULL, 0},
    {"hardware.error_store.precision", SK_ENUM, "fp32", 0, 0, "fp32|fp16|int8", "", "Storage precision of each value.", "fp16", 0},
    {"hardware.error_store.read_pj_per_byte", SK_FLOAT, "12.5", 0, 1e6, NULL, "pJ/byte", "Energy per byte read (default: an on-chip 1 MB SRAM, 100 pJ per 64-bit read, Horowitz ISSCC 2014; off-chip DRAM would be 1.3–2.6 nJ per 64 bits, 162.5–325 pJ/byte).", "162.5", 0},
    {"hardware.error_store.write_pj_per_byte", SK_FLOAT, "12.5", 0, 1e6, NULL, "pJ/byte", "Energy per byte written.", "162.5", 0},
    {"hardware.energy", SK_SECTION, NULL, 0, 0, NULL, "", "Energy of arithmetic.", NULL, 0},
    {"hardware.energy.table", SK_ENUM, "horowitz45", 0, 0, "horowitz45|custom", "", "horowitz45: Horowitz, ISSCC 2014, 45 nm (fp32 add 0.9 pJ, multiply 3.7 pJ; int8 add 0.03, multiply 0.2; int32 add 0.1, multiply 3.1). custom: the values below.", "custom", 0},
    {"hardware.energy.fma_pj", SK_FLOAT, "4.6", 0, 1e6, NULL, "pJ", "Energy of one fp32 FMA (horowitz45: multiply 3.7 + add 0.9); used with table: custom.", "1.2", 0},
    {"hardware.energy.elementwise_pj", SK_FLOAT, "0.9", 0, 1e6, NULL, "pJ", "Energy of one other element-wise fp32 operation (horowitz45: an add, 0.9); used with table: custom.", "0.5", 0},

    {"outputs", SK_SECTION, NULL, 0, 0, NULL, "", "Where results go.", NULL, 0},
    {"outputs.folder", SK_STRING, "results", 0, 0, NULL, "path", "Results go to <folder>/<name>/.", "out", 0},
    {"outputs.formats", SK_ENUM_LIST, "[json, csv]", 0, 0, "json|csv", "", "Result files to write: json (run.json), csv (epochs.csv, compare.csv, sweep.csv).", "[json]", 0},
    {"outputs.trace", SK_BOOL, "false", 0, 0, NULL, "", "Write a VCD trace of the chip (with a hardware section).", "true", 0},
};

const sc_entry *sc_schema(void) { return SCHEMA; }
size_t sc_schema_count(void) { return sizeof SCHEMA / sizeof SCHEMA[0]; }

int sc_schema_find(const char *path)
{
    for (size_t i = 0; i < sc_schema_count(); i++)
        if (!strcmp(SCHEMA[i].path, path)) return (int)i;
    return -1;
}
