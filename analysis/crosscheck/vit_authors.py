#!/usr/bin/python3
"""Run the F³ authors' Vision Transformer proof of concept, unchanged, on CPU.

Their code (github.com/Helmholtz-AI-Energy/f3, commit f90e380: transformer.py
and the f3/ package) stays OUTSIDE this repository; this driver imports it from
--authors DIR (or $F3_AUTHORS) and calls their functions:

  transformer.set_seed, transformer.F3VisionTransformer,
  transformer.initialize_error_information, transformer.train_epoch (which
  calls their get_error_information / train_batch / update_error_information),
  transformer.evaluate, f3.datasets.DatasetWithIndices.

What it replaces is only what is local to their train_mnist() (transformer.py
lines 263-286) and so cannot be imported: the model's default kwargs, the
loss closure, the data loaders and the epoch loop.  Those lines are mirrored
here one for one (see train()), with two changes, both outside the model and
the update:
  * data: MNIST is read from the idx files in --data with numpy and held in
    memory as tensors (ToTensor + Normalize((0.1307,), (0.3081,)) done once,
    with the same float32 operations as torchvision), instead of
    torchvision.datasets.MNIST decoding a PIL image per sample per epoch;
    the training set is shuffled by a torch.Generator seeded with --seed
    rather than by the global RNG; the test set is not shuffled (their test
    loader shuffles, which does not change the accuracy).
  * their evaluate() only prints; its line is captured and parsed, and the
    loss closure also sums the mean batch loss it returns during training, to
    report a train loss (their loop reports none).

The rule selection is theirs (transformer.py lines 297-302):
  bp   mode='bp'  (error_info_type keeps train_mnist's default
                   'delayed_error': the error store is built and written but
                   BPModule ignores it, as in their run)
  drtp mode='f3', error_info_type='one_hot_target'
  dfa  mode='f3', error_info_type='current_error'
  f3   mode='f3', error_info_type='delayed_error_softmax'

einops: their transformer.py does `import einops, einops.layers.torch`.
Debian 12 does not package einops, so when it is not importable this driver
puts a small stand-in into sys.modules (see _einops_shim below): rearrange()
for plain named-axis patterns (groups in parentheses, no '...', no
anonymous axes, no reductions), done as einops does it on torch
(reshape -> permute -> reshape), and the layer einops.layers.torch.Rearrange.
Their code uses three patterns, all of that kind.

Run with Debian's /usr/bin/python3 (python3-torch); see README.md beside it.
"""
import time

_T_PROCESS0 = time.perf_counter()  # whole-process wall time starts here

import argparse
import contextlib
import csv
import io
import os
import re
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent.parent

# the rule -> train_mnist kwargs table of transformer.py lines 297-302; bp keeps
# train_mnist's default error_info_type ('delayed_error').
RULES = {
    'bp': {'mode': 'bp', 'error_info_type': 'delayed_error'},
    'drtp': {'mode': 'f3', 'error_info_type': 'one_hot_target'},
    'dfa': {'mode': 'f3', 'error_info_type': 'current_error'},
    'f3': {'mode': 'f3', 'error_info_type': 'delayed_error_softmax'},
}


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--authors', default=os.environ.get('F3_AUTHORS'),
                   help='folder holding their transformer.py and f3/ (default $F3_AUTHORS)')
    p.add_argument('--rule', choices=sorted(RULES), required=True)
    p.add_argument('--data', default=str(REPO_ROOT / 'data' / 'mnist'),
                   help='folder with the uncompressed MNIST idx files (default <repo>/data/mnist)')
    p.add_argument('--epochs', type=int, default=5)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--threads', type=int, default=1, help='torch.set_num_threads (and OMP/BLAS env)')
    p.add_argument('--csv', help='append rows rule,seed,epoch,train_loss,test_accuracy_pct,train_seconds')
    p.add_argument('--loader', choices=['dataloader', 'indexed'], default='dataloader',
                   help="'dataloader': torch DataLoader over a TensorDataset (default); 'indexed': "
                        "batches cut from the in-memory tensors by a shuffled index, no per-sample collation")
    p.add_argument('--max-batches', type=int, default=0,
                   help='smoke test only: stop each epoch after this many batches (0 = whole epoch)')
    a = p.parse_args()
    if not a.authors:
        p.error('--authors DIR (or F3_AUTHORS) is required')
    return a


