"""A faithful, minimal re-implementation of the authors' training loops, for timing.

This is the yardstick of benchmarks/bench_cnn.py: it does per iteration what
the public ``demo.py`` scripts of Kim, Kanezaki and Tanaka (2020) and of
Kanezaki (2018) do, written out here from their description (not copied), with
only the display removed (no ``cv2.imshow``, no per-pixel colour list):

* the network: conv3x3-ReLU-BN, (M-1) x conv3x3-ReLU-BN, conv1x1-BN, plain
  ``nn.BatchNorm2d`` layers (running statistics tracked, model in training
  mode), PyTorch's default initialisation;
* the response is permuted to (H*W, q) and made contiguous;
* 2020: the vertical and horizontal differences of the (H, W, q) response are
  compared with all-zero targets by ``L1Loss`` (mean), the target is
  ``torch.max`` over channels, the loss ``stepsize_sim * CE + stepsize_con *
  (l_y + l_x)``;
* 2018: the argmax is copied to numpy and refined superpixel by superpixel in
  a Python loop (``np.unique`` and a histogram per superpixel), then copied
  back, the loss is CE;
* every iteration copies the argmax to numpy and counts labels with
  ``np.unique``, reads the loss with ``.item()``, and keeps the previous
  iteration's tensors referenced until the next assignment.

Usage: ``python benchmarks/reference_loop.py IMAGE [--method kim2020] [--iters 20]``
prints one line per iteration (seconds, labels).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F


class ReferenceNet(nn.Module):
    """The authors' network (registered properly, as in their 2020 script)."""

    def __init__(self, input_dim=3, n_channel=100, n_conv=2):
        super().__init__()
        self.n_conv = n_conv
        self.conv1 = nn.Conv2d(input_dim, n_channel, kernel_size=3, stride=1, padding=1)
        self.bn1 = nn.BatchNorm2d(n_channel)
        self.conv2 = nn.ModuleList(
            [nn.Conv2d(n_channel, n_channel, kernel_size=3, stride=1, padding=1) for _ in range(n_conv - 1)])
        self.bn2 = nn.ModuleList([nn.BatchNorm2d(n_channel) for _ in range(n_conv - 1)])
        self.conv3 = nn.Conv2d(n_channel, n_channel, kernel_size=1, stride=1, padding=0)
        self.bn3 = nn.BatchNorm2d(n_channel)

    def forward(self, x):
        x = self.bn1(F.relu(self.conv1(x)))
        for i in range(self.n_conv - 1):
            x = self.bn2[i](F.relu(self.conv2[i](x)))
        return self.bn3(self.conv3(x))


def _superpixel_index_lists(im, n_segments, compactness):
    from skimage import segmentation

    labels = segmentation.slic(im, compactness=compactness, n_segments=n_segments).reshape(-1)
    return [np.where(labels == u)[0] for u in np.unique(labels)]


def reference_loop(im, *, method="kim2020", n_iter=20, n_channel=100, n_conv=2, lr=0.1, min_labels=3,
                   stepsize_sim=1.0, stepsize_con=1.0, n_segments=10000, compactness=100.0, seed=0,
                   callback=None):
    """Run the reference loop on ``im`` ((H, W, 3) uint8) for up to ``n_iter`` iterations.

    ``callback(iteration, n_labels, loss)`` is called after each update.
    Returns the model.
    """
    torch.manual_seed(seed)
    h, w = im.shape[:2]
    data = torch.from_numpy(np.array([im.transpose((2, 0, 1)).astype("float32") / 255.0]))
    l_inds = _superpixel_index_lists(im, n_segments, compactness) if method == "kanezaki2018" else None
    model = ReferenceNet(data.size(1), n_channel, n_conv)
    model.train()
    loss_fn = nn.CrossEntropyLoss()
    loss_hpy = nn.L1Loss(reduction="mean")
    loss_hpz = nn.L1Loss(reduction="mean")
    hpy_target = torch.zeros(h - 1, w, n_channel)
    hpz_target = torch.zeros(h, w - 1, n_channel)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    for batch_idx in range(n_iter):
        optimizer.zero_grad()
        output = model(data)[0]
        output = output.permute(1, 2, 0).contiguous().view(-1, n_channel)
        ignore, target = torch.max(output, 1)
        im_target = target.data.cpu().numpy()
        n_labels = len(np.unique(im_target))
        if method == "kanezaki2018":
            for inds in l_inds:
                labels_per_sp = im_target[inds]
                u_labels_per_sp = np.unique(labels_per_sp)
                hist = np.zeros(len(u_labels_per_sp))
                for j in range(len(hist)):
                    hist[j] = len(np.where(labels_per_sp == u_labels_per_sp[j])[0])
                im_target[inds] = u_labels_per_sp[np.argmax(hist)]
            target = torch.from_numpy(im_target)
            loss = loss_fn(output, target)
        else:
            output_hp = output.reshape((h, w, n_channel))
            hp_y = output_hp[1:, :, :] - output_hp[0:-1, :, :]
            hp_z = output_hp[:, 1:, :] - output_hp[:, 0:-1, :]
            lhpy = loss_hpy(hp_y, hpy_target)
            lhpz = loss_hpz(hp_z, hpz_target)
            loss = stepsize_sim * loss_fn(output, target) + stepsize_con * (lhpy + lhpz)
        loss.backward()
        optimizer.step()
        value = loss.item()
        if callback is not None:
            callback(batch_idx, n_labels, value)
        if n_labels <= min_labels:
            break
    return model


def main(argv=None):
    from PIL import Image

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("image")
    p.add_argument("--method", choices=("kim2020", "kanezaki2018"), default="kim2020")
    p.add_argument("--iters", type=int, default=20)
    args = p.parse_args(argv)
    im = np.asarray(Image.open(args.image).convert("RGB"))
    t = [time.perf_counter()]

    def cb(i, n, loss):
        t.append(time.perf_counter())
        print(f"{i} {t[-1] - t[-2]:.3f} s  labels {n}  loss {loss:.4f}")

    reference_loop(im, method=args.method, n_iter=args.iters, callback=cb)


if __name__ == "__main__":
    main()
