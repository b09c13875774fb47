#!/usr/bin/python3
"""Step by step: f3sim against the F³ authors' own training code, from the same start.

Issue 20, item 1.  For each learning rule (BP, F³-Error, F³-Loss, DFA, DRTP)
and each network (784-500-10, 784-256x3-10) on MNIST:

  1. f3sim trains (`f3sim train --order ORDER --save-init init.npz
     --save-steps 1,10,100 --save-epochs`), writing its initial W, b, B and
     its weights after steps 1, 10, 100 and after every epoch;
  2. f3sim trains again from init.npz with every weight and bias moved by one
     ulp (`--init-from`), the same order: how far f3sim drifts from itself
     when started a rounding error away (the self-spread); and once more from
     init.npz itself with 2 BLAS threads instead of 1, which sums its GEMMs
     in another order and so adds rounding differences at every step;
  3. the authors' code (github.com/Helmholtz-AI-Energy/f3 at f90e380, imported
     unchanged from --authors DIR or $F3_AUTHORS: f3.f3_models.fc_model and
     f3.training.train_batch) trains the same network from init.npz on the same
     batches in the same order, and its weights are taken at the same steps.

Then, per checkpoint and tensor, the relative L2 difference ||A - F|| / ||F||
of theirs (A) against f3sim (F), beside f3sim+1ulp and f3sim-2-threads
against f3sim; the first checkpoint and tensor where theirs-vs-f3sim exceeds
--factor times the 1-ulp self-spread; how the difference spreads over W1's
hidden units; and the test accuracy after every epoch of theirs, f3sim and
f3sim+1ulp.

Their training loop (f3.training.training) cannot be given an order: it builds
a shuffling DataLoader itself.  So the driver mirrors its few lines
(training.py lines 141-176: Adam over model.parameters(), the error store
filled with the one-hot targets, then train_batch per batch) with batches cut
from the order file, and computes the test accuracy as their evaluate_dataset
does (argmax of the output against argmax of the one-hot target, test batches
of 1000, model.eval(), no error information).  Everything that touches the
weights is theirs: the model, the F³ connectors, train_batch (forward, loss,
backward, Adam step, error-store update).

Their f3/training.py imports torchmetrics (for secondary metrics in
evaluate_dataset, not called here) and tqdm at the top; Debian 12 packages
tqdm (python3-tqdm, installed by setup_torch.sh) but not torchmetrics, so when
torchmetrics cannot be imported the driver puts an empty stand-in module into
sys.modules (any use of it raises).

The recipe is f3sim's scenarios/paper/mnist-table4-5.yaml, the paper's §4.1
and Tables 1-2 for MNIST: tanh hidden layers, sigmoid outputs with binary
cross-entropy, Adam (0.9, 0.999, 1e-8), lr 1e-3, batch 50, biases, trinomial
feedback matrices {-1, 0, 1}, F³ with one-hot error information, e_0 the
targets.  Rules, as their README's "Reproduce our results" maps them:

  f3sim          theirs (mode, error_info_type)
  bp             bp, (ignored)
  f3-error       f3, delayed_error_one_hot
  f3-loss        f3, delayed_loss_one_hot
  dfa            f3, current_error
  drtp           f3, one_hot_target

Their weights at the checkpoints are written to <work>/<net>/<rule>/theirs/
in f3sim's layout.  --their-tanh f3sim is a diagnostic, not their code as is:
it makes their nn.Tanh compute f3sim's float32 tanh, to show how much of the
difference the two tanh implementations make.

Run with Debian's /usr/bin/python3 (python3-torch; analysis/crosscheck/
setup_torch.sh), one thread everywhere.  See README.md beside it.
"""
import argparse
import csv
import os
import subprocess
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent.parent

