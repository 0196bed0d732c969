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

# 3. The unsupervised CNNs at full size with the fast schedule (segkit.cnn.schedule; about a minute per
#    image on 2 quiet cores, RESULTS section 3), the schedule stored in every row.
#    3a. mu (kim2020) and the iteration budget max_iter (kanezaki2018; in the fast schedule it scales the
#        half-size stage: 1,000 = 200 updates there, segkit.cnn.schedule.fast_stages) on the first 8 train
#        images, as the classical grid of step 1;
#    3b. the val split at the defaults (mu 1, max_iter 1,000) and at the train picks of 3a (CNN_MU, default 0.5;
#        CNN_MAXITER, default 500: benchmarks/RESULTS.md section 4).
#    CNN_JOBS workers (default 2) with one torch thread each, so that two workers never oversubscribe
#    two cores (RESULTS section 3). For the papers' 1,000 iterations add
#    --param kim2020.schedule=paper (10 to 30 minutes per image on a CPU). On a GPU: CNN_DEVICE=cuda CNN_JOBS=1.
CNN_COMMON=(--jobs "${CNN_JOBS:-2}" --no-progress
            --param kanezaki2018.keep_memory=true --param kim2020.keep_memory=true
            --param kanezaki2018.device="${CNN_DEVICE:-cpu}" --param kim2020.device="${CNN_DEVICE:-cpu}")
OMP_NUM_THREADS=${CNN_THREADS:-1} $PY -m segkit evaluate --split train --limit 8 "${CNN_COMMON[@]}" \
    --methods kim2020,kanezaki2018 --param kim2020.mu=0.5,1,2,5,10 --param kanezaki2018.max_iter=500,1000,2000 \
    --output "$OUT/grid_train_cnn.csv"
OMP_NUM_THREADS=${CNN_THREADS:-1} $PY -m segkit evaluate --split val --limit "${CNN_IMAGES:-100}" "${CNN_COMMON[@]}" \
    --methods kanezaki2018,kim2020 --param kim2020.mu="1,${CNN_MU:-0.5}" \
    --param kanezaki2018.max_iter="1000,${CNN_MAXITER:-500}" --output "$OUT/val_cnn.csv"
