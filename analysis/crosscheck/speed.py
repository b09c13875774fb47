#!/usr/bin/python3
"""Time per epoch: f3sim beside the F³ authors' own training code, one thread each.

Issue 20, item 3.  For each case (a data set, a network and a rule; MNIST 784-256x3-10 F³-Loss,
Fashion-MNIST 784-1000-1000-10 F³-Error and MNIST 784-500-10 F³-Error by default; batch 50, Adam
lr 1e-3, trinomial feedback, the recipe of stepwise.py) two figures are measured:

  1. training compute, data pre-loaded.  Theirs: their f3.training.train_batch called on batches
     cut by a random permutation from the whole training set held in memory as float32 tensors
     (no DataLoader), their fc_model, torch.optim.Adam over model.parameters() and the error store
     filled with the one-hot targets, as their training() sets them up; the wall and CPU seconds of
     each epoch's loop.  f3sim: `f3sim train ... --threads 1 --test-limit 1`, the `seconds` column of its
     epochs.csv.  That column (sim/run/train_run.c) times the whole epoch: drawing the order,
     gathering and standardising each batch from the bytes, the training steps, and the test pass
     after the epoch, which --test-limit 1 shrinks to one sample.  Per epoch, the fastest epoch
     over --repeats runs of --epochs epochs each.  Also in CPU seconds, which other jobs on a shared
     machine disturb less: theirs per epoch, f3sim's as (CPU of the run - CPU of a run that loads
     the data and trains one step) / epochs.
  2. whole process.  Theirs: a fresh interpreter runs their own entry as a user does,
     f3.training.training(model, 'mnist', 'cpu', epochs, 50, lr=1e-3, error_info_type=...), with
     their DataLoaders over torchvision.datasets.MNIST (a PIL image and ToTensor + Normalize per
     sample, collated per batch) and their evaluations of the training and test sets before
     training and after every epoch; its root holds MNIST/raw/ with links to the idx files, so
     nothing is downloaded.  f3sim: `f3sim train ... --threads 1` with the whole test set evaluated
     after every epoch.  Wall seconds from starting the process to its end, the fastest of
     --whole-repeats, and the process's CPU seconds.

Beside them: the GEMM floor of each case, the CPU seconds per epoch of the step's matrix products
alone issued through torch to its BLAS (which the header names, with f3sim's: on Debian 12 both
are OpenBLAS 0.3.21), i.e. what an implementation made of nothing but these products would take.

Their code has no Fashion-MNIST loader: the whole-process run of a Fashion case gives their
'mnist' pipeline Fashion-MNIST's idx files (same shapes, same transform, so the same cost);
both codes read the same decompressed copy.  torchmetrics, which their evaluate_dataset uses, is
not packaged by Debian 12: where it cannot be imported, a stand-in computing the two metrics their
evaluation builds for MNIST (multilabel AUROC, multilabel F1) with torch operations is installed
(authors_lib.py), and the driver says so.

One thread everywhere: OMP/MKL/OPENBLAS_NUM_THREADS=1 before numpy or torch load,
torch.set_num_threads(1), f3sim --threads 1.  The rounds of a repeat alternate between the two
codes so that both see the same background load.  Run with Debian's /usr/bin/python3
(python3-torch; setup_torch.sh).  See README.md beside it.
"""
import argparse
import csv
import datetime
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

# One thread, fixed before numpy or torch load their OpenMP/BLAS runtimes.
for _v in ('OMP_NUM_THREADS', 'MKL_NUM_THREADS', 'OPENBLAS_NUM_THREADS'):
    os.environ[_v] = '1'

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent.parent
sys.path.insert(0, str(HERE))
import authors_lib  # noqa: E402  (loads neither numpy nor torch)
from authors_lib import RULES  # noqa: E402

PROG = 'speed.py'

# case -> (title, data set (f3sim's name and folder under data/), hidden widths, rule)
CASES = {
    'mnist-deep-f3loss': ('MNIST 784-256×3-10, F³-Loss', 'mnist', [256, 256, 256], 'f3-loss'),
    'fashion-f3error': ('Fashion-MNIST 784-1000-1000-10, F³-Error', 'fashion-mnist', [1000, 1000], 'f3-error'),
    'mnist-f3error': ('MNIST 784-500-10, F³-Error', 'mnist', [500], 'f3-error'),
    'mnist-bp': ('MNIST 784-500-10, BP', 'mnist', [500], 'bp'),
    'fashion-bp': ('Fashion-MNIST 784-1000-1000-10, BP', 'fashion-mnist', [1000, 1000], 'bp'),
}
DEFAULT_CASES = 'mnist-deep-f3loss,fashion-f3error,mnist-f3error'
BATCH, LR, SEED = 50, 1e-3, 1
IDX = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte']