ARGS = parse_args()
# Thread counts must be fixed before torch loads its OpenMP/BLAS runtimes.
for _v in ('OMP_NUM_THREADS', 'MKL_NUM_THREADS', 'OPENBLAS_NUM_THREADS'):
    os.environ[_v] = str(ARGS.threads)

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402


def _einops_shim():
    """Install a minimal einops stand-in (see the module docstring)."""
    import types
    from math import prod

    def parse(side):
        groups, cur = [], None
        for tok in re.findall(r'\(|\)|[A-Za-z_][A-Za-z0-9_]*|\S', side):
            if tok == '(':
                cur = []
            elif tok == ')':
                groups.append(cur)
                cur = None
            elif re.fullmatch(r'[A-Za-z_][A-Za-z0-9_]*', tok):
                if cur is not None:
                    cur.append(tok)
                else:
                    groups.append([tok])
            else:
                raise ValueError(f'einops shim: unsupported token {tok!r} in {side!r}')
        return groups

    def rearrange(x, pattern, **axes_lengths):
        left, right = (s.strip() for s in pattern.split('->'))
        lg, rg = parse(left), parse(right)
        if len(lg) != x.dim():
            raise ValueError(f'einops shim: {pattern!r} expects {len(lg)} dims, got {x.dim()}')
        known = dict(axes_lengths)
        for g, n in zip(lg, x.shape):
            unknown = [a for a in g if a not in known]
            k = prod(known[a] for a in g if a in known)
            if len(unknown) > 1:
                raise ValueError(f'einops shim: cannot infer {unknown} in {pattern!r}')
            if unknown:
                if n % k:
                    raise ValueError(f'einops shim: {n} not divisible by {k} in {pattern!r}')
                known[unknown[0]] = n // k
            elif k != n:
                raise ValueError(f'einops shim: axis of size {n} != {k} in {pattern!r}')
        elementary = [a for g in lg for a in g]
        order = [a for g in rg for a in g]
        if sorted(elementary) != sorted(order):
            raise ValueError(f'einops shim: axes differ between sides of {pattern!r}')
        y = x.reshape([known[a] for a in elementary])
        y = y.permute([elementary.index(a) for a in order])
        return y.reshape([prod(known[a] for a in g) for g in rg])

    class Rearrange(torch.nn.Module):
        def __init__(self, pattern, **axes_lengths):
            super().__init__()
            self.pattern, self.axes_lengths = pattern, axes_lengths

        def forward(self, x):
            return rearrange(x, self.pattern, **self.axes_lengths)

    einops = types.ModuleType('einops')
    einops.__doc__ = 'f3sim crosscheck stand-in for einops (rearrange only)'
    einops.rearrange = rearrange
    layers = types.ModuleType('einops.layers')
    layers_torch = types.ModuleType('einops.layers.torch')
    layers_torch.Rearrange = Rearrange
    einops.layers, layers.torch = layers, layers_torch
    sys.modules.update({'einops': einops, 'einops.layers': layers, 'einops.layers.torch': layers_torch})


def import_authors(authors_dir):
    authors_dir = Path(authors_dir).resolve()
    if not (authors_dir / 'transformer.py').is_file() or not (authors_dir / 'f3' / 'f3_module.py').is_file():
        sys.exit(f'vit_authors.py: {authors_dir} has no transformer.py and f3/f3_module.py')
    sys.path.insert(0, str(authors_dir))
    try:
        import einops  # noqa: F401
        import einops.layers.torch  # noqa: F401
        einops_note = f'einops {getattr(einops, "__version__", "?")}'
    except ImportError:
        _einops_shim()
        einops_note = 'einops stand-in (vit_authors.py)'
    import transformer
    from f3 import datasets
    for mod in (transformer, datasets):
        if Path(mod.__file__).resolve().parent not in (authors_dir, authors_dir / 'f3'):
            sys.exit(f'vit_authors.py: imported {mod.__name__} from {mod.__file__}, not from {authors_dir}')
    return transformer, datasets, einops_note