# RULES, NETS, import_authors, read_idx, load_mnist, their_model: authors_lib.py beside this file
# (shared with speed.py; importing it loads neither numpy nor torch)
sys.path.insert(0, str(Path(__file__).resolve().parent))
import authors_lib  # noqa: E402
from authors_lib import RULES, NETS, their_model  # noqa: E402,F401


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--authors', default=os.environ.get('F3_AUTHORS'),
                   help='folder holding their f3/ package (default $F3_AUTHORS)')
    p.add_argument('--f3sim', default=str(REPO_ROOT / 'build' / 'f3sim'), help='the f3sim binary (build/f3sim)')
    p.add_argument('--data', default=str(REPO_ROOT / 'data' / 'mnist'),
                   help='folder with the uncompressed MNIST idx files (default <repo>/data/mnist)')
    p.add_argument('--work', default='results/crosscheck-stepwise',
                   help='folder for the order file and f3sim\'s runs (results/crosscheck-stepwise)')
    p.add_argument('--rules', default=','.join(RULES), help=f'comma separated, of {", ".join(RULES)} (all)')
    p.add_argument('--nets', default=','.join(NETS), help=f'comma separated, of {", ".join(NETS)} (both)')
    p.add_argument('--epochs', type=int, default=2)
    p.add_argument('--train-limit', type=int, default=0, help='the first N training samples (0: all 60000)')
    p.add_argument('--batch-size', type=int, default=50, help='Table 1, MNIST (50)')
    p.add_argument('--lr', type=float, default=1e-3, help='Table 2, MNIST (1e-3)')
    p.add_argument('--seed', type=int, default=1, help="f3sim's initial state, and the sample order (1)")
    p.add_argument('--steps', default='1,10,100', help='steps to compare besides every epoch\'s end (1,10,100)')
    p.add_argument('--factor', type=float, default=10.0,
                   help='theirs-vs-f3sim "exceeds" the self-spread when larger than this many times it (10)')
    p.add_argument('--inputs', choices=['torchvision', 'f3sim'], default='torchvision',
                   help="their inputs: 'torchvision' computes ToTensor+Normalize as their loader does "
                        "((x/255 - 0.1307)/0.3081 in float32); 'f3sim' the same numbers as f3sim rounds them "
                        "((x - 0.1307*255) * (1/(0.3081*255)) in float32), to take the input rounding out")
    p.add_argument('--their-tanh', choices=['torch', 'f3sim'], default='torch',
                   help="diagnostic: 'f3sim' replaces nn.Tanh's forward in their model by f3sim's float32 tanh "
                        "(model/src/kernels.c tanh_f32, ported op for op to torch float32 operations) to show "
                        "what the two tanh implementations alone make of the difference (torch: their code as is)")
    p.add_argument('--md', help='write the tables (markdown) to this file too')
    p.add_argument('--csv', help='write every comparison (one row per checkpoint and tensor) to this CSV file')
    a = p.parse_args()
    if not a.authors:
        p.error('--authors DIR (or F3_AUTHORS) is required')
    a.rules = [r for r in a.rules.split(',') if r]
    a.nets = [n for n in a.nets.split(',') if n]
    for r in a.rules:
        if r not in RULES:
            p.error(f'--rules: unknown rule {r!r} (expected {", ".join(RULES)})')
    for n in a.nets:
        if n not in NETS:
            p.error(f'--nets: unknown network {n!r} (expected {", ".join(NETS)})')
    try:
        a.steps = sorted({int(s) for s in a.steps.split(',') if s})
    except ValueError:
        p.error(f'--steps expects step numbers separated by commas, got {a.steps!r}')
    if a.epochs < 1 or a.batch_size < 1 or a.train_limit < 0 or any(s < 1 for s in a.steps):
        p.error('--epochs, --batch-size and every step must be >= 1, --train-limit >= 0')
    return a


ARGS = parse_args()
# One thread, fixed before torch loads its OpenMP/BLAS runtimes.
for _v in ('OMP_NUM_THREADS', 'MKL_NUM_THREADS', 'OPENBLAS_NUM_THREADS'):
    os.environ[_v] = '1'

import numpy as np  # noqa: E402
import torch  # noqa: E402


def import_authors(authors_dir):
    """Their f3.f3_models, f3.training and f3.datasets, from authors_dir, unchanged (authors_lib)."""
    return authors_lib.import_authors(authors_dir, prog='stepwise.py')


# ---- --their-tanh f3sim: f3sim's tanh in torch (diagnostic) -----------------------------------

