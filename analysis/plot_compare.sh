#!/usr/bin/env bash
# Plot a comparison: test accuracy and test loss per epoch of every learning
# rule in a results folder (the <rule>/epochs.csv files that `f3sim run`
# writes), as PNG files beside them.
#   analysis/plot_compare.sh results/default        → results/default/{accuracy,loss}.png
set -euo pipefail
dir=${1:?usage: analysis/plot_compare.sh RESULTS_DIR}
command -v gnuplot >/dev/null || { echo "plot_compare: gnuplot is not installed (scripts/setup.sh installs it)" >&2; exit 1; }
mapfile -t runs < <(find "$dir" -mindepth 2 -maxdepth 2 -name epochs.csv | sort)
[ "${#runs[@]}" -gt 0 ] || { echo "plot_compare: no */epochs.csv under $dir" >&2; exit 1; }
epochs=$(( $(wc -l < "${runs[0]}") - 1 ))
xtics="set xtics"
[ "$epochs" -le 20 ] && xtics="set xtics 1"
plot() {  # column title unit file
  local col=$1 title=$2 unit=$3 out=$4 cmd="" sep=""
  for f in "${runs[@]}"; do
    name=$(basename "$(dirname "$f")")
    cmd+="$sep'$f' using 1:$col with linespoints title '$name'"
    sep=", "
  done
  gnuplot <<G
set datafile separator ','
set terminal pngcairo size 900,560 font 'sans,11'
set output '$out'
set key bottom right
set grid
set xlabel 'epoch'
$xtics
set ylabel '$title [$unit]'
set title '$(basename "$dir"): $title per epoch'
plot $cmd
G
  echo "plot_compare: $out" >&2
}
plot 5 "test accuracy" "%" "$dir/accuracy.png"
plot 4 "test loss" "as in run.json loss_units" "$dir/loss.png"