def read_idx(path):
    raw = Path(path).read_bytes()
    magic = int.from_bytes(raw[0:4], 'big')
    ndim = magic & 0xff
    if magic >> 8 != 0x08:  # unsigned byte
        raise ValueError(f'{path}: not an unsigned-byte idx file')
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], 'big') for i in range(ndim)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load_mnist(data_dir, train):
    """Whole split as tensors, transformed as their get_dataloaders() does per sample:
    ToTensor (uint8 -> float32, /255, shape 1x28x28), Normalize((0.1307,), (0.3081,)),
    one_hot(target, 10).float()."""
    stem = 'train' if train else 't10k'
    images = read_idx(Path(data_dir) / f'{stem}-images-idx3-ubyte')
    labels = read_idx(Path(data_dir) / f'{stem}-labels-idx1-ubyte')
    x = torch.from_numpy(images.copy()).unsqueeze(1).to(dtype=torch.get_default_dtype()).div(255)
    mean = torch.as_tensor((0.1307,), dtype=x.dtype).view(-1, 1, 1)
    std = torch.as_tensor((0.3081,), dtype=x.dtype).view(-1, 1, 1)
    x.sub_(mean).div_(std)
    y = F.one_hot(torch.from_numpy(labels.astype(np.int64)), 10).float()
    return x, y


class IndexedLoader:
    """--loader indexed: yields (index, data, target) batches cut from in-memory
    tensors by a seeded permutation; what their train_epoch reads from a
    DataLoader over DatasetWithIndices, without per-sample collation."""

    def __init__(self, dataset_with_indices, batch_size, generator):
        self.dataset = dataset_with_indices  # their initialize_error_information reads .dataset.dataset
        self.x, self.y = dataset_with_indices.dataset.tensors
        self.batch_size, self.generator = batch_size, generator

    def __iter__(self):
        perm = torch.randperm(len(self.x), generator=self.generator)
        for idx in perm.split(self.batch_size):
            yield idx, self.x[idx], self.y[idx]

    def __len__(self):
        return (len(self.x) + self.batch_size - 1) // self.batch_size


class Limited:
    """--max-batches: first n batches of a loader (smoke tests only)."""

    def __init__(self, loader, n):
        self.loader, self.n, self.dataset = loader, n, loader.dataset

    def __iter__(self):
        for i, b in enumerate(self.loader):
            if i >= self.n:
                return
            yield b


def run_evaluate(transformer, epoch, model, test_loader, device, loss_function):
    """Call their evaluate() (which prints and returns nothing); parse its line."""
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        transformer.evaluate(epoch, model, test_loader, device, loss_function)
    line = buf.getvalue().strip()
    m = re.search(r'Average test loss: (\S+)\s+Accuracy:\s*(\d+)/\s*(\d+)', line)
    if not m:
        sys.exit(f'vit_authors.py: cannot parse their evaluate() line: {line!r}')
    return line, float(m.group(1)), 100.0 * int(m.group(2)) / int(m.group(3))


