"""Tests for segkit.iic.mi and segkit.iic.joint: entropies and mutual information of discrete tables."""

import math

import numpy as np
import pytest

from segkit.iic import joint as joint_tables, mi

INDEPENDENT = np.array([[0.25, 0.25], [0.25, 0.25]])
IDENTICAL = np.array([[0.5, 0.0], [0.0, 0.5]])
SEMINAR_3 = np.array([[0.25, 0.25], [0.5, 0.0]])


class TestSeminarExamples:
    """The three worked coin examples of the seminar, in bits."""

    def test_independent_coins(self):
        s = mi.information_summary(INDEPENDENT)
        assert s["H(X)"] == pytest.approx(1.0)
        assert s["H(X|Y)"] == pytest.approx(1.0)
        assert s["I(X;Y)"] == pytest.approx(0.0, abs=1e-12)

    def test_identical_coins(self):
        s = mi.information_summary(IDENTICAL)
        assert s["H(X)"] == pytest.approx(1.0)
        assert s["H(X|Y)"] == pytest.approx(0.0, abs=1e-12)
        assert s["I(X;Y)"] == pytest.approx(1.0)

    def test_third_table(self):
        # H(X|Y) = 3/4 H(1/3, 2/3) + 1/4 * 0 = 0.6887; I = 1 - 0.6887
        h_third = -(1 / 3) * math.log2(1 / 3) - (2 / 3) * math.log2(2 / 3)
        assert mi.conditional_entropy(SEMINAR_3) == pytest.approx(0.75 * h_third)
        assert mi.mutual_information(SEMINAR_3) == pytest.approx(1 - 0.75 * h_third)
        assert round(mi.mutual_information(SEMINAR_3), 4) == 0.3113


class TestIdentities:
    @pytest.fixture
    def joint(self):
        rng = np.random.default_rng(0)
        p = rng.random((3, 5))
        p[0, 1] = 0.0
        return p / p.sum()

    def test_chain_rules(self, joint):
        hx = mi.entropy(joint.sum(axis=1))
        hy = mi.entropy(joint.sum(axis=0))
        hxy = mi.joint_entropy(joint)
        i = mi.mutual_information(joint)
        assert i == pytest.approx(hx + hy - hxy)
        assert i == pytest.approx(hx - mi.conditional_entropy(joint))
        assert i == pytest.approx(hy - mi.conditional_entropy(joint.T))
        assert mi.mutual_information(joint.T) == pytest.approx(i)

    def test_kl_definition(self, joint):
        px, py = mi.marginals(joint)
        nz = joint > 0
        kl = np.sum(joint[nz] * np.log2(joint[nz] / np.outer(px, py)[nz]))
        assert mi.mutual_information(joint) == pytest.approx(kl)

    def test_nats_versus_bits(self, joint):
        bits = mi.mutual_information(joint, base=2)
        nats = mi.mutual_information(joint, base=math.e)
        assert nats == pytest.approx(bits * math.log(2))
        assert mi.entropy([0.5, 0.5], base=math.e) == pytest.approx(math.log(2))

    def test_bounds(self, joint):
        i = mi.mutual_information(joint)
        assert 0 < i <= min(mi.entropy(joint.sum(axis=1)), mi.entropy(joint.sum(axis=0)))

    def test_product_distribution_has_zero_mi(self):
        p = np.outer([0.2, 0.3, 0.5], [0.6, 0.4])
        assert mi.mutual_information(p) == pytest.approx(0.0, abs=1e-12)
        assert mi.mutual_information(p) >= 0.0

    def test_uniform_entropy(self):
        assert mi.entropy(np.full(8, 1 / 8)) == pytest.approx(3.0)

    def test_inputs_not_mutated(self, joint):
        before = joint.copy()
        mi.information_summary(joint)
        joint_tables.iic_objective(joint, lam=2.0)
        np.testing.assert_array_equal(joint, before)

    def test_integer_one_hot_table_accepted(self):
        assert mi.joint_entropy(np.array([[1, 0], [0, 0]])) == 0.0


