#!/usr/bin/env bash
# Regenerate the figures of benchmarks/RESULTS.md (section 4) (run by hand, from the repository root).
#
#   SEGKIT_BSDS500=/path/to/BSDS500/data bash benchmarks/evaluate_bsds.sh [OUT_DIR]
#
# Every step is resumable: rerun the script after an interruption and finished rows are skipped.
# Outputs (CSV rows + Markdown summaries beside them) go to OUT_DIR (default benchmarks/out/, git-ignored).
# JOBS (default 2) worker processes; for the CNNs see step 3 (CNN_IMAGES, CNN_JOBS, CNN_THREADS, CNN_DEVICE).
set -euo pipefail
OUT=${1:-benchmarks/out}
JOBS=${JOBS:-2}
PY=${PYTHON:-python}
mkdir -p "$OUT"

# 1. A small grid for k-means and Felzenszwalb on the first 8 train images, full resolution.
$PY -m segkit evaluate --split train --limit 8 --jobs "$JOBS" --no-progress --methods kmeans,felzenszwalb \
    --param kmeans.k=4,8,16,32 --param kmeans.color_space=rgb,lab --param kmeans.position_weight=0,0.5 \
    --param felzenszwalb.scale=30,100,300,1000 --param felzenszwalb.min_size=20,100 \
    --output "$OUT/grid_train.csv"
# ... extended at its edges (k below 4, scale above 1000)
$PY -m segkit evaluate --split train --limit 8 --jobs "$JOBS" --no-progress --methods kmeans,felzenszwalb \
    --param kmeans.k=2,3 --param kmeans.color_space=rgb,lab \
    --param felzenszwalb.scale=3000 --param felzenszwalb.min_size=20,100 \
    --output "$OUT/grid_train.csv"

# 2. The val split (100 images), full resolution: the best train settings by AP@0.5 (k-means: lab, k=2;
#    Felzenszwalb: scale 1000, min_size 100) and by best-overlap mIoU (k-means: lab, k=4; Felzenszwalb:
#    scale 300, min_size 20), and SLIC at its defaults.
$PY -m segkit evaluate --split val --jobs "$JOBS" --no-progress --methods kmeans,felzenszwalb,slic \
    --param kmeans.k=2,4 --param kmeans.color_space=lab \
    --param felzenszwalb.scale=1000 --param felzenszwalb.min_size=100 \
    --output "$OUT/val.csv"
$PY -m segkit evaluate --split val --jobs "$JOBS" --no-progress --methods felzenszwalb \
    --param felzenszwalb.scale=300 --param felzenszwalb.min_size=20 \
    --output "$OUT/val.csv"

# 3. The unsupervised CNNs at their defaults: 1000 iterations (kim2020 never reaches minLabels 3), about
#    10 minutes per image on 2 quiet cores for kim2020 and 2 to 10 for kanezaki2018. CNN_JOBS workers
#    (default 2) with one torch thread each, so that two workers never oversubscribe two cores (which
#    slows torch 5 to 20 times, RESULTS section 3); only the first CNN_IMAGES val images (default 10).
#    On a GPU: CNN_DEVICE=cuda CNN_JOBS=1.
OMP_NUM_THREADS=${CNN_THREADS:-1} $PY -m segkit evaluate --split val --limit "${CNN_IMAGES:-10}" \
    --jobs "${CNN_JOBS:-2}" --no-progress --methods kanezaki2018,kim2020 \
    --param kanezaki2018.keep_memory=true --param kim2020.keep_memory=true \
    --param kanezaki2018.device="${CNN_DEVICE:-cpu}" --param kim2020.device="${CNN_DEVICE:-cpu}" \
    --output "$OUT/val_cnn.csv"