def f3sim_tanh(x):
    """f3sim's tanh_f32 (model/src/kernels.c) op for op in torch float32 arithmetic: e^(-2|x|) by
    Cody-Waite reduction and a degree-6 polynomial, tanh|x| = ((1 - s) - s*u) / (s*u + (s + 1)), 1 - 2e
    from |x| = 6, |x| held at 9.1, the sign copied back.  Each torch operation rounds to float32 as
    each C operation does (no contraction under -std=c11)."""
    f = lambda v: torch.tensor(v, dtype=torch.float32)  # noqa: E731
    bits = lambda t: t.view(torch.int32)  # noqa: E731
    flt = lambda b: b.view(torch.float32)  # noqa: E731
    rnd = f(12582912.0)  # 1.5 * 2^23
    x = x.contiguous()
    xb = bits(x)
    lim = bits(f(9.1))
    a = flt(torch.minimum(xb & 0x7fffffff, lim))
    w = f(-2.0) * a
    t = w * f(1.44269504088896341) + rnd
    n = t - rnd
    k = bits(t) - bits(rnd) + 127
    r = w - n * f(0.693359375)
    r = r - n * f(-2.12194440e-4)
    r2 = r * r
    pa = r * f(1.666654199049541e-1) + f(4.9999996748252873e-1)
    pb = r * f(8.366673466107631e-3) + f(4.1667596429334285e-2)
    pc = r2 * f(1.3858160102672595e-3) + pb
    u = (r2 * pc + pa) * r2 + r
    s = flt(k << 23)
    su = s * u
    q = ((f(1.0) - s) - su) / (su + (s + f(1.0)))
    e = su + s
    h = torch.where(a >= 6.0, f(1.0) - (e + e), q)
    h = flt(bits(h) | (xb & torch.tensor(-2 ** 31, dtype=torch.int32)))
    return torch.where(x != x, x, h)


class _F3simTanh(torch.autograd.Function):
    """y = f3sim_tanh(x); dx = dy * (1 - y*y), the operations of torch's own tanh backward."""

    @staticmethod
    def forward(ctx, x):
        y = f3sim_tanh(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, dy):
        y, = ctx.saved_tensors
        return dy * (1 - y * y)


# ---- data ----------------------------------------------------------------------------------

def read_idx(path):
    return authors_lib.read_idx(path, prog='stepwise.py')


def load_mnist(data_dir, train, inputs):
    """A whole split as (x (N, 1, 28, 28) float32, one-hot y (N, 10) float32) (authors_lib)."""
    return authors_lib.load_mnist(data_dir, train, inputs, prog='stepwise.py')


def check_torchvision(x, data_dir, k=256):
    """The first k training images through torchvision's own ToTensor + Normalize, as their loader
    transforms them, equal bit for bit to x[:k] (only for --inputs torchvision)."""
    import torchvision.transforms as T
    images = read_idx(Path(data_dir) / 'train-images-idx3-ubyte')[:k].copy()
    tf = T.Compose([T.ToTensor(), T.Normalize((0.1307,), (0.3081,))])
    ref = torch.stack([tf(im) for im in images])
    return torch.equal(ref, x[:k])


# ---- f3sim -------------------------------------------------------------------------------------

def f3sim_train(a, out, hidden, rule, order, extra, threads=1):
    cmd = [a.f3sim, 'train', '--dataset', 'mnist', '--data-path', a.data,
           '--hidden', ','.join(map(str, hidden)), *RULES[rule][0],
           '--feedback-init', 'trinomial', '--optimizer', 'adam', '--lr', repr(a.lr),
           '--batch-size', str(a.batch_size), '--epochs', str(a.epochs), '--seed', str(a.seed),
           '--threads', str(threads), '--order', str(order), '--save-epochs', '--out', str(out), '--quiet', *extra]
    if a.steps:
        cmd += ['--save-steps', ','.join(map(str, a.steps))]
    if a.train_limit:
        cmd += ['--train-limit', str(a.train_limit)]
    t0 = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode:
        sys.exit(f'stepwise.py: f3sim failed (exit {r.returncode}): {" ".join(cmd)}\n{r.stderr}')
    return cmd, time.perf_counter() - t0