class TestJointFromLabels:
    def test_counts(self):
        a = np.array([[0, 0, 1], [1, 2, 2]])
        b = np.array([[1, 1, 0], [0, 0, 0]])
        joint = joint_tables.joint_from_labels(a, b)
        np.testing.assert_allclose(joint, [[0, 2 / 6], [2 / 6, 0], [2 / 6, 0]])

    def test_sizes_keep_empty_labels(self):
        a = np.zeros((2, 2), dtype=int)
        joint = joint_tables.joint_from_labels(a, a, n_a=3, n_b=2)
        assert joint.shape == (3, 2)
        assert joint[0, 0] == 1.0

    def test_relabelled_copy_has_mi_equal_entropy(self):
        rng = np.random.default_rng(1)
        a = rng.integers(0, 4, size=(20, 30))
        b = (a + 1) % 4  # a permutation of the labels carries all information
        joint = joint_tables.joint_from_labels(a, b)
        assert mi.mutual_information(joint) == pytest.approx(mi.entropy(joint.sum(axis=1)))

    @pytest.mark.parametrize("seed", [0, 1, 2])
    def test_matches_sklearn(self, seed):
        metrics = pytest.importorskip("sklearn.metrics")
        rng = np.random.default_rng(seed)
        a = rng.integers(0, 5, size=(16, 24))
        b = np.where(rng.random(a.shape) < 0.6, a, rng.integers(0, 3, size=a.shape))
        ours = mi.mutual_information(joint_tables.joint_from_labels(a, b), base=math.e)
        theirs = metrics.mutual_info_score(a.ravel(), b.ravel())
        assert ours == pytest.approx(theirs, rel=1e-10)

    def test_shape_mismatch(self):
        with pytest.raises(ValueError, match="same height and width"):
            joint_tables.joint_from_labels(np.zeros((2, 2), int), np.zeros((2, 3), int))

    def test_negative_labels(self):
        with pytest.raises(ValueError, match="non-negative"):
            joint_tables.joint_from_labels(np.array([[0, -1]]), np.array([[0, 0]]))

    def test_not_2d(self):
        with pytest.raises(ValueError, match="2-D label map"):
            joint_tables.joint_from_labels(np.zeros(4, int), np.zeros(4, int))

    def test_label_too_large_for_n(self):
        with pytest.raises(ValueError, match="not smaller than `n_a`"):
            joint_tables.joint_from_labels(np.array([[0, 3]]), np.array([[0, 0]]), n_a=2)
        with pytest.raises(ValueError, match="not smaller than `n_b`"):
            joint_tables.joint_from_labels(np.array([[0, 0]]), np.array([[0, 3]]), n_b=2)

    def test_float_labels_refused(self):
        with pytest.raises(ValueError, match="integer labels"):
            joint_tables.joint_from_labels(np.array([[0.5, 1.0]]), np.array([[0, 0]]))