def fail(msg, code=1):
    print(f'{PROG}: {msg}', file=sys.stderr, flush=True)
    sys.exit(code)


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--authors', default=os.environ.get('F3_AUTHORS'),
                   help='folder holding their f3/ package, commit f90e380 (default $F3_AUTHORS)')
    p.add_argument('--f3sim', default=str(REPO_ROOT / 'build' / 'f3sim'), help='the f3sim binary (build/f3sim)')
    p.add_argument('--data-dir', default=str(REPO_ROOT / 'data'),
                   help='folder holding mnist/ and fashion-mnist/ idx files, plain or .gz (<repo>/data)')
    p.add_argument('--work', default='results/crosscheck-speed',
                   help='f3sim\'s outputs and the decompressed idx files (results/crosscheck-speed)')
    p.add_argument('--cases', default=DEFAULT_CASES, help=f'comma separated, of {", ".join(CASES)} ({DEFAULT_CASES})')
    p.add_argument('--epochs', type=int, default=2, help='epochs of every run, compute and whole process (2)')
    p.add_argument('--repeats', type=int, default=3,
                   help='compute runs per case and code; the fastest epoch counts (3)')
    p.add_argument('--whole-repeats', type=int, default=1,
                   help='whole-process runs per case and code; the fastest counts (1)')
    p.add_argument('--skip-whole', action='store_true', help='measure the training compute only (--whole-repeats 0)')
    p.add_argument('--md', help='write the markdown table to this file too')
    p.add_argument('--csv', help='write every timed run (one row per run) to this CSV file')
    p.add_argument('--their-whole-child', metavar='CASE', help=argparse.SUPPRESS)  # internal: one process of theirs
    p.add_argument('--root', help=argparse.SUPPRESS)
    a = p.parse_args()
    if not a.authors:
        p.error('--authors DIR (or F3_AUTHORS) is required: the folder with their f3/ package')
    a.cases = [c for c in a.cases.split(',') if c]
    for c in a.cases:
        if c not in CASES:
            p.error(f'--cases: unknown case {c!r} (expected {", ".join(CASES)})')
    if a.epochs < 1 or a.repeats < 1 or not 0 <= a.whole_repeats <= a.repeats:
        p.error('--epochs and --repeats must be >= 1, --whole-repeats between 0 and --repeats')
    return a


# ---- their whole process (runs in a fresh interpreter) --------------------------------------------

def their_whole_child(a):
    """Their training() as a user runs it; prints one JSON line of inner timings."""
    t0 = time.perf_counter()
    import torch
    f3_models, training, datasets, notes = authors_lib.import_authors(a.authors, prog=PROG, metrics='working')
    torch.set_num_threads(1)
    t_import = time.perf_counter() - t0
    title, _, hidden, rule = CASES[a.their_whole_child]
    _, mode, error_info_type = RULES[rule]
    evaluate = training.evaluate
    t_eval = [0.0]

    def timed_evaluate(*args, **kwargs):  # their evaluate, timed
        t = time.perf_counter()
        r = evaluate(*args, **kwargs)
        t_eval[0] += time.perf_counter() - t
        return r
    training.evaluate = timed_evaluate
    torch.manual_seed(SEED)  # as their start_training.py does before building the model
    model = authors_lib.their_model(f3_models, hidden, mode)
    t1 = time.perf_counter()
    results = training.training(model, 'mnist', 'cpu', a.epochs, BATCH, lr=LR, error_info_type=error_info_type,
                                root=a.root)
    t_train = time.perf_counter() - t1
    acc = [r['test_accuracy'] for r in results if 'test_accuracy' in r and r['epoch'] > 0]
    print(json.dumps({'import_s': t_import, 'training_call_s': t_train, 'evaluate_s': t_eval[0],
                      'test_accuracy': acc, 'notes': notes, 'torch': torch.__version__}), flush=True)


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run_their_whole(a, case, root):
    cmd = [sys.executable, str(Path(__file__).resolve()), '--authors', a.authors, '--epochs', str(a.epochs),
           '--their-whole-child', case, '--root', str(root)]
    c0, t0 = children_cpu(), time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True)
    wall, cpu = time.perf_counter() - t0, children_cpu() - c0
    if r.returncode:
        fail(f'their training() failed (exit {r.returncode}): {" ".join(cmd)}\n{r.stderr[-3000:]}')
    lines = [x for x in r.stdout.splitlines() if x.startswith('{')]
    if not lines:
        fail(f'their training() printed no result: {" ".join(cmd)}\n{r.stdout[-2000:]}\n{r.stderr[-2000:]}')
    info = json.loads(lines[-1])
    info['wall_s'], info['cpu_s'] = wall, cpu
    return info