def f3sim_accuracy(out):
    with open(Path(out) / 'epochs.csv') as f:
        return [float(r['test_accuracy_percent']) for r in csv.DictReader(f)]


def load_npz(path):
    with np.load(path) as z:
        return {k: z[k].copy() for k in z.files}


def one_ulp(state, seed=0):
    """Every W and b moved by one ulp, up or down by a fixed random sign; B unchanged."""
    rng = np.random.default_rng(seed)
    out = {}
    for k, v in state.items():
        if k[0] in 'Wb':
            up = rng.integers(0, 2, v.shape).astype(bool)
            out[k] = np.where(up, np.nextafter(v, np.float32(np.inf)), np.nextafter(v, np.float32(-np.inf)))
            out[k] = out[k].astype(np.float32)
        else:
            out[k] = v
    return out


# ---- their side --------------------------------------------------------------------------------

# their_model (fc_model as their start_training.py builds it for MNIST): authors_lib


def linears(model):
    out = []
    for block in model.blocks:
        lin = [m for m in block if isinstance(m, torch.nn.Linear)]
        assert len(lin) == 1, block
        out.append(lin[0])
    return out


def set_state(model, state):
    """f3sim's W_i (n_i, n_{i-1}) and b_i into the Linear of block i (nn.Linear's own layout), its
    B_i (C, n_i) into the i-th connector's feedback_weight (their layout)."""
    with torch.no_grad():
        for i, lin in enumerate(linears(model), 1):
            lin.weight.copy_(torch.from_numpy(state[f'W{i}']))
            lin.bias.copy_(torch.from_numpy(state[f'b{i}']))
        for i, con in enumerate(getattr(model, 'connectors', []), 1):
            con.feedback_weight.copy_(torch.from_numpy(state[f'B{i}']))


def get_state(model):
    s = {}
    for i, lin in enumerate(linears(model), 1):
        s[f'W{i}'] = lin.weight.detach().numpy().copy()
        s[f'b{i}'] = lin.bias.detach().numpy().copy()
    for i, con in enumerate(getattr(model, 'connectors', []), 1):
        s[f'B{i}'] = con.feedback_weight.detach().numpy().copy()
    return s


def their_accuracy(model, x, y, batch=1000):
    """As their evaluate_dataset counts it (test batches of 1000, model.eval())."""
    model.eval()
    correct = 0
    with torch.no_grad():
        for s in range(0, len(x), batch):
            out = model(x[s:s + batch], None)
            correct += out.argmax(dim=1).eq(y[s:s + batch].argmax(dim=1)).sum().item()
    return 100.0 * correct / len(x)


def their_run(a, f3_models, training, datasets, hidden, rule, init, order, x_train, y_train, x_test, y_test):
    """Their model from init, trained on the order's batches by their train_batch; the weights at
    a.steps and after each epoch, the test accuracy after each epoch."""
    _, mode, error_info_type = RULES[rule]
    torch.manual_seed(a.seed)  # their start_training.py seeds before building; B is overwritten anyway
    model = their_model(f3_models, hidden, mode)
    set_state(model, init)
    start = get_state(model)
    if set(start) != set(init) or any(not np.array_equal(start[k], init[k]) for k in init):
        sys.exit(f'stepwise.py: {rule}: their model does not hold f3sim\'s initial state bit for bit')
    loss = datasets.get_dataset_config('mnist')['loss']                 # binary_cross_entropy
    optimizer = torch.optim.Adam(model.parameters(), lr=a.lr)            # training.py line 149
    error_information = None
    if error_info_type.startswith('delayed_loss') or error_info_type.startswith('delayed_error'):
        error_information = y_train.clone()                              # lines 151-156: the one-hot targets
    snaps, acc = {}, []
    step = 0
    n = len(x_train)
    for e in range(a.epochs):
        perm = torch.from_numpy(order[e % len(order)].astype(np.int64))
        for s in range(0, n, a.batch_size):
            index = perm[s:s + a.batch_size]
            training.train_batch(model, optimizer, index, x_train[index], y_train[index], loss,
                                 error_information, error_info_type)       # line 172
            step += 1
            if step in a.steps:
                snaps[f'step-{step}'] = get_state(model)
        snaps[f'epoch-{e + 1}'] = get_state(model)
        acc.append(their_accuracy(model, x_test, y_test))
    return snaps, acc


