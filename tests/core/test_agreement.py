"""Agreement statistics: hand-computed examples, edge cases, and an independent reference.

The reference is NLTK's `nltk.metrics.agreement.AnnotationTask` (Apache-2.0, a test dependency
only): kappa, weighted kappa and alpha with a distance function per level.
"""

from __future__ import annotations

import random
from collections import Counter
from fractions import Fraction

import pytest

from annotator.core.agreement import (
    NO_PAIRABLE,
    NO_VARIATION,
    AgreementStat,
    cohen_kappa,
    krippendorff_alpha,
    percent_agreement,
    weighted_cohen_kappa,
)

LEVELS = ("low", "moderate", "high")


def table(*coders: list[object]) -> dict[int, dict[str, object]]:
    """Rows per coder (None = missing) -> unit -> {coder: label}."""
    names = "ABCDEFGH"
    return {
        unit: {names[c]: row[unit] for c, row in enumerate(coders)}
        for unit in range(len(coders[0]))
    }


# --- hand-computed examples ---------------------------------------------------------------


def test_cohen_kappa_by_hand() -> None:
    a = ["x", "x", "x", "x", "y", "y", "y", "z", "z", "z"]
    b = ["x", "x", "x", "y", "y", "y", "z", "z", "z", "x"]
    # Agreement on units 1-3, 5-6, 8-9: p_o = 7/10.
    # Marginals A: x4 y3 z3, B: x4 y3 z3: p_e = (16 + 9 + 9) / 100 = 0.34.
    # kappa = (0.7 - 0.34) / (1 - 0.34) = 0.36 / 0.66 = 6/11.
    stat = cohen_kappa(a, b)
    assert stat.value == pytest.approx(6 / 11, abs=1e-15)
    assert (stat.n_units, stat.n_pairable, stat.n_values, stat.note) == (10, 10, 20, "")
    assert percent_agreement(table(a, b)).value == pytest.approx(0.7)


def test_weighted_kappa_by_hand() -> None:
    a = ["low", "low", "moderate", "moderate", "high", "high"]
    b = ["low", "moderate", "moderate", "high", "high", "moderate"]
    # Positions A: 0 0 1 1 2 2, B: 0 1 1 2 2 1; three near misses (distance 1), no far miss.
    # Unweighted: p_o = 3/6; marginals A 2/2/2, B 1/3/2: p_e = (2 + 6 + 4) / 36 = 1/3;
    #   kappa = (1/2 - 1/3) / (2/3) = 1/4.
    # Linear: observed sum |i-j| = 3; expected n^2-scaled sum_ij cA_i cB_j |i-j|:
    #   B=low(1): 2*(0+1+2) = 6; B=moderate(3): 6*(1+0+1) = 12; B=high(2): 4*(2+1+0) = 12 -> 30;
    #   kappa_w = 1 - n * 3 / 30 = 1 - 18/30 = 2/5.
    # Quadratic: observed 3; expected 2*(0+1+4) + 6*(1+0+1) + 4*(4+1+0) = 10 + 12 + 20 = 42;
    #   kappa_w = 1 - 18/42 = 4/7.
    assert cohen_kappa(a, b).value == pytest.approx(0.25, abs=1e-15)
    assert weighted_cohen_kappa(a, b, LEVELS, "linear").value == pytest.approx(0.4, abs=1e-15)
    assert weighted_cohen_kappa(a, b, LEVELS, "quadratic").value == pytest.approx(
        4 / 7, abs=1e-15
    )


# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: 4 observers,
# 12 units, missing values (unit 12 has one value only and is not pairable).
PAPER = table(
    [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
)


@pytest.mark.parametrize(
    ("level", "published", "exact"),
    [
        # Nominal is exactly 113/152 (0.743 in the paper); ordinal and interval as published.
        ("nominal", 0.743, Fraction(113, 152)),
        ("ordinal", 0.815, None),
        ("interval", 0.849, None),
    ],
)
def test_krippendorff_paper_example(level: str, published: float, exact: Fraction | None) -> None:
    stat = krippendorff_alpha(PAPER, level)  # type: ignore[arg-type]
    assert stat.value is not None
    assert round(stat.value, 3) == published
    if exact is not None:
        assert stat.value == float(exact)
    assert (stat.n_units, stat.n_pairable, stat.n_values) == (12, 11, 40)


def test_paper_example_matches_reference() -> None:
    agreement = pytest.importorskip("nltk.metrics.agreement", reason="nltk (test extra)")
    distance = pytest.importorskip("nltk.metrics.distance", reason="nltk (test extra)")
    data = [(c, u, v) for u, row in PAPER.items() for c, v in row.items() if v is not None]
    nominal = agreement.AnnotationTask(data).alpha()
    interval = agreement.AnnotationTask(data, distance=distance.interval_distance).alpha()
    ordinal = agreement.AnnotationTask(data, distance=ordinal_distance(PAPER)).alpha()
    assert krippendorff_alpha(PAPER, "nominal").value == pytest.approx(nominal, abs=1e-12)
    assert krippendorff_alpha(PAPER, "interval").value == pytest.approx(interval, abs=1e-12)
    assert krippendorff_alpha(PAPER, "ordinal").value == pytest.approx(ordinal, abs=1e-12)
    assert ordinal == pytest.approx(0.8153875, abs=1e-7)


def test_ordinal_alpha_by_hand_near_and_far_misses() -> None:
    scale = ["none", "low", "some", "high", "full"]
    # Near miss: values some, some | low, low | some, high. Pairable values: low 2, some 3,
    # high 1 (n = 6). Ordinal d(c,k) = (sum_{g=c..k} n_g - (n_c + n_k)/2)^2:
    #   low-some (2+3-2.5)^2 = 6.25, some-high (3+1-2)^2 = 4, low-high (2+3+1-1.5)^2 = 20.25.
    #   D_e n(n-1) = 2 * (2*3*6.25 + 3*1*4 + 2*1*20.25) = 180; observed (one unit, m = 2):
    #   2 * 4 = 8; alpha = 1 - (n-1) * 8 / 180 = 7/9.
    near = table(["some", "low", "some"], ["some", "low", "high"])
    assert krippendorff_alpha(near, "ordinal", scale).value == pytest.approx(7 / 9, abs=1e-15)
    # Far miss: some, some | low, low | none, full. Values none 1, low 2, some 2, full 1.
    #   d: none-low 2.25, none-some 12.25, none-full 25, low-some 4, low-full 12.25,
    #   some-full 2.25; D_e n(n-1) = 2 * (4.5 + 24.5 + 25 + 16 + 24.5 + 4.5) = 198;
    #   observed 2 * 25 = 50; alpha = 1 - 5 * 50 / 198 = -26/99.
    far = table(["some", "low", "none"], ["some", "low", "full"])
    assert krippendorff_alpha(far, "ordinal", scale).value == pytest.approx(-26 / 99, abs=1e-15)
    # Nominal alpha sees one disagreement in each and, by the marginals alone, rates the far
    # miss higher: 1 - 5 * 2 / (36 - 9 - 4 - 1) = 6/11 against 1 - 5 * 2 / (36 - 4 - 4 - 1 - 1).
    assert krippendorff_alpha(near, "nominal").value == pytest.approx(6 / 11, abs=1e-15)
    assert krippendorff_alpha(far, "nominal").value == pytest.approx(8 / 13, abs=1e-15)


def test_percent_agreement_needs_everyone_to_agree() -> None:
    ratings = table(["x", "x", "x", "y"], ["x", "x", "y", None], ["x", None, "x", None])
    # Unit 0 all x; unit 1 x, x; unit 2 x, y, x (one dissenter); unit 3 one value only.
    stat = percent_agreement(ratings)
    assert stat == AgreementStat(2 / 3, n_units=4, n_pairable=3, n_values=8)


# --- edge cases ---------------------------------------------------------------------------


def test_perfect_agreement_is_one() -> None:
    a = [True, False, True, False]
    assert cohen_kappa(a, a).value == 1.0
    assert krippendorff_alpha(table(a, a, a)).value == 1.0
    assert krippendorff_alpha(table(a, a), "ordinal", [False, True]).value == 1.0
    assert weighted_cohen_kappa(a, a, [False, True], "quadratic").value == 1.0
    assert percent_agreement(table(a, a)).value == 1.0


def test_no_variation_is_undefined_not_one() -> None:
    same = ["x"] * 5
    for stat in (
        cohen_kappa(same, same),
        weighted_cohen_kappa(same, same, ["x", "y"]),
        krippendorff_alpha(table(same, same, same)),
        krippendorff_alpha(table(same, same), "ordinal"),
        krippendorff_alpha(table(same, [None, "x", "x", None, "x"]), "interval", ["x"]),
    ):
        assert stat.value is None and stat.note == NO_VARIATION
        assert stat.n_pairable > 0
    # Raw agreement is still reported: everybody agreed everywhere.
    assert percent_agreement(table(same, same)).value == 1.0


def test_one_coder_tagged_nothing() -> None:
    nothing = [False] * 6
    some = [True, True, False, False, False, False]
    # kappa: p_o = 4/6; p_e = 1 * 4/6 (A always False); kappa = 0 / (1/3) = 0.
    assert cohen_kappa(nothing, some).value == 0.0
    # alpha: n = 12, False 10, True 2; two disagreeing units give 2 ordered pairs each:
    #   alpha = 1 - 11 * 4 / (144 - 100 - 4) = 1 - 44/40 = -0.1.
    assert krippendorff_alpha(table(nothing, some)).value == pytest.approx(-0.1, abs=1e-15)
    assert percent_agreement(table(nothing, some)).value == pytest.approx(4 / 6)
    # One tagged nothing, the other everything: p_o = 0 = p_e, kappa = 0;
    #   alpha = 1 - 11 * 12 / (144 - 36 - 36) = -5/6.
    everything = [True] * 6
    assert cohen_kappa(nothing, everything).value == 0.0
    assert krippendorff_alpha(table(nothing, everything)).value == pytest.approx(-5 / 6)
    # Both tagged nothing: no variation.
    assert cohen_kappa(nothing, nothing).value is None
    assert krippendorff_alpha(table(nothing, nothing)).note == NO_VARIATION


def test_single_unit() -> None:
    # One unit, two different labels: p_o = 0, p_e = 0 -> kappa 0; alpha = 1 - 1 * 2 / 2 = 0.
    assert cohen_kappa(["x"], ["y"]).value == 0.0
    assert krippendorff_alpha(table(["x"], ["y"])).value == 0.0
    assert weighted_cohen_kappa(["low"], ["high"], LEVELS).value == 0.0
    # One unit, the same label: undefined.
    assert cohen_kappa(["x"], ["x"]).note == NO_VARIATION
    assert krippendorff_alpha(table(["x"], ["x"])).note == NO_VARIATION


def test_no_pairable_units() -> None:
    lonely = table(["x", None, None], [None, "y", None])
    for stat in (
        percent_agreement(lonely),
        krippendorff_alpha(lonely),
        krippendorff_alpha(lonely, "ordinal", ["x", "y"]),
        cohen_kappa(["x", None, None], [None, "y", None]),
        weighted_cohen_kappa(["x", None], [None, "y"], ["x", "y"]),
    ):
        assert stat.value is None and stat.note == NO_PAIRABLE and stat.n_pairable == 0
    assert percent_agreement(lonely).n_units == 3
    assert krippendorff_alpha({}).note == NO_PAIRABLE
    assert cohen_kappa([], []).note == NO_PAIRABLE


def test_missing_values_are_dropped_pairwise_for_kappa() -> None:
    assert cohen_kappa(["x", "y", None, "x"], ["x", "y", "x", None]) == AgreementStat(
        1.0, n_units=4, n_pairable=2, n_values=4
    )


def test_errors() -> None:
    with pytest.raises(ValueError, match="must match"):
        cohen_kappa(["x"], ["x", "y"])
    with pytest.raises(ValueError, match="not one of the categories"):
        weighted_cohen_kappa(["low"], ["extreme"], LEVELS)
    with pytest.raises(ValueError, match="twice"):
        weighted_cohen_kappa(["low"], ["low"], ["low", "low"])
    with pytest.raises(ValueError, match="weights"):
        weighted_cohen_kappa(["low"], ["low"], LEVELS, "cubic")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="level"):
        krippendorff_alpha(PAPER, "ratio")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="not one of the categories"):
        krippendorff_alpha(table(["low", "x"], ["low", "low"]), "ordinal", LEVELS)
    with pytest.raises(ValueError, match="not one of the categories"):
        krippendorff_alpha(table(["low", "x"], ["low", "low"]), "nominal", LEVELS)
    with pytest.raises(ValueError, match="numbers"):
        krippendorff_alpha(table(["a", "b"], ["b", "b"]), "interval")