# ---- their training compute (in this process, data in memory) --------------------------------------

class Theirs:
    def __init__(self, a):
        import torch
        self.torch = torch
        torch.set_num_threads(1)
        self.f3_models, self.training, self.datasets, self.notes = authors_lib.import_authors(a.authors, prog=PROG)
        self.data = {}

    def load(self, folder):
        if folder not in self.data:
            x, y = authors_lib.load_mnist(folder, True, 'torchvision', prog=PROG)
            xt, yt = authors_lib.load_mnist(folder, False, 'torchvision', prog=PROG)
            self.data[folder] = (x, y, xt, yt)
        return self.data[folder]

    def compute(self, case, folder, epochs, seed):
        """Wall and CPU seconds of each epoch of their train_batch loop over in-memory batches; the
        test accuracy after the last (as their evaluate_dataset counts it; not timed)."""
        torch = self.torch
        _, _, hidden, rule = CASES[case]
        _, mode, error_info_type = RULES[rule]
        x, y, xt, yt = self.load(folder)
        torch.manual_seed(seed)
        model = authors_lib.their_model(self.f3_models, hidden, mode)
        loss = self.datasets.get_dataset_config('mnist')['loss']               # binary_cross_entropy
        optimizer = torch.optim.Adam(model.parameters(), lr=LR)                 # training.py line 149
        error_information = None
        if error_info_type.startswith('delayed_loss') or error_info_type.startswith('delayed_error'):
            error_information = y.clone()                                       # lines 151-156
        gen = torch.Generator().manual_seed(seed)
        n, secs, cpus = len(x), [], []
        for _ in range(epochs):
            c0, t0 = time.process_time(), time.perf_counter()
            perm = torch.randperm(n, generator=gen)
            for s in range(0, n, BATCH):
                index = perm[s:s + BATCH]
                self.training.train_batch(model, optimizer, index, x[index], y[index], loss, error_information,
                                          error_info_type)                      # line 172
            secs.append(time.perf_counter() - t0)
            cpus.append(time.process_time() - c0)
        model.eval()
        correct = 0
        with torch.no_grad():
            for s in range(0, len(xt), 1000):
                correct += model(xt[s:s + 1000], None).argmax(1).eq(yt[s:s + 1000].argmax(1)).sum().item()
        return secs, cpus, 100.0 * correct / len(xt)


# ---- the GEMM floor ------------------------------------------------------------------------------