# ---- comparing ----------------------------------------------------------------------------------

def rel(a, b):
    """||a - b|| / ||b||, in double."""
    a, b = a.astype(np.float64), b.astype(np.float64)
    nb = np.linalg.norm(b)
    return float(np.linalg.norm(a - b) / nb) if nb else float(np.linalg.norm(a - b))


def sci(v):
    return '0' if v == 0 else f'{v:.1e}'


def unit_median(x, f):
    """The median over hidden units (rows of W) of each row's relative L2 difference."""
    x, f = x.astype(np.float64), f.astype(np.float64)
    return float(np.median(np.linalg.norm(x - f, axis=1) / np.linalg.norm(f, axis=1)))


def compare(a, rule, net, work, theirs, acc_theirs):
    """Rows (checkpoint, step, tensor, theirs-vs-f3sim, the two self-spreads) and the summary."""
    base, ulp, thr = work / 'f3sim', work / 'f3sim-1ulp', work / 'f3sim-2threads'
    batches = -(-(a.train_limit or 60000) // a.batch_size)
    checkpoints = [(f'step-{s}', s) for s in a.steps if s <= a.epochs * batches]
    checkpoints += [(f'epoch-{e}', e * batches) for e in range(1, a.epochs + 1)]
    checkpoints.sort(key=lambda c: (c[1], c[0].startswith('epoch')))
    rows, first = [], None
    for name, step in checkpoints:
        f = load_npz(base / f'{name}.npz')
        u = load_npz(ulp / f'{name}.npz')
        p = load_npz(thr / f'{name}.npz')
        t = theirs[name]
        if set(f) != set(t):
            sys.exit(f'stepwise.py: {name}: f3sim holds {sorted(f)}, theirs {sorted(t)}')
        for k in sorted(f, key=lambda k: (k[0] == 'B', int(k[1:]), k[0] != 'W')):
            if k[0] == 'B':  # never trained: must be the initial B in all three
                if not (np.array_equal(f[k], t[k]) and np.array_equal(f[k], u[k])):
                    sys.exit(f'stepwise.py: {rule} {net} {name}: {k} changed')
                continue
            r_t, r_u = rel(t[k], f[k]), rel(u[k], f[k])
            rows.append({'network': net, 'rule': rule, 'checkpoint': name, 'step': step, 'tensor': k,
                         'theirs_vs_f3sim': r_t, 'f3sim_1ulp_vs_f3sim': r_u,
                         'f3sim_2threads_vs_f3sim': rel(p[k], f[k])})
            if first is None and r_t > a.factor * r_u:
                first = (name, step, k, r_t, r_u)
    acc_f = f3sim_accuracy(base)
    acc_u = f3sim_accuracy(ulp)
    # W1 at the last checkpoint: the typical hidden unit, and the share of the squared
    # difference held by the largest 1 % of its elements
    name = checkpoints[-1][0]
    f, u, t = (load_npz(base / f'{name}.npz')['W1'], load_npz(ulp / f'{name}.npz')['W1'], theirs[name]['W1'])
    d2 = np.sort(((t.astype(np.float64) - f) ** 2).ravel())[::-1]
    top1 = float(d2[:max(1, d2.size // 100)].sum() / d2.sum()) if d2.sum() else 0.0
    return rows, {'network': net, 'rule': rule, 'first': first, 'acc_theirs': acc_theirs, 'acc_f3sim': acc_f,
                  'acc_ulp': acc_u, 'checkpoints': checkpoints,
                  'w1_unit_median': (unit_median(t, f), unit_median(u, f)), 'w1_top1': top1}


def tables(a, results, rows, notes):
    out = []
    last = max(c[1] for c in results[0]['checkpoints'])
    out.append(f'Relative L2 difference ||X - F|| / ||F|| of each trained tensor against f3sim (F): theirs '
               f'(their code from the same W, b, B on the same batches), f3sim started 1 ulp away (+1ulp) and '
               f'f3sim with 2 BLAS threads (2thr); "first" is the first checkpoint and tensor where '
               f'theirs-vs-f3sim exceeds {a.factor:g} x the 1-ulp self-spread; "W1 by unit" is the median over '
               f'hidden units of the per-unit difference of W1 (theirs / +1ulp) and the share of W1\'s squared '
               f'difference (theirs) held by its largest 1 % of elements. Test accuracy in % after each epoch. '
               f'{notes}')
    out.append('')
    eps = ' / '.join(f'ep {e}' for e in range(1, a.epochs + 1))
    out.append(f'| network | rule | step {last}: theirs (max over tensors) | +1ulp (max) | 2thr (max) | '
               f'W1 by unit: median, top 1 % share | largest ratio theirs / +1ulp (where) | first exceeding '
               f'{a.factor:g}x +1ulp | test acc. % theirs ({eps}) | f3sim | f3sim+1ulp |')
    out.append('|---|---|---|---|---|---|---|---|---|---|---|')
    for r in results:
        fin = [x for x in rows if x['network'] == r['network'] and x['rule'] == r['rule'] and x['step'] == last]
        mt = max(x['theirs_vs_f3sim'] for x in fin)
        mu = max(x['f3sim_1ulp_vs_f3sim'] for x in fin)
        mp = max(x['f3sim_2threads_vs_f3sim'] for x in fin)
        um = r['w1_unit_median']
        units = f'{sci(um[0])} / {sci(um[1])}, {100 * r["w1_top1"]:.0f} %'
        sub = [x for x in rows if x['network'] == r['network'] and x['rule'] == r['rule']]
        top = max(sub, key=lambda x: x['theirs_vs_f3sim'] / x['f3sim_1ulp_vs_f3sim'] if x['f3sim_1ulp_vs_f3sim']
                  else float('inf'))
        ratio = (f'{top["theirs_vs_f3sim"] / top["f3sim_1ulp_vs_f3sim"]:.2f} ({top["checkpoint"]}, {top["tensor"]})'
                 if top['f3sim_1ulp_vs_f3sim'] else 'inf')
        if r['first']:
            name, step, k, rt, ru = r['first']
            first = f'step {step} ({name}), {k}: {sci(rt)} vs {sci(ru)}'
        else:
            first = f'none through step {last}'
        fmt = lambda v: ' / '.join(f'{x:.2f}' for x in v)  # noqa: E731
        out.append(f'| {r["network"]} | {r["rule"]} | {sci(mt)} | {sci(mu)} | {sci(mp)} | {units} | {ratio} | '
                   f'{first} | {fmt(r["acc_theirs"])} '
                   f'| {fmt(r["acc_f3sim"])} | {fmt(r["acc_ulp"])} |')
    out.append('')
    out.append('Per checkpoint and tensor, against f3sim: theirs / f3sim+1ulp / f3sim 2 threads.')
    for r in results:
        sub = [x for x in rows if x['network'] == r['network'] and x['rule'] == r['rule']]
        tensors = list(dict.fromkeys(x['tensor'] for x in sub))
        out.append('')
        out.append(f'**{r["network"]}, {r["rule"]}**')
        out.append('')
        out.append('| checkpoint | step | ' + ' | '.join(tensors) + ' |')
        out.append('|---|---|' + '---|' * len(tensors))
        for name, step in r['checkpoints']:
            cells = {x['tensor']: x for x in sub if x['checkpoint'] == name}
            out.append(f'| {name} | {step} | ' + ' | '.join(
                f'{sci(cells[t]["theirs_vs_f3sim"])} / {sci(cells[t]["f3sim_1ulp_vs_f3sim"])} / '
                f'{sci(cells[t]["f3sim_2threads_vs_f3sim"])}' for t in tensors)
                + ' |')
    return '\n'.join(out) + '\n'


def main():
    a = ARGS
    t_start = time.perf_counter()
    torch.set_num_threads(1)
    if not os.access(a.f3sim, os.X_OK):
        sys.exit(f'stepwise.py: no f3sim binary at {a.f3sim} (build it, or give --f3sim)')
    f3_models, training, datasets, notes = import_authors(a.authors)
    if a.their_tanh == 'f3sim':
        torch.nn.Tanh.forward = lambda self, x: _F3simTanh.apply(x)
        notes.append("DIAGNOSTIC: their nn.Tanh computes f3sim's tanh")
    a.data = str(Path(a.data).resolve())
    work = Path(a.work)
    work.mkdir(parents=True, exist_ok=True)
    print(f'# torch {torch.__version__}, {torch.get_num_threads()} thread, numpy {np.__version__}, '
          f'{", ".join(notes)}; their code: {Path(a.authors).resolve()}', flush=True)

    x_train, y_train = load_mnist(a.data, True, a.inputs)
    x_test, y_test = load_mnist(a.data, False, a.inputs)
    if a.inputs == 'torchvision' and not check_torchvision(x_train, a.data):
        sys.exit('stepwise.py: the in-memory transform differs from torchvision\'s ToTensor + Normalize')
    if a.train_limit:
        x_train, y_train = x_train[:a.train_limit], y_train[:a.train_limit]
    n = len(x_train)
    # the order: one permutation per epoch from the seed, as a .npy of shape (epochs, n)
    rng = np.random.default_rng(a.seed)
    order = np.stack([rng.permutation(n) for _ in range(a.epochs)]).astype(np.int64)
    order_file = work / 'order.npy'
    np.save(order_file, order)
    a.steps = [s for s in a.steps if s <= a.epochs * -(-n // a.batch_size)]
    print(f'# {n} training samples, batch {a.batch_size}, lr {a.lr:g}, {a.epochs} epoch(s) of '
          f'{-(-n // a.batch_size)} steps; order {order_file}; inputs {a.inputs}', flush=True)

    all_rows, results = [], []
    for net in a.nets:
        hidden = NETS[net]
        for rule in a.rules:
            d = work / net / rule
            d.mkdir(parents=True, exist_ok=True)
            t0 = time.perf_counter()
            init_path = d / 'init.npz'
            cmd, t_f = f3sim_train(a, d / 'f3sim', hidden, rule, order_file, ['--save-init', str(init_path)])
            init = load_npz(init_path)
            np.savez(d / 'init-1ulp.npz', **one_ulp(init))
            _, t_u = f3sim_train(a, d / 'f3sim-1ulp', hidden, rule, order_file, ['--init-from', str(d / 'init-1ulp.npz')])
            _, t_p = f3sim_train(a, d / 'f3sim-2threads', hidden, rule, order_file, ['--init-from', str(init_path)],
                                 threads=2)
            t1 = time.perf_counter()
            theirs, acc_t = their_run(a, f3_models, training, datasets, hidden, rule, init, order,
                                      x_train, y_train, x_test, y_test)
            t_t = time.perf_counter() - t1
            (d / 'theirs').mkdir(exist_ok=True)
            for name, state in theirs.items():  # theirs/step-N.npz, epoch-E.npz: f3sim's layout
                np.savez(d / 'theirs' / f'{name}.npz', **state)
            rows, res = compare(a, rule, net, d, theirs, acc_t)
            all_rows += rows
            results.append(res)
            first = res['first']
            print(f'{net} {rule}: first exceeding {a.factor:g}x self-spread: '
                  f'{"none" if not first else f"{first[0]} {first[2]} {first[3]:.2e} vs {first[4]:.2e}"}; '
                  f'test acc theirs {res["acc_theirs"]}, f3sim {res["acc_f3sim"]}, +1ulp {res["acc_ulp"]}; '
                  f'f3sim {t_f:.1f} + {t_u:.1f} + {t_p:.1f} s, theirs {t_t:.1f} s, total {time.perf_counter() - t0:.1f} s',
                  flush=True)
    notes_txt = (f'MNIST, {n} training samples, batch {a.batch_size}, Adam lr {a.lr:g}, {a.epochs} epoch(s), '
                 f'seed {a.seed}, inputs {a.inputs}, their tanh {a.their_tanh}, 1 thread (but 2thr); '
                 f'torch {torch.__version__}.')
    authors_lib.write_tables(tables(a, results, all_rows, notes_txt), all_rows, a.md, a.csv, t_start)


if __name__ == '__main__':
    main()