def test_ordinal_uses_category_order_not_label_sort() -> None:
    # Sorted alphabetically, "high" < "low" < "moderate"; the scale order must win.
    a, b = ["low", "moderate", "high", "low"], ["moderate", "moderate", "high", "high"]
    by_scale = krippendorff_alpha(table(a, b), "ordinal", LEVELS).value
    as_numbers = krippendorff_alpha(
        table([LEVELS.index(x) for x in a], [LEVELS.index(x) for x in b]), "ordinal"
    ).value
    assert by_scale == pytest.approx(as_numbers, abs=1e-15)
    assert krippendorff_alpha(table(a, b), "ordinal").value != pytest.approx(by_scale)


# --- against the independent reference ----------------------------------------------------


def ordinal_distance(ratings: dict[int, dict[str, object]], order: list[object] | None = None):
    """Krippendorff's ordinal distance as an NLTK distance function, from the marginals of the
    pairable values, written out directly from the definition."""
    counts: Counter[object] = Counter()
    for row in ratings.values():
        values = [v for v in row.values() if v is not None]
        if len(values) >= 2:
            counts.update(values)
    scale = order if order is not None else sorted(counts)

    def distance(c: object, k: object) -> float:
        low, high = sorted((scale.index(c), scale.index(k)))
        between = sum(counts[g] for g in scale[low : high + 1])
        return (between - (counts[c] + counts[k]) / 2) ** 2

    return distance


