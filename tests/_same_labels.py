"""Label maps of every method on the lessons' images, written to an .npz file.

Run by tests/test_same_labels.py twice: once with the segkit of the commit
before the one-subpackage-per-lesson move on the path, once with today's.
Only names both versions have are used (the top-level ones and
``segkit.iic`` / ``segkit.stego``); ``NEW_ONLY`` holds the arguments that
only today's segkit takes (the CNN's engine: the code before the move always
ran what is now the fast engine).

    python tests/_same_labels.py OUT.npz [--new]
"""

import sys

import numpy as np

import segkit


def _labels(new: bool) -> dict:
    engine = {"engine": "fast"} if new else {}
    coins = segkit.sample_image("coins", max_side=96)
    coffee = segkit.sample_image("coffee", max_side=72)
    chelsea = segkit.sample_image("chelsea", max_side=64)
    out = {
        "otsu": segkit.otsu_segment(coins),
        "region_grow": segkit.region_grow(coins, (20, 20), 0.1),
        "edge": segkit.edge_segment(coins),
        "kmeans_colour": segkit.kmeans_segment(coffee, 4, seed=1),
        "kmeans_colour_position": segkit.kmeans_segment(coffee, 5, position_weight=2.0, color_space="lab", seed=2),
        "felzenszwalb": segkit.felzenszwalb_segment(coffee),
        "slic": segkit.slic(coffee, 60, 10.0),
    }
    out["majority_vote"] = segkit.majority_vote(out["kmeans_colour"], out["slic"])
    for method in ("kim2020", "kanezaki2018"):
        res = segkit.segment(chelsea, method, max_iter=8, n_channels=12, n_segments=200, min_labels=1, seed=3,
                             device="cpu", **engine)
        out[f"segment_{method}"] = res.labels
        out[f"segment_{method}_loss"] = np.array(res.history["loss"])
    fit = segkit.fit_reference([chelsea, coffee], size=40, iters_per_image=4, n_channels=12, seed=4, device="cpu",
                               **engine)
    out["fit_reference_predict"] = segkit.predict(fit.model, coffee)

    import torch

    from segkit import iic, stego

    scenes = [segkit.synthetic_scene((32, 32), seed=s)[0] for s in range(2)]
    net = iic.train_iic(scenes, k=2, k_over=4, n_steps=4, batch_size=2, crop=16, width=4, seed=5).model
    out["iic"] = iic.segment_iic(net, scenes[0])
    gen = torch.Generator().manual_seed(6)
    feats = [torch.randn(8, 6, 7, generator=gen) for _ in range(4)]
    head = stego.train_stego(feats, code_dim=4, n_steps=5, batch_size=2, n_points=6, n_neighbours=1,
                             n_random=1, seed=7).head
    for i, lab in enumerate(stego.cluster_maps(stego.compute_codes(head, feats), 3, seed=8)):
        out[f"stego_{i}"] = lab
    return out


def _arrays(results: dict) -> dict:
    # otsu_segment returns (labels, threshold): keep every part
    out = {}
    for name, value in results.items():
        parts = value if isinstance(value, tuple) else (value,)
        for i, part in enumerate(parts):
            out[name if i == 0 else f"{name}_{i}"] = np.asarray(part)
    return out


if __name__ == "__main__":
    np.savez(sys.argv[1], **_arrays(_labels(new="--new" in sys.argv[2:])))
