"""Shared pieces of the drivers that run the F³ authors' fully connected code beside f3sim.

stepwise.py (issue 20, step-by-step agreement) and speed.py (issue 20, time per epoch) both
import the authors' code (github.com/Helmholtz-AI-Energy/f3 at f90e380) unchanged from a
folder outside this repository, read MNIST-format idx files into memory and build their
fc_model.  This module holds those pieces:

  RULES, NETS       f3sim's rule names -> f3sim options and their (mode, error_info_type);
                    network names -> hidden widths
  import_authors    their f3.f3_models, f3.training, f3.datasets, with stand-ins for
                    torchmetrics (not packaged by Debian 12) and tqdm where missing
  read_idx          an unsigned-byte idx file (or its .gz) as a numpy array
  load_mnist        a whole split as float32 inputs and one-hot targets
  their_model       their fc_model as their start_training.py builds it for MNIST

Importing it loads neither numpy nor torch (either may start a BLAS whose thread count is fixed
when it loads); its functions import them when called, so a driver may import it before fixing
OMP/MKL/OPENBLAS_NUM_THREADS.  Errors end
the process with a message starting with `prog` (the driver's name).
"""
import csv
import gzip
import sys
import time
import types
from pathlib import Path

# f3sim rule -> (f3sim train options, their mode, their error_info_type)
RULES = {
    'bp': (['--algorithm', 'bp'], 'bp', 'one_hot_target'),
    'f3-error': (['--algorithm', 'f3', '--error-info', 'delayed_error_one_hot'], 'f3', 'delayed_error_one_hot'),
    'f3-loss': (['--algorithm', 'f3', '--error-info', 'delayed_loss_one_hot'], 'f3', 'delayed_loss_one_hot'),
    'dfa': (['--algorithm', 'dfa'], 'f3', 'current_error'),
    'drtp': (['--algorithm', 'drtp'], 'f3', 'one_hot_target'),
}
NETS = {'784-500-10': [500], '784-256x3-10': [256, 256, 256]}


# ---- torchmetrics stand-ins ----------------------------------------------------------------------

def _empty_torchmetrics(prog):
    """An empty module: any use raises (for drivers that never call their evaluate_dataset)."""
    stub = types.ModuleType('torchmetrics')
    stub.__doc__ = 'f3sim crosscheck stand-in: their evaluate_dataset is not called'

    def _missing(name):
        raise RuntimeError(f'torchmetrics.{name} is a stand-in ({prog}); install torchmetrics to use it')
    stub.__getattr__ = _missing
    return stub


class _MultilabelAUROC:
    """torchmetrics.classification.MultilabelAUROC(num_labels) with its defaults (no thresholds,
    macro average): update() keeps every prediction and target, compute() sorts each label's
    scores and integrates the ROC curve by the trapezoid rule, as torchmetrics does (ties in the
    scores taken together)."""

    def __init__(self, num_labels):
        self.num_labels = num_labels
        self.preds, self.target = [], []

    def to(self, device):
        return self

    def update(self, preds, target):
        self.preds.append(preds.detach())
        self.target.append(target.detach())

    def compute(self):
        import torch
        p = torch.cat(self.preds).float()
        t = torch.cat(self.target)
        if ((p < 0) | (p > 1)).any():  # torchmetrics applies a sigmoid to logits
            p = p.sigmoid()
        aucs = []
        for k in range(self.num_labels):
            score, order = torch.sort(p[:, k], descending=True)
            pos = t[order, k].double()
            distinct = torch.nonzero(score[1:] != score[:-1]).flatten()
            ends = torch.cat([distinct, torch.tensor([len(score) - 1])])
            tps = torch.cumsum(pos, 0)[ends]
            fps = (ends + 1).double() - tps
            tps = torch.cat([torch.zeros(1, dtype=torch.float64), tps])
            fps = torch.cat([torch.zeros(1, dtype=torch.float64), fps])
            if tps[-1] == 0 or fps[-1] == 0:
                aucs.append(torch.tensor(0.0, dtype=torch.float64))
                continue
            aucs.append(torch.trapz(tps / tps[-1], fps / fps[-1]))
        return torch.stack(aucs).mean().float()


class _MultilabelF1Score:
    """torchmetrics.classification.MultilabelF1Score(num_labels) with its defaults (threshold 0.5,
    macro average): true/false positives and false negatives per label summed over the updates."""

    def __init__(self, num_labels):
        import torch
        self.tp = torch.zeros(num_labels)
        self.fp = torch.zeros(num_labels)
        self.fn = torch.zeros(num_labels)

    def to(self, device):
        return self

    def update(self, preds, target):
        p = preds.detach()
        if ((p < 0) | (p > 1)).any():
            p = p.sigmoid()
        pred = p > 0.5
        t = target.bool()
        self.tp += (pred & t).sum(0)
        self.fp += (pred & ~t).sum(0)
        self.fn += (~pred & t).sum(0)

    def compute(self):
        import torch
        den = 2 * self.tp + self.fp + self.fn
        f1 = torch.where(den > 0, 2 * self.tp / den.clamp(min=1), torch.zeros_like(den))
        return f1.mean()


def _working_torchmetrics(prog):
    """The two metrics their evaluate_dataset builds for one-hot classification (MNIST), computed
    with torch operations; the regression and class-target metrics raise."""
    stub = _empty_torchmetrics(prog)
    stub.__doc__ = ('f3sim crosscheck stand-in: MultilabelAUROC and MultilabelF1Score for their '
                    'evaluate_dataset on one-hot targets')
    cls = types.ModuleType('torchmetrics.classification')
    cls.MultilabelAUROC = _MultilabelAUROC
    cls.MultilabelF1Score = _MultilabelF1Score
    stub.classification = cls
    return stub, cls