def random_table(rng: random.Random, missing: float) -> tuple[dict[int, dict[str, object]], int]:
    n_units, n_coders, n_labels = rng.randint(1, 20), rng.randint(2, 5), rng.randint(2, 6)
    ratings = {
        unit: {
            f"c{c}": (None if rng.random() < missing else rng.randrange(n_labels))
            for c in range(n_coders)
        }
        for unit in range(n_units)
    }
    return ratings, n_labels


def has_variation(ratings: dict[int, dict[str, object]]) -> bool:
    pairable = [
        [v for v in row.values() if v is not None] for row in ratings.values()
    ]
    return len({v for values in pairable if len(values) >= 2 for v in values}) >= 2


def test_alpha_matches_nltk_on_random_tables() -> None:
    agreement = pytest.importorskip("nltk.metrics.agreement", reason="nltk (test extra)")
    distance = pytest.importorskip("nltk.metrics.distance", reason="nltk (test extra)")
    rng = random.Random(20240611)
    compared = 0
    for trial in range(240):
        ratings, n_labels = random_table(rng, missing=(0.0, 0.15, 0.4)[trial % 3])
        order = list(range(n_labels))
        data = [(c, u, v) for u, row in ratings.items() for c, v in row.items() if v is not None]
        if not has_variation(ratings):
            for level in ("nominal", "ordinal", "interval"):
                assert krippendorff_alpha(ratings, level).value is None  # type: ignore[arg-type]
            continue
        compared += 1
        expected = {
            "nominal": agreement.AnnotationTask(data).alpha(),
            "interval": agreement.AnnotationTask(data, distance.interval_distance).alpha(),
            "ordinal": agreement.AnnotationTask(data, ordinal_distance(ratings, order)).alpha(),
        }
        for level, value in expected.items():
            got = krippendorff_alpha(ratings, level, order)  # type: ignore[arg-type]
            assert got.value == pytest.approx(value, abs=1e-9), (trial, level, ratings)
        assert krippendorff_alpha(ratings, "ordinal").value == pytest.approx(
            expected["ordinal"], abs=1e-9
        )
    assert compared >= 200


def test_kappa_matches_nltk_on_random_pairs() -> None:
    agreement = pytest.importorskip("nltk.metrics.agreement", reason="nltk (test extra)")
    rng = random.Random(7)
    compared = 0
    for _trial in range(220):
        n_units, n_labels = rng.randint(1, 25), rng.randint(2, 6)
        bias = rng.random()
        a = [rng.randrange(n_labels) for _ in range(n_units)]
        b = [x if rng.random() < bias else rng.randrange(n_labels) for x in a]
        plain = cohen_kappa(a, b)
        linear = weighted_cohen_kappa(a, b, range(n_labels), "linear")
        quadratic = weighted_cohen_kappa(a, b, range(n_labels), "quadratic")
        if len(set(a)) == 1 and set(a) == set(b):
            assert plain.value is linear.value is quadratic.value is None
            continue
        compared += 1
        data = [("A", u, x) for u, x in enumerate(a)] + [("B", u, y) for u, y in enumerate(b)]
        assert plain.value == pytest.approx(
            agreement.AnnotationTask(data).kappa(), abs=1e-9
        )
        reference_linear = agreement.AnnotationTask(data, lambda x, y: abs(x - y))
        reference_quadratic = agreement.AnnotationTask(data, lambda x, y: (x - y) ** 2)
        assert linear.value == pytest.approx(reference_linear.weighted_kappa(), abs=1e-9)
        assert quadratic.value == pytest.approx(reference_quadratic.weighted_kappa(), abs=1e-9)
    assert compared >= 200
