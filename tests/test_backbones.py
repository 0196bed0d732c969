"""Tests for segkit.backbones: no test downloads anything."""

from __future__ import annotations

import hashlib
import logging
import socket
import time

import numpy as np
import pytest
import torch

from segkit import backbones as bb
from segkit.datasets import load_bsds500_item


@pytest.fixture(scope="module")
def effnet():
    return bb.load_backbone("efficientnet-lite0")


# ------------------------------------------------------------------ DINO ViT-S


class TestDinoViTS:
    @pytest.mark.parametrize("name, patch, n_pos", [("dino_vits8", 8, 785), ("dino_vits16", 16, 197)])
    def test_state_dict_matches_documented_checkpoint(self, name, patch, n_pos):
        model = bb.DinoViTS(patch_size=patch)
        ref = bb.dino_vits_reference_shapes(name)
        got = {k: tuple(v.shape) for k, v in model.state_dict().items()}
        assert sorted(got) == sorted(ref)
        assert got == ref
        assert len(ref) == 150
        assert ref["pos_embed"] == (1, n_pos, 384)
        assert ref["patch_embed.proj.weight"] == (384, 3, patch, patch)
        assert model.name == name and model.stride == patch

    def test_reference_list_is_not_derived_from_model(self):
        # Independent facts about DINO's vit_small: 12 blocks, 12 tensors each, qkv bias present.
        ref = bb.dino_vits_reference_shapes("dino_vits8")
        assert ref["blocks.11.attn.qkv.weight"] == (1152, 384)
        assert ref["blocks.11.attn.qkv.bias"] == (1152,)
        assert ref["blocks.0.mlp.fc1.weight"] == (1536, 384)
        assert "head.weight" not in ref and "blocks.12.norm1.weight" not in ref

    def test_loads_a_checkpoint_strictly(self, tmp_path):
        ref = bb.dino_vits_reference_shapes("dino_vits16")
        gen = torch.Generator().manual_seed(0)
        state = {k: torch.randn(s, generator=gen) * 0.02 for k, s in ref.items()}
        path = tmp_path / "fake.pth"
        torch.save(state, path)
        model = bb.DinoViTS(patch_size=16)
        model.load_state_dict(torch.load(path, weights_only=True), strict=True)
        assert torch.equal(model.pos_embed, state["pos_embed"])
        bad = dict(state)
        bad.pop("norm.bias")
        with pytest.raises(RuntimeError, match="norm.bias"):
            bb.DinoViTS(patch_size=16).load_state_dict(bad, strict=True)

    @pytest.mark.parametrize("patch, size, grid", [(16, (32, 48), (2, 3)), (8, (30, 41), (4, 5)),
                                                   (16, (224, 224), (14, 14))])
    def test_forward_random_weights(self, patch, size, grid):
        torch.manual_seed(0)
        model = bb.DinoViTS(patch_size=patch)
        out = model(torch.rand(2, 3, *size))
        assert out.shape == (2, 384, *grid)
        assert torch.isfinite(out).all()
        # final LayerNorm: each token has mean ~0 and std ~1 (weights 1, bias 0)
        assert out.mean(dim=1).abs().max() < 1e-4

    def test_frozen_and_stays_in_eval(self):
        model = bb.DinoViTS(patch_size=16)
        model.train()
        assert not model.training
        assert not any(p.requires_grad for p in model.parameters())

    def test_bad_patch_size(self):
        with pytest.raises(ValueError, match="`patch_size` must be 8 or 16"):
            bb.DinoViTS(patch_size=14)


# ------------------------------------------------------------------ EfficientNet-Lite0