def gemm_floor(case, n=60, reps=5):
    """CPU seconds per epoch of the step's matrix products alone, issued through torch (whose BLAS is
    named in the header): per layer the forward x W^T + b and the weight gradient d^T x; BP also the
    backward d W into every layer but the first; F³ the projection e B of the error information onto
    every hidden layer.  Batch 50, steps of a 60000-sample epoch; the fastest of reps."""
    import torch
    _, _, hidden, rule = CASES[case]
    sizes = [784, *hidden, 10]
    ops = []
    for i, (m, k) in enumerate(zip(sizes, sizes[1:])):
        x, w, b, d = torch.randn(BATCH, m), torch.randn(k, m), torch.randn(k), torch.randn(BATCH, k)
        ops.append(lambda x=x, w=w, b=b: torch.addmm(b, x, w.t()))
        ops.append(lambda x=x, d=d: d.t().mm(x))
        if rule == 'bp' and i > 0:
            ops.append(lambda d=d, w=w: d.mm(w))
        if rule != 'bp' and i < len(sizes) - 2:
            e, fb = torch.randn(BATCH, 10), torch.randn(10, k)
            ops.append(lambda e=e, fb=fb: e.mm(fb))
    best = float('inf')
    for _ in range(reps):
        for op in ops:
            op()
        t0 = time.process_time()
        for _ in range(n):
            for op in ops:
                op()
        best = min(best, (time.process_time() - t0) / n)
    return best * -(-60000 // BATCH)


def blas_libraries():
    """The BLAS libraries (lib*blas*, lib*mkl*) this process (numpy, torch) has mapped."""
    try:
        maps = Path('/proc/self/maps').read_text().split('\n')
    except OSError:
        return '?'
    names = {os.path.realpath(line.split()[-1]) for line in maps if len(line.split()) >= 6}
    libs = sorted(x for x in names if os.path.basename(x).startswith('lib')
                  and ('blas' in os.path.basename(x) or 'mkl' in os.path.basename(x)))
    return ', '.join(libs) or 'none found'


def f3sim_blas(f3sim):
    """The BLAS libraries f3sim names itself (its NEEDED entries, resolved as ldd resolves them)."""
    try:
        needed = {line.split('[')[1].split(']')[0]
                  for line in subprocess.run(['readelf', '-d', f3sim], capture_output=True, text=True).stdout
                  .splitlines() if '(NEEDED)' in line}
        ldd = subprocess.run(['ldd', f3sim], capture_output=True, text=True).stdout
    except OSError:
        return '?'
    libs = set()
    for line in ldd.splitlines():
        if '=>' in line and line.split('=>')[0].strip() in needed and 'blas' in line.split('=>')[0]:
            libs.add(os.path.realpath(line.split('=>')[1].split('(')[0].strip()))
    return ', '.join(sorted(libs)) or '?'


# ---- f3sim ------------------------------------------------------------------------------------------

def f3sim_run(a, case, folder, out, epochs, extra):
    _, dataset, hidden, rule = CASES[case]
    cmd = [a.f3sim, 'train', '--dataset', dataset, '--data-path', str(folder), '--hidden', ','.join(map(str, hidden)),
           *RULES[rule][0], '--feedback-init', 'trinomial', '--optimizer', 'adam', '--lr', repr(LR),
           '--batch-size', str(BATCH), '--epochs', str(epochs), '--seed', str(SEED), '--threads', '1',
           '--quiet', '--out', str(out), *extra]
    if out.exists():
        shutil.rmtree(out)
    c0, t0 = children_cpu(), time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True)
    wall, cpu = time.perf_counter() - t0, children_cpu() - c0
    if r.returncode:
        fail(f'f3sim failed (exit {r.returncode}): {" ".join(cmd)}\n{r.stderr[-3000:]}')
    with open(out / 'epochs.csv') as f:
        rows = list(csv.DictReader(f))
    if len(rows) != epochs:
        fail(f'f3sim wrote {len(rows)} epochs to {out}/epochs.csv, expected {epochs}')
    return [float(x['seconds']) for x in rows], [float(x['test_accuracy_percent']) for x in rows], wall, cpu


# ---- setting up ---------------------------------------------------------------------------------

def plain_idx(a, dataset, work):
    """The data set's folder with plain idx files: <data-dir>/<dataset> when it holds them, else a
    decompressed copy under <work>/data/<dataset> (torchvision's MNIST reads plain files only)."""
    src = Path(a.data_dir) / dataset
    if all((src / f).is_file() for f in IDX):
        return src.resolve()
    missing = [f for f in IDX if not (src / f).is_file() and not (src / (f + '.gz')).is_file()]
    if missing:
        fail(f'{src} lacks {", ".join(missing)} (plain or .gz)')
    dst = work / 'data' / dataset
    dst.mkdir(parents=True, exist_ok=True)
    import gzip
    for f in IDX:
        if not (dst / f).is_file():
            tmp = dst / (f + '.part')
            tmp.write_bytes((src / f).read_bytes() if (src / f).is_file() else gzip.decompress((src / (f + '.gz')).read_bytes()))
            tmp.rename(dst / f)
    return dst.resolve()