def main():
    a = ARGS
    torch.set_num_threads(a.threads)
    transformer, datasets, einops_note = import_authors(a.authors)
    rule = RULES[a.rule]
    device = 'cpu'
    batch_size, batch_size_test, lr = 100, 10000, 0.003  # train_mnist defaults, line 263-264
    print(f'# torch {torch.__version__}, {torch.get_num_threads()} thread(s), numpy {np.__version__}, '
          f'{einops_note}; authors code {Path(a.authors).resolve()}', flush=True)
    print(f'# rule {a.rule}: {rule}, seed {a.seed}, epochs {a.epochs}, loader {a.loader}'
          + (f', SMOKE TEST: {a.max_batches} batches/epoch' if a.max_batches else ''), flush=True)

    # ---- mirrors train_mnist(), transformer.py lines 265-286 ----
    transformer.set_seed(a.seed)                                              # line 265
    model_default_kwargs = {'image_size': 28, 'num_classes': 10, 'channels': 1, 'hidden_dim': 512, 'heads': 8,
                            'depth': 5, 'mode': rule['mode']}                 # lines 267-268
    model = transformer.F3VisionTransformer(**model_default_kwargs)           # line 269
    model.to(device)                                                          # line 270

    train_loss_acc = [0.0, 0]

    def loss_function(output, target, **kwargs):                              # lines 272-273
        loss = F.nll_loss(F.log_softmax(output, dim=1), target.argmax(dim=1), **kwargs)
        if not kwargs:  # the training call in their train_batch (evaluate passes reduction='sum')
            train_loss_acc[0] += loss.item()
            train_loss_acc[1] += 1
        return loss

    # line 275, get_dataloaders(): here from memory (see the module docstring)
    t0 = time.perf_counter()
    x_train, y_train = load_mnist(a.data, train=True)
    x_test, y_test = load_mnist(a.data, train=False)
    train_set = datasets.DatasetWithIndices(torch.utils.data.TensorDataset(x_train, y_train))
    generator = torch.Generator().manual_seed(a.seed)
    if a.loader == 'dataloader':
        train_loader = torch.utils.data.DataLoader(train_set, batch_size=batch_size, shuffle=True,
                                                   generator=generator)
    else:
        train_loader = IndexedLoader(train_set, batch_size, generator)
    if a.max_batches:
        train_loader = Limited(train_loader, a.max_batches)
    test_loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x_test, y_test),
                                              batch_size=batch_size_test, shuffle=False)
    print(f'# data loaded into memory in {time.perf_counter() - t0:.2f} s: '
          f'train {tuple(x_train.shape)}, test {tuple(x_test.shape)}', flush=True)

    optimizer = torch.optim.Adam(model.parameters(), lr=lr)                   # line 277

    error_info_type = rule['error_info_type']
    t0 = time.perf_counter()
    error_information = transformer.initialize_error_information(
        train_loader, device) if error_info_type.startswith('delayed_') else None  # lines 279-280
    if error_information is not None:
        print(f'# error store initialised by their initialize_error_information in '
              f'{time.perf_counter() - t0:.2f} s', flush=True)
    n_params = sum(p.numel() for p in model.parameters())
    print(f'# parameters {n_params}', flush=True)

    csv_file = writer = None
    if a.csv:
        new = not Path(a.csv).exists() or Path(a.csv).stat().st_size == 0
        csv_file = open(a.csv, 'a', newline='')
        writer = csv.writer(csv_file)
        if new:
            writer.writerow(['rule', 'seed', 'epoch', 'train_loss', 'test_accuracy_pct', 'train_seconds'])
            csv_file.flush()

    line, _, acc = run_evaluate(transformer, 0, model, test_loader, device, loss_function)  # line 282
    print(line, flush=True)
    print(f'{"epoch":>5} {"train_loss":>10} {"test_accuracy_pct":>17} {"train_seconds":>13}', flush=True)
    train_total = 0.0
    for epoch in range(1, a.epochs + 1):                                      # line 283
        train_loss_acc[:] = [0.0, 0]
        t0 = time.perf_counter()
        transformer.train_epoch(model, optimizer, train_loader, device, loss_function,
                                delayed_error_info=error_information,
                                error_info_type=error_info_type)              # lines 284-285
        train_s = time.perf_counter() - t0
        train_total += train_s
        train_loss = train_loss_acc[0] / max(train_loss_acc[1], 1)
        line, test_loss, acc = run_evaluate(transformer, epoch, model, test_loader, device,
                                            loss_function)                    # line 286
        print(f'{epoch:>5} {train_loss:>10.5f} {acc:>17.2f} {train_s:>13.2f}   ({line})', flush=True)
        if writer:
            writer.writerow([a.rule, a.seed, epoch, f'{train_loss:.6f}', f'{acc:.2f}', f'{train_s:.3f}'])
            csv_file.flush()
            os.fsync(csv_file.fileno())
    if csv_file:
        csv_file.close()
    wall = time.perf_counter() - _T_PROCESS0
    print(f'# training seconds total {train_total:.2f} over {a.epochs} epoch(s), '
          f'{train_total / max(a.epochs, 1):.2f} s/epoch', flush=True)
    print(f'# whole-process wall time {wall:.2f} s (from the driver\'s first line: imports, data, '
          f'model, error store, evaluations and training)', flush=True)


if __name__ == '__main__':
    main()