class TestEfficientNet:
    @pytest.mark.parametrize("layer, channels, stride", [("stride8", 40, 8), ("stride16", 112, 16),
                                                         ("both", 152, 8)])
    def test_bsds_image_shapes(self, layer, channels, stride):
        item = load_bsds500_item("3096", "val", max_side=160)
        net = bb.load_backbone("efficientnet-lite0", layer=layer)
        feats = bb.image_features(net, item.image)
        h, w = item.image.shape[:2]
        assert feats.shape == (channels, -(-h // stride), -(-w // stride))
        assert net.out_channels == channels and net.stride == stride
        assert torch.isfinite(feats).all()
        assert net.pretrained

    def test_pretrained_weights_are_the_wheels(self):
        path = bb.efficientnet_lite0_weights_path()
        assert path.is_file()
        net = bb.EfficientNetLite0Features(layer="stride16")
        state = torch.load(path, weights_only=True)
        assert torch.equal(net.stem[0].weight, state["_conv_stem.weight"])
        assert torch.equal(net.blocks[10]._project_conv.weight, state["_blocks.10._project_conv.weight"])

    @pytest.mark.parametrize("layer", ["stride16", "stride8", "both"])
    def test_same_object_correlates_more_than_different_objects(self, layer):
        # Synthetic scene: left half a striped texture, right half a smooth
        # colour gradient (two "objects" of different kinds).
        effnet = bb.load_backbone("efficientnet-lite0", layer=layer)
        h, w = 128, 192
        yy, xx = np.mgrid[0:h, 0:w]
        img = np.empty((h, w, 3), np.float32)
        stripes = 0.5 + 0.4 * np.sin(xx / 2.0 + yy / 3.0)
        img[..., 0] = np.where(xx < w // 2, stripes, 0.2 + 0.3 * yy / h)
        img[..., 1] = np.where(xx < w // 2, stripes * 0.6, 0.6)
        img[..., 2] = np.where(xx < w // 2, 0.3, 0.8 - 0.3 * xx / w)
        feats = bb.image_features(effnet, img)  # (C, h, w)
        f = torch.nn.functional.normalize(feats.flatten(1), dim=0)
        wf = feats.shape[2]
        cols = torch.arange(wf).repeat(feats.shape[1])
        left = cols < 0.4 * wf  # away from the boundary
        right = cols >= 0.6 * wf
        sim = f.T @ f
        within = torch.cat([sim[left][:, left].flatten(), sim[right][:, right].flatten()]).mean()
        across = sim[left][:, right].mean()
        assert within > across + 0.1

    def test_imagenet_prediction_with_own_normalisation(self):
        # The normalisation inside the backbone is the one the weights expect:
        # the full classifier, fed the same normalised input, recognises a cat.
        from efficientnet_lite_pytorch import EfficientNet
        from skimage import data, transform

        net = EfficientNet.from_name("efficientnet-lite0", image_size=None)
        net.load_state_dict(torch.load(bb.efficientnet_lite0_weights_path(), weights_only=True))
        net.eval()
        img = transform.resize(data.chelsea(), (224, 224), anti_aliasing=True).astype(np.float32)
        x = torch.from_numpy(img).permute(2, 0, 1)[None]
        ours = bb.EfficientNetLite0Features(layer="stride16")
        with torch.no_grad():
            top = net(ours._normalise(x)).argmax(1).item()
        assert top in (281, 282, 285)  # tabby, tiger cat, Egyptian cat

    def test_input_checks(self, effnet):
        with pytest.raises(ValueError, match=r"shape \(B, 3, H, W\)"):
            effnet(torch.rand(3, 32, 32))
        with pytest.raises(ValueError, match=r"values in \[0, 1\]"):
            effnet(torch.rand(1, 3, 32, 32) * 255)
        with pytest.raises(TypeError, match="torch tensor"):
            effnet(np.zeros((1, 3, 32, 32), np.float32))
        with pytest.raises(TypeError, match="float tensor"):
            effnet(torch.zeros(1, 3, 32, 32, dtype=torch.uint8))
        with pytest.raises(ValueError, match="`layer` must be one of"):
            bb.EfficientNetLite0Features(layer="stride4")

    def test_image_features_checks(self, effnet):
        with pytest.raises(TypeError, match="`backbone`"):
            bb.image_features("net", np.zeros((16, 16, 3), np.float32))
        img = np.full((16, 16, 3), 0.5, np.float32)
        before = img.copy()
        bb.image_features(effnet, img)
        np.testing.assert_array_equal(img, before)


# ------------------------------------------------------------------ choosing a backbone


class TestLoadBackbone:
    def test_default_without_dino_weights_falls_back_loudly(self, tmp_path, caplog):
        with caplog.at_level(logging.WARNING, logger="segkit.backbones"):
            net = bb.load_backbone(cache_dir=tmp_path)
        assert net.name == "efficientnet-lite0"
        assert "instead of DINO" in net.reason and "download=False" in net.reason
        assert "load_backbone(download=True)" in net.reason
        assert any("instead of DINO" in r.getMessage() for r in caplog.records)

    def test_default_prefers_cached_dino(self, tmp_path, monkeypatch):
        # A fake checkpoint with the right keys; the MD5 prefix check is
        # patched because only the real file has the published prefix.
        ref = bb.dino_vits_reference_shapes("dino_vits16")
        path = bb.dino_weights_path("dino_vits16", tmp_path)
        torch.save({k: torch.zeros(s) for k, s in ref.items()}, path)
        md5 = hashlib.md5(path.read_bytes()).hexdigest()
        specs = {k: dict(v) for k, v in bb.DINO_WEIGHTS.items()}
        specs["dino_vits16"]["md5_prefix"] = md5[:6]
        monkeypatch.setattr(bb.weights, "DINO_WEIGHTS", specs)  # where the table lives
        net = bb.load_backbone(cache_dir=tmp_path)
        assert net.name == "dino_vits16" and net.pretrained
        assert "found at" in net.reason

    def test_cached_file_with_wrong_hash_is_refused(self, tmp_path):
        path = bb.dino_weights_path("dino_vits8", tmp_path)
        path.write_bytes(b"not a checkpoint")
        with pytest.raises(bb.BackboneUnavailableError, match="published prefix"):
            bb.fetch_dino_weights("dino_vits8", cache_dir=tmp_path)

    def test_explicit_dino_never_falls_back(self, tmp_path):
        with pytest.raises(bb.BackboneUnavailableError, match="download=True"):
            bb.load_backbone("dino_vits8", cache_dir=tmp_path)

    def test_random_weights_without_files(self, tmp_path):
        net = bb.load_backbone("dino_vits16", pretrained=False, cache_dir=tmp_path)
        assert net.name == "dino_vits16" and not net.pretrained and "random" in net.reason
        assert bb.load_backbone("efficientnet-lite0", pretrained=False).out_channels == 112

    def test_cache_dir_from_environment(self, tmp_path, monkeypatch):
        monkeypatch.setenv(bb.WEIGHTS_ENV_VAR, str(tmp_path))
        assert bb.dino_weights_path("dino_vits8").parent == tmp_path

    def test_urls_are_pinned(self):
        assert bb.DINO_WEIGHTS["dino_vits8"]["url"] == (
            "https://dl.fbaipublicfiles.com/dino/dino_deitsmall8_pretrain/dino_deitsmall8_pretrain.pth")
        assert bb.DINO_WEIGHTS["dino_vits16"]["url"] == (
            "https://dl.fbaipublicfiles.com/dino/dino_deitsmall16_pretrain/dino_deitsmall16_pretrain.pth")

    def test_auto_download_offline_falls_back_at_once(self, tmp_path, monkeypatch, caplog):
        monkeypatch.setattr(bb.load, "dino_reachable", lambda name: False)
        with caplog.at_level(logging.WARNING, logger="segkit.backbones"):
            net = bb.load_backbone(download="auto", cache_dir=tmp_path)
        assert net.name == "efficientnet-lite0" and "did not answer" in net.reason
        # the hint fits the call: "auto" already downloads when online, so it does not say download=True
        assert "same call downloads" in net.reason and "download=True" not in net.reason
        assert any("did not answer" in r.getMessage() for r in caplog.records)

    def test_auto_download_online_tries_dino(self, tmp_path, monkeypatch):
        calls = []
        monkeypatch.setattr(bb.load, "dino_reachable", lambda name: True)

        def failing_retrieve(url, **kwargs):
            calls.append(url)
            raise OSError("connection reset")

        import pooch
        monkeypatch.setattr(pooch, "retrieve", failing_retrieve)
        net = bb.load_backbone(download="auto", cache_dir=tmp_path)
        assert calls == [bb.DINO_WEIGHTS["dino_vits8"]["url"]]
        assert net.name == "efficientnet-lite0" and "connection reset" in net.reason
        assert "call again" in net.reason

    def test_auto_download_with_explicit_dino_offline_raises(self, tmp_path, monkeypatch):
        monkeypatch.setattr(bb.load, "dino_reachable", lambda name: False)
        with pytest.raises(bb.BackboneUnavailableError, match="download=True"):
            bb.load_backbone("dino_vits16", download="auto", cache_dir=tmp_path)

    def test_errors(self):
        with pytest.raises(ValueError, match="`download` must be True, False or 'auto'"):
            bb.load_backbone(download="yes")
        with pytest.raises(TypeError, match="`download`"):
            bb.load_backbone(download=2.5)
        with pytest.raises(ValueError, match="`name` must be one of"):
            bb.load_backbone("resnet50")
        with pytest.raises(ValueError, match="needs an explicit `name`"):
            bb.load_backbone(pretrained=False)
        with pytest.raises(ValueError, match="`name` must be one of"):
            bb.dino_vits_reference_shapes("dino_vitb8")


# ------------------------------------------------------------------ is the DINO server there?


def _pinned_to(monkeypatch, url):
    specs = {k: dict(v, url=url) for k, v in bb.DINO_WEIGHTS.items()}
    monkeypatch.setattr(bb.weights, "DINO_WEIGHTS", specs)


class TestDinoReachable:
    def test_a_listening_server_answers(self, monkeypatch):
        monkeypatch.delenv("https_proxy", raising=False)
        monkeypatch.delenv("HTTPS_PROXY", raising=False)
        with socket.socket() as server:
            server.bind(("127.0.0.1", 0))
            server.listen(1)
            _pinned_to(monkeypatch, f"https://127.0.0.1:{server.getsockname()[1]}/w.pth")
            assert bb.dino_reachable(timeout=2) is True

    def test_a_closed_port_does_not(self, monkeypatch):
        monkeypatch.delenv("https_proxy", raising=False)
        monkeypatch.delenv("HTTPS_PROXY", raising=False)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]   # bound, never listening: refused
        _pinned_to(monkeypatch, f"https://127.0.0.1:{port}/w.pth")
        assert bb.dino_reachable(timeout=2) is False

    def test_a_hanging_name_lookup_gives_false_within_the_timeout(self, monkeypatch):
        monkeypatch.delenv("https_proxy", raising=False)
        monkeypatch.delenv("HTTPS_PROXY", raising=False)
        monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **k: time.sleep(5) or [])
        t0 = time.perf_counter()
        assert bb.dino_reachable(timeout=0.3) is False
        assert time.perf_counter() - t0 < 2.0

    def test_probes_the_https_proxy_when_one_is_set(self, monkeypatch):
        monkeypatch.setenv("https_proxy", "http://proxy.example:3128")
        monkeypatch.delenv("no_proxy", raising=False)
        monkeypatch.delenv("NO_PROXY", raising=False)
        assert bb.weights._probe_address(bb.DINO_WEIGHTS["dino_vits8"]["url"]) == ("proxy.example", 3128)
        monkeypatch.delenv("https_proxy")
        monkeypatch.delenv("HTTPS_PROXY", raising=False)
        assert bb.weights._probe_address(bb.DINO_WEIGHTS["dino_vits8"]["url"]) == ("dl.fbaipublicfiles.com", 443)

    @pytest.mark.parametrize("kwargs, error, match", [
        (dict(name="dino_vitb8"), ValueError, "`name` must be one of"),
        (dict(timeout=0), ValueError, "`timeout`"),
        (dict(timeout="3"), TypeError, "`timeout`"),
    ])
    def test_bad_input(self, kwargs, error, match):
        with pytest.raises(error, match=match):
            bb.dino_reachable(**kwargs)