def their_root(work, dataset, folder):
    """A root for torchvision.datasets.MNIST(root): root/MNIST/raw/<idx files> linked to folder."""
    raw = work / 'their-root' / dataset / 'MNIST' / 'raw'
    raw.mkdir(parents=True, exist_ok=True)
    for f in IDX:
        link = raw / f
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(folder / f)
    return (work / 'their-root' / dataset).resolve()


def machine():
    name = ''
    try:
        out = subprocess.run(['lscpu'], capture_output=True, text=True).stdout
        for line in out.splitlines():
            if line.startswith('Model name:'):
                name = line.split(':', 1)[1].strip()
                break
    except OSError:
        pass
    return f'{name or "unknown CPU"}, {os.cpu_count()} CPUs online'


def f3sim_commit(a):
    r = subprocess.run([a.f3sim, '--version'], capture_output=True, text=True)
    version = r.stdout.strip()
    if r.returncode or not version.startswith('f3sim'):
        fail(f'{a.f3sim} --version failed (exit {r.returncode}) or is not f3sim: {(r.stdout + r.stderr).strip()[:500]}')
    # the binary's sources: a change elsewhere (this driver, the docs) does not make its commit wrong
    g = subprocess.run(['git', '-C', str(REPO_ROOT), 'status', '--porcelain', '--untracked-files=no', '--',
                        'CMakeLists.txt', 'model', 'sim'], capture_output=True, text=True)
    dirty = ' (its sources changed since that commit)' if g.returncode == 0 and g.stdout.strip() else ''
    return version + dirty


def loadavg():
    try:
        return ' '.join(Path('/proc/loadavg').read_text().split()[:3])
    except OSError:
        return '?'


# ---- main ---------------------------------------------------------------------------------------