def import_authors(authors_dir, prog='authors_lib', metrics='empty'):
    """Their f3.f3_models, f3.training and f3.datasets, from authors_dir, unchanged, and notes on the
    stand-ins used.  metrics: 'empty' puts an empty torchmetrics module in place when torchmetrics
    cannot be imported (their evaluate_dataset must not be called); 'working' one whose multilabel
    AUROC and F1 compute, so that their training() with its evaluations runs."""
    authors_dir = Path(authors_dir).resolve()
    if not (authors_dir / 'f3' / 'f3_models.py').is_file() or not (authors_dir / 'f3' / 'training.py').is_file():
        sys.exit(f'{prog}: {authors_dir} has no f3/f3_models.py and f3/training.py')
    notes = []
    try:
        import torchmetrics  # noqa: F401
        notes.append(f'torchmetrics {torchmetrics.__version__}')
    except ImportError:
        if metrics == 'working':
            stub, cls = _working_torchmetrics(prog)
            sys.modules['torchmetrics'] = stub
            sys.modules['torchmetrics.classification'] = cls
            notes.append('torchmetrics stand-in (multilabel AUROC and F1 in torch)')
        else:
            sys.modules['torchmetrics'] = _empty_torchmetrics(prog)
            notes.append('torchmetrics stand-in (unused)')
    try:
        import tqdm.autonotebook  # noqa: F401
        del tqdm
    except ImportError:
        tq = types.ModuleType('tqdm')
        tqa = types.ModuleType('tqdm.autonotebook')
        tqa.tqdm = lambda it, *a, **k: it
        tq.autonotebook = tqa
        sys.modules.update({'tqdm': tq, 'tqdm.autonotebook': tqa})
        notes.append('tqdm stand-in (unused)')
    sys.path.insert(0, str(authors_dir))
    from f3 import f3_models, training, datasets
    for mod in (f3_models, training, datasets):
        if Path(mod.__file__).resolve().parent != authors_dir / 'f3':
            sys.exit(f'{prog}: imported {mod.__name__} from {mod.__file__}, not from {authors_dir}/f3')
    return f3_models, training, datasets, notes


# ---- data ----------------------------------------------------------------------------------------

def read_idx(path, prog='authors_lib'):
    """An unsigned-byte idx file as a numpy array; PATH.gz is read when PATH itself is missing."""
    import numpy as np
    path = Path(path)
    if not path.exists() and Path(str(path) + '.gz').exists():
        raw = gzip.decompress(Path(str(path) + '.gz').read_bytes())
    else:
        raw = path.read_bytes()
    magic = int.from_bytes(raw[0:4], 'big')
    ndim = magic & 0xff
    if magic >> 8 != 0x08:
        sys.exit(f'{prog}: {path}: not an unsigned-byte idx file')
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], 'big') for i in range(ndim)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load_mnist(data_dir, train, inputs, prog='authors_lib'):
    """A whole split as (x (N, 1, 28, 28) float32, one-hot y (N, 10) float32)."""
    import numpy as np
    import torch
    import torch.nn.functional as F
    stem = 'train' if train else 't10k'
    images = read_idx(Path(data_dir) / f'{stem}-images-idx3-ubyte', prog)
    labels = read_idx(Path(data_dir) / f'{stem}-labels-idx1-ubyte', prog)
    u8 = torch.from_numpy(images.copy()).unsqueeze(1)
    if inputs == 'torchvision':
        # ToTensor (uint8 -> float32 / 255), Normalize: (x - mean) / std, in float32 as torchvision does
        x = u8.to(torch.float32).div(255)
        x.sub_(torch.tensor(0.1307, dtype=torch.float32)).div_(torch.tensor(0.3081, dtype=torch.float32))
    else:
        # f3sim's f3_dataset_standardise_scalar and f3_dataset_gather, float32
        off = np.float32(0.1307) * np.float32(255.0)
        sc = np.float32(1.0) / (np.float32(0.3081) * np.float32(255.0))
        x = torch.from_numpy((images.astype(np.float32) - off) * sc).unsqueeze(1)
    y = F.one_hot(torch.from_numpy(labels.astype(np.int64)), 10).float()
    return x.contiguous(), y


# ---- their model ---------------------------------------------------------------------------------

def their_model(f3_models, hidden, mode):
    """fc_model as start_training.py's create_model builds it for MNIST: trinomial B (their
    discrete_uniform, scalar 1, values -1 0 1).  Their fc_model takes one width for all hidden
    layers."""
    assert len(set(hidden)) == 1, hidden
    return f3_models.fc_model(depth=len(hidden), width=hidden[0], input_size=[1, 28, 28], output_size=10, mode=mode,
                              regression=False, initialization_method='discrete_uniform', scalar=1.0,
                              discrete_values=[-1, 0, 1])


def write_tables(text, rows, md, csv_path, t_start):
    """A driver's closing output: the markdown tables on stdout and in md, the rows (dicts) in
    csv_path (each optional), and the wall time since t_start (time.perf_counter())."""
    print()
    print(text, end='')
    if md:
        Path(md).write_text(text)
    if csv_path:
        with open(csv_path, 'w', newline='') as f:
            w = csv.DictWriter(f, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)
    print(f'# wall time {time.perf_counter() - t_start:.0f} s', flush=True)
