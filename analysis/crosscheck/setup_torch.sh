#!/usr/bin/env bash
# Installs what the authors' code (github.com/Helmholtz-AI-Energy/f3 at f90e380)
# needs to run on CPU from Debian's packages, for /usr/bin/python3:
#   python3-torch        their model and training step
#   python3-torchvision  imported at the top of their transformer.py and f3/datasets.py
#   python3-pandas, python3-sklearn  imported at the top of their f3/datasets.py
#   python3-numpy        our driver reads the MNIST idx files with it
#   python3-tqdm         imported at the top of their f3/training.py (stepwise.py)
# einops (imported by their transformer.py) is not packaged by Debian 12;
# vit_authors.py carries a small documented stand-in for the two calls they use.
# Nor is torchmetrics (imported at the top of their f3/training.py, used only
# by its evaluate_dataset): stepwise.py puts an empty stand-in in its place.
#
# Idempotent: packages already installed are left alone. Needs root (apt-get).
# Never called by the README's build/test commands or by CI.
set -euo pipefail

pkgs=(python3-torch python3-torchvision python3-pandas python3-sklearn python3-numpy python3-tqdm)

missing=()
for p in "${pkgs[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$p")
    fi
done

if ((${#missing[@]})); then
    if [[ $(id -u) -ne 0 ]]; then
        echo "setup_torch.sh: need root to apt-get install ${missing[*]}" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update
    apt-get install -y --no-install-recommends "${missing[@]}"
else
    echo "setup_torch.sh: ${pkgs[*]} already installed"
fi

/usr/bin/python3 -c 'import torch, torchvision, numpy; print("torch", torch.__version__, "torchvision", torchvision.__version__, "numpy", numpy.__version__)'
