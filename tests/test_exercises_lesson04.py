"""Tests for segkit.exercises.lesson04: each check says 'not attempted' to a placeholder, names the slip
in a typical wrong answer, and accepts a right one."""

import numpy as np
import pytest
import torch

from segkit.exercises import lesson04


def status(feedback):
    return feedback.status


# --------------------------------------------------------------------------- pseudo-labels

def right_pseudo_labels(response):
    labels = response.argmax(dim=1)
    return labels, int(torch.unique(labels).numel())


class TestPseudoLabels:
    def test_placeholder(self):
        fb = lesson04.check_pseudo_labels(lambda response: None)
        assert status(fb) == "not attempted" and "pseudo_labels" in fb.message

    def test_right(self):
        fb = lesson04.check_pseudo_labels(right_pseudo_labels)
        assert status(fb) == "right" and "minlabels" in fb.message
        assert bool(fb)

    def test_count_as_tensor_is_accepted(self):
        fb = lesson04.check_pseudo_labels(lambda r: (r.argmax(1), torch.unique(r.argmax(1)).numel()))
        assert status(fb) == "right"

    @pytest.mark.parametrize("wrong_answer, words", [
        (lambda r: (r.argmax(dim=0), 3), ["shape", "dim 0", "dim=1"]),
        (lambda r: (r.argmax(dim=-1), 3), ["last dim", "dim=1"]),
        (lambda r: (r.argmax(dim=1, keepdim=True), 3), ["keepdim"]),
        (lambda r: (r.argmin(dim=1), 3), ["smallest", "argmin"]),
        (lambda r: (r.argmax(dim=1), int(r.argmax(dim=1).max()) + 1), ["[2, 5, 9]", "n_labels = 3", "max() + 1"]),
        (lambda r: (r.argmax(dim=1), r.shape[1]), ["yours says 12", "number of channels"]),
        (lambda r: r.argmax(dim=1), ["two things"]),
        (lambda r: (r.argmax(dim=1).numpy(), 3), ["torch tensor"]),
        (lambda r: (r.argmax(dim=1).float(), 3), ["dtype"]),
        (lambda r: (r.argmax(dim=1), torch.unique(r.argmax(dim=1))), ["one integer"]),
    ])
    def test_wrong(self, wrong_answer, words):
        fb = lesson04.check_pseudo_labels(wrong_answer)
        assert status(fb) == "wrong", fb
        for word in words:
            assert word in fb.message, (word, fb.message)

    def test_student_error_is_feedback(self):
        fb = lesson04.check_pseudo_labels(lambda r: r.nonexistent())
        assert status(fb) == "wrong" and "AttributeError" in fb.message


# --------------------------------------------------------------------------- superpixel vote

def right_vote(labels, segments):
    refined = labels.copy()
    for s in np.unique(segments):
        inside = segments == s
        refined[inside] = np.bincount(labels[inside]).argmax()
    return refined


class TestSuperpixelVote:
    def test_placeholder(self):
        fb = lesson04.check_superpixel_vote(lambda labels, segments: None)
        assert status(fb) == "not attempted" and "superpixel_vote" in fb.message

    def test_right(self):
        fb = lesson04.check_superpixel_vote(right_vote)
        assert status(fb) == "right" and "most frequent" in fb.message

    def test_ties_broken_the_other_way_are_right(self):
        def largest_on_ties(labels, segments):
            refined = labels.copy()
            for s in np.unique(segments):
                inside = segments == s
                counts = np.bincount(labels[inside])
                refined[inside] = np.flatnonzero(counts == counts.max())[-1]
            return refined
        assert status(lesson04.check_superpixel_vote(largest_on_ties)) == "right"

    def test_in_place_and_torch_answers_are_right(self):
        def in_place(labels, segments):
            for s in np.unique(segments):
                inside = segments == s
                labels[inside] = np.bincount(labels[inside]).argmax()
            return labels
        assert status(lesson04.check_superpixel_vote(in_place)) == "right"
        assert status(lesson04.check_superpixel_vote(lambda l, s: torch.from_numpy(right_vote(l, s)))) == "right"

    def mean_vote(labels, segments):
        refined = labels.astype(float)
        for s in np.unique(segments):
            refined[segments == s] = labels[segments == s].mean()
        return refined

    def rounded_mean_vote(labels, segments):
        refined = labels.copy()
        for s in np.unique(segments):
            refined[segments == s] = int(round(np.median(labels[segments == s]) + 0.5))
        return refined

    def max_vote(labels, segments):
        refined = labels.copy()
        for s in np.unique(segments):
            refined[segments == s] = labels[segments == s].max()
        return refined

    def global_mode(labels, segments):
        return np.full_like(labels, np.bincount(labels.ravel()).argmax())

    def first_pixel_only(labels, segments):
        refined = labels.copy()
        first = np.unique(segments)[0]
        refined[segments == first] = np.bincount(labels[segments == first]).argmax()
        return refined

    @pytest.mark.parametrize("wrong_answer, words", [
        (lambda labels, segments: labels, ["unchanged", "most frequent"]),
        (lambda labels, segments: segments, ["superpixel ids"]),
        (lambda labels, segments: labels[:, :-1], ["shape", "one label per pixel"]),
        (mean_vote, ["non-integer", "average"]),
        (rounded_mean_vote, ["not even among its pixels"]),
        (max_vote, ["largest label id"]),
        (global_mode, ["whole image"]),
        (first_pixel_only, ["ends up with", "same label"]),
    ])
    def test_wrong(self, wrong_answer, words):
        fb = lesson04.check_superpixel_vote(wrong_answer)
        assert status(fb) == "wrong", fb
        for word in words:
            assert word in fb.message, (word, fb.message)

    def test_wrong_names_the_superpixel_and_its_counts(self):
        fb = lesson04.check_superpixel_vote(TestSuperpixelVote.max_vote)
        assert "Superpixel" in fb.message and "px)" in fb.message