def main():
    a = parse_args()
    if a.their_whole_child:
        their_whole_child(a)
        return
    t_start = time.perf_counter()
    authors = Path(a.authors)
    if not (authors / 'f3' / 'f3_models.py').is_file() or not (authors / 'f3' / 'training.py').is_file():
        fail(f'--authors {a.authors}: no f3/f3_models.py and f3/training.py there (their code, commit f90e380; '
             f'analysis/crosscheck/README.md, "Getting their code")', 2)
    a.authors = str(authors.resolve())
    if not (os.path.isfile(a.f3sim) and os.access(a.f3sim, os.X_OK)):
        fail(f'no f3sim binary at {a.f3sim} (build it: cmake --build build --target f3sim; or give --f3sim)', 2)
    a.f3sim = str(Path(a.f3sim).resolve())
    work = Path(a.work).resolve()
    work.mkdir(parents=True, exist_ok=True)

    import torch
    theirs = Theirs(a)
    commit = f3sim_commit(a)
    torch.mm(torch.ones(2, 2), torch.ones(2, 2))
    blas = blas_libraries()
    fblas = f3sim_blas(a.f3sim)
    head = (f'# {machine()}; torch {torch.__version__} ({torch.get_num_threads()} thread); {commit}; '
            f'{", ".join(theirs.notes)}; their code: {a.authors}; load average at start {loadavg()}\n'
            f'# BLAS: torch {blas}; f3sim {fblas}')
    print(head, flush=True)
    load0 = loadavg()

    folders = {}
    for case in a.cases:
        ds = CASES[case][1]
        if ds not in folders:
            folders[ds] = plain_idx(a, ds, work)
    roots = {ds: their_root(work, ds, f) for ds, f in folders.items()}

    runs, summary = [], []
    whole_notes = None

    def row(case, code, kind, r, epoch, wall, cpu=''):
        runs.append({'case': case, 'code': code, 'kind': kind, 'repeat': r + 1, 'epoch': epoch, 'seconds': wall,
                     'cpu_seconds': cpu})

    for case in a.cases:
        title, ds, hidden, rule = CASES[case]
        folder = folders[ds]
        tc, fc, tw, fw, tinfo, acc = [], [], [], [], [], {}
        tcpu_epoch, fcpu_epoch = [], []
        share = {'tc': [0.0, 0.0], 'fc': [0.0, 0.0], 'tw': [0.0, 0.0], 'fw': [0.0, 0.0]}  # CPU s, wall s

        def add(k, cpu, wall):
            share[k][0] += cpu
            share[k][1] += wall
        for r in range(a.repeats):
            secs, cpus, acc_t = theirs.compute(case, folder, a.epochs, SEED + r)
            tc += secs
            add('tc', sum(cpus), sum(secs))
            for e, (w, c) in enumerate(zip(secs, cpus)):
                row(case, 'theirs', 'compute', r, e + 1, w, c)
            fsecs, _, fwall, fcpu = f3sim_run(a, case, folder, work / case / f'compute-{r + 1}', a.epochs,
                                              ['--test-limit', '1'])
            _, _, pwall, pcpu = f3sim_run(a, case, folder, work / case / f'probe-{r + 1}', 1,
                                          ['--train-limit', str(BATCH), '--test-limit', '1'])
            fc += fsecs
            fcpu_epoch.append(max(0.0, fcpu - pcpu) / a.epochs)
            tcpu_epoch += cpus
            add('fc', fcpu, fwall)
            for e, w in enumerate(fsecs):
                row(case, 'f3sim', 'compute', r, e + 1, w)
            row(case, 'f3sim', 'compute-process', r, 'all', fwall, fcpu)
            row(case, 'f3sim', 'probe-process', r, 'one step', pwall, pcpu)
            print(f'{case} compute, repeat {r + 1}: theirs {" ".join(f"{s:.2f}" for s in secs)} s/epoch '
                  f'(CPU {" ".join(f"{s:.2f}" for s in cpus)}; test acc {acc_t:.2f} %), '
                  f'f3sim {" ".join(f"{s:.2f}" for s in fsecs)} s/epoch (process {fwall:.2f} s, CPU {fcpu:.2f} s; '
                  f'loading and one step: CPU {pcpu:.2f} s)',
                  flush=True)
            if a.skip_whole or r >= a.whole_repeats:
                continue
            info = run_their_whole(a, case, roots[ds])
            whole_notes = info['notes']
            tw.append(info['wall_s'])
            add('tw', info['cpu_s'], info['wall_s'])
            tinfo.append(info)
            row(case, 'theirs', 'whole', r, '', info['wall_s'], info['cpu_s'])
            _, facc, fwall, fcpu = f3sim_run(a, case, folder, work / case / f'whole-{r + 1}', a.epochs, [])
            fw.append(fwall)
            add('fw', fcpu, fwall)
            row(case, 'f3sim', 'whole', r, '', fwall, fcpu)
            acc = {'theirs': info['test_accuracy'], 'f3sim': facc}
            print(f'{case} whole process, repeat {r + 1}: theirs {info["wall_s"]:.1f} s, CPU {info["cpu_s"]:.1f} s '
                  f'(imports {info["import_s"]:.1f}, training() {info["training_call_s"]:.1f} of which evaluations '
                  f'{info["evaluate_s"]:.1f}; test acc {info["test_accuracy"]}), f3sim {fwall:.2f} s, CPU {fcpu:.2f} s '
                  f'(test acc {facc})', flush=True)
        floor = gemm_floor(case)
        print(f'{case} GEMM floor: {floor:.2f} s/epoch', flush=True)
        best_t = min(range(len(tinfo)), key=lambda i: tinfo[i]['wall_s']) if tinfo else None
        summary.append({'case': case, 'title': title, 'tc': min(tc), 'fc': min(fc),
                        'tc_med': sorted(tc)[len(tc) // 2], 'fc_med': sorted(fc)[len(fc) // 2],
                        'tw': min(tw) if tw else None, 'fw': min(fw) if fw else None,
                        'tinfo': tinfo[best_t] if tinfo else None, 'acc': acc,
                        'share': {k: (c / w if w else 0.0) for k, (c, w) in share.items()},
                        'tcpu': min(tcpu_epoch), 'fcpu': min(fcpu_epoch), 'floor': floor})

    lines = [f'`{" ".join(["/usr/bin/python3", "analysis/crosscheck/speed.py"] + sys.argv[1:])}`, '
             f'{datetime.date.today().isoformat()}; {machine()}; torch {torch.__version__}; {commit}; '
             f'1 thread each; batch {BATCH}, Adam lr {LR:g}, trinomial feedback; {a.epochs} epoch(s) per run, '
             f'{a.repeats} compute and {0 if a.skip_whole else a.whole_repeats} whole-process run(s) per code and case; '
             f'load average {load0} at the start, {loadavg()} at the end. BLAS: torch {blas}; f3sim '
             f'{fblas}.', '',
             '| case | theirs, compute s/epoch | f3sim, compute s/epoch | ratio | theirs, whole process s | '
             'f3sim, whole process s | ratio |', '|---|---|---|---|---|---|---|']
    for s in summary:
        whole = (f'{s["tw"]:.1f} | {s["fw"]:.2f} | {s["tw"] / s["fw"]:.1f}×' if s['tw'] is not None else '– | – | –')
        lines.append(f'| {s["title"]} | {s["tc"]:.2f} | {s["fc"]:.2f} | {s["tc"] / s["fc"]:.2f}× | {whole} |')
    lines.append('')
    lines.append(f'Compute: the fastest epoch of {a.repeats} × {a.epochs} (medians in the second table); theirs '
                 f'their train_batch on batches cut from float32 tensors in memory, f3sim the `seconds` of '
                 f'`f3sim train --threads 1 --test-limit 1` (the epoch including a one-sample test pass). '
                 f'Whole process: {a.epochs} epoch(s), from starting the process to its end, the fastest of '
                 f'{a.whole_repeats}; theirs `f3.training.training(model, \'mnist\', \'cpu\', ...)` with their DataLoaders '
                 f'and their evaluation of the training and test sets before training and after every epoch, '
                 f'f3sim `f3sim train --threads 1` with the test set evaluated after every epoch. CPU share: CPU '
                 f'seconds over wall seconds of the timed part (theirs compute: their epochs; f3sim compute: the '
                 f'whole process), over all repeats; below 1 when the background took the core. Compute CPU: '
                 f'theirs the CPU seconds of their fastest epoch (by CPU), f3sim the CPU seconds of the compute '
                 f'process less those of a process that loads the data and trains one step (`--train-limit '
                 f'{BATCH}`), per epoch, the smallest over the repeats; a measure that background jobs on the '
                 f'other core or in other cgroups disturb less than wall time. GEMM floor: the CPU seconds per '
                 f'epoch of the step\'s matrix products alone (per layer the forward x·Wᵀ+b and the weight '
                 f'gradient δᵀ·x; BP also δ·W into every layer but the first; F³ e·B onto every hidden layer), '
                 f'batch {BATCH}, issued through torch to its BLAS, the fastest of 5; theirs (compute CPU) ÷ floor '
                 f'is the ratio an implementation made of nothing but these products would reach.'
                 + (f' Their process: {", ".join(whole_notes)}.' if whole_notes else ''))
    lines.append('')
    lines.append('| case | compute medians, theirs / f3sim s/epoch | compute CPU s/epoch, theirs / f3sim (ratio) '
                 '| GEMM floor s/epoch (compute CPU ÷ floor: theirs, f3sim) | CPU share, compute: theirs / f3sim | CPU '
                 'share, whole process: theirs / f3sim | theirs whole process: imports, training(), of which '
                 'evaluations, s | test accuracy % after each epoch, whole-process runs: theirs / f3sim |')
    lines.append('|---|---|---|---|---|---|---|---|')
    for s in summary:
        ti = s['tinfo']
        inner = (f'{ti["import_s"]:.1f}, {ti["training_call_s"]:.1f}, {ti["evaluate_s"]:.1f}' if ti else '–')
        acc = (f'{" ".join(f"{x:.2f}" for x in s["acc"]["theirs"])} / {" ".join(f"{x:.2f}" for x in s["acc"]["f3sim"])}'
               if s['acc'] else '–')
        sh = s['share']
        whole_share = f'{sh["tw"]:.2f} / {sh["fw"]:.2f}' if ti else '–'
        cpu = f'{s["tcpu"]:.2f} / {s["fcpu"]:.2f} ({s["tcpu"] / s["fcpu"]:.2f}×)' if s['fcpu'] else '–'
        fl = f'{s["floor"]:.2f} ({s["tcpu"] / s["floor"]:.2f}×, {s["fcpu"] / s["floor"]:.2f}×)'
        lines.append(f'| {s["title"]} | {s["tc_med"]:.2f} / {s["fc_med"]:.2f} | {cpu} | {fl} | {sh["tc"]:.2f} / {sh["fc"]:.2f} | '
                     f'{whole_share} | {inner} | {acc} |')
    authors_lib.write_tables('\n'.join(lines) + '\n', runs, a.md, a.csv, t_start)


if __name__ == '__main__':
    main()