class TestValidation:
    @pytest.mark.parametrize("func", [mi.joint_entropy, mi.conditional_entropy, mi.mutual_information,
                                      mi.information_summary, mi.marginals, joint_tables.iic_objective])
    def test_table_must_be_2d(self, func):
        with pytest.raises(ValueError, match="2-D joint probability table"):
            func(np.array([0.5, 0.5]))

    @pytest.mark.parametrize("func", [mi.joint_entropy, mi.conditional_entropy, mi.mutual_information,
                                      mi.information_summary, mi.marginals, joint_tables.iic_objective])
    def test_negative_entries(self, func):
        with pytest.raises(ValueError, match="negative probabilities"):
            func(np.array([[0.75, -0.25], [0.25, 0.25]]))

    @pytest.mark.parametrize("func", [mi.joint_entropy, mi.conditional_entropy, mi.mutual_information,
                                      mi.information_summary, mi.marginals, joint_tables.iic_objective])
    def test_must_sum_to_one(self, func):
        with pytest.raises(ValueError, match="must sum to 1"):
            func(np.array([[1.0, 2.0], [3.0, 4.0]]))

    def test_sum_tolerance(self):
        mi.mutual_information(INDEPENDENT * (1 + 1e-9))  # within tolerance: accepted
        with pytest.raises(ValueError, match="got a sum of 1.001"):
            mi.mutual_information(INDEPENDENT * 1.001)

    def test_nan(self):
        with pytest.raises(ValueError, match="finite"):
            mi.mutual_information(np.array([[np.nan, 0.5], [0.25, 0.25]]))

    def test_empty(self):
        with pytest.raises(ValueError, match="must not be empty"):
            mi.mutual_information(np.zeros((0, 2)))

    def test_entropy_needs_1d(self):
        with pytest.raises(ValueError, match="1-D probability vector"):
            mi.entropy(INDEPENDENT)

    @pytest.mark.parametrize("bad", ["0.5", None, np.array([[True, False]])])
    def test_type_errors(self, bad):
        with pytest.raises(TypeError, match="`joint`"):
            mi.mutual_information(bad)

    @pytest.mark.parametrize("base", [1, 0, -2])
    def test_bad_base(self, base):
        with pytest.raises(ValueError, match="`base`"):
            mi.mutual_information(INDEPENDENT, base=base)

    def test_bad_lambda(self):
        with pytest.raises(ValueError, match="`lam`"):
            joint_tables.iic_objective(IDENTICAL, lam=-1)


class TestBlendJoint:
    def test_endpoints(self):
        np.testing.assert_allclose(joint_tables.blend_joint(0.0), INDEPENDENT)
        np.testing.assert_allclose(joint_tables.blend_joint(1.0), IDENTICAL)

    def test_mi_increases_with_t(self):
        values = [mi.mutual_information(joint_tables.blend_joint(t, k=3)) for t in np.linspace(0, 1, 6)]
        assert np.all(np.diff(values) > 0)
        assert values[-1] == pytest.approx(math.log2(3))

    def test_marginals_stay_uniform(self):
        px, py = mi.marginals(joint_tables.blend_joint(0.3, k=4))
        np.testing.assert_allclose(px, 0.25)
        np.testing.assert_allclose(py, 0.25)

    def test_errors(self):
        with pytest.raises(ValueError, match="`t` must be <= 1"):
            joint_tables.blend_joint(1.5)
        with pytest.raises(ValueError, match="`k` must be at least 2"):
            joint_tables.blend_joint(0.5, k=1)


class TestIICObjective:
    def test_lambda_one_is_minus_mi(self):
        assert joint_tables.iic_objective(SEMINAR_3) == pytest.approx(-mi.mutual_information(SEMINAR_3, base=math.e))

    def test_formula(self):
        p = SEMINAR_3
        pi, pj = p.sum(axis=1, keepdims=True), p.sum(axis=0, keepdims=True)
        nz = p > 0
        lam = 1.7
        direct = -np.sum((p * (np.log(np.where(nz, p, 1)) - lam * np.log(pi) - lam * np.log(pj)))[nz])
        assert joint_tables.iic_objective(p, lam=lam) == pytest.approx(direct)

    def test_collapse_is_not_a_minimum(self):
        collapse = np.array([[1.0, 0.0], [0.0, 0.0]])
        assert joint_tables.iic_objective(collapse) == 0.0
        assert joint_tables.iic_objective(IDENTICAL) < joint_tables.iic_objective(collapse)

    def test_larger_lambda_prefers_balanced_clusters(self):
        # consistent but unbalanced clusters against balanced but noisier ones
        unbalanced = np.diag([0.9, 0.1])
        noisy = np.array([[0.4, 0.1], [0.1, 0.4]])
        assert joint_tables.iic_objective(unbalanced, lam=1.0) < joint_tables.iic_objective(noisy, lam=1.0)
        assert joint_tables.iic_objective(unbalanced, lam=2.0) > joint_tables.iic_objective(noisy, lam=2.0)
