"""Agreement between coders: percent agreement, Cohen's kappa (plain and weighted) and
Krippendorff's alpha (nominal, ordinal, interval). Pure functions over plain data, no I/O.

A rating table maps each unit (any hashable key) to `{coder: label}`; a label of None is a missing
value. Labels are hashable values compared with `==`. Two coders' labels for Cohen's kappa are
two equally long sequences, position i being the same unit; None there is a missing value too.

Conventions shared by every function here:

- A unit is *pairable* when at least two coders gave it a value. Other units say nothing about
  agreement: they are ignored, though they still count in `AgreementStat.n_units`. For Cohen's
  kappa only the positions where both coders gave a value are used (listwise deletion).
- No pairable unit at all: the value is None with the note `NO_PAIRABLE`.
- The chance-corrected coefficients (kappa, weighted kappa, alpha) divide by the agreement or
  disagreement expected by chance. When every value is the same category there is nothing to
  expect (kappa: p_e = 1; alpha: D_e = 0) and the formula is 0/0: the value is None with the
  note `NO_VARIATION` (show it as "n/a (no variation)"). We do not return 1.0 there, though some
  tools do: D_e = 0 forces D_o = 0 (a unit cannot disagree when every value is the same), so
  "no disagreement observed" is always also "no variation", and the coefficient is undefined
  (Krippendorff 2011, Cohen 1960). Percent agreement is still 1.0 in that case.
- Values are proportions: percent agreement lies in [0, 1]; kappa and alpha are at most 1, with
  0 meaning chance agreement and negative values systematic disagreement.

Sums are kept in exact integers (ordinal distances are scaled by 4 to stay integral) and divided
once at the end, so results agree with other implementations to ~1e-15; only float labels at the
interval level are summed in floating point.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from numbers import Real
from typing import Any, Literal, TypeVar

UnitT = TypeVar("UnitT", bound=Hashable)
CoderT = TypeVar("CoderT", bound=Hashable)
LabelT = TypeVar("LabelT", bound=Hashable)

Level = Literal["nominal", "ordinal", "interval"]
Weights = Literal["linear", "quadratic"]

Distance = int | float | Fraction

NO_PAIRABLE = "no pairable units"
NO_VARIATION = "no variation"


@dataclass(frozen=True)
class AgreementStat:
    """One agreement coefficient and the data behind it.

    `value` is None when the coefficient is undefined, and `note` then says why (`NO_PAIRABLE`,
    `NO_VARIATION`, or a caller's reason such as "needs exactly two authors"); `note` is empty
    when `value` is a number. `n_units` counts the units given (pairable or not), `n_pairable` the
    units with at least two values, `n_values` the values in those units (Krippendorff's n).
    """

    value: float | None
    n_units: int
    n_pairable: int
    n_values: int
    note: str = ""

    @classmethod
    def undefined(cls, note: str, n_units: int = 0) -> AgreementStat:
        """A coefficient that cannot be computed here, with the reason for the analyst."""
        return cls(None, n_units, 0, 0, note)


@dataclass
class Tally:
    """A rating table reduced to what every coefficient here needs.

    Tallies of tables with distinct units add up (`add`) to the tally of their union, so a
    report over many documents sums the documents' tallies instead of rating every unit again.
    `totals` holds n_c (the values of the pairable units), `pairs_by_size` per unit size m the
    ordered pairs of different values within units of that size, `confusion` (tables of exactly
    two coders, `tally(..., two=True)`) how often the first coder's label met the second's in
    the units both rated.
    """

    n_units: int = 0
    n_pairable: int = 0
    n_values: int = 0
    agreed: int = 0  # pairable units whose values are all the same
    totals: dict[Hashable, int] = field(default_factory=dict)
    pairs_by_size: dict[int, dict[tuple[Hashable, Hashable], int]] = field(default_factory=dict)
    confusion: dict[tuple[Hashable, Hashable], int] = field(default_factory=dict)

    def add(self, other: Tally) -> None:
        """Count `other`'s units too (tables with no unit in common)."""
        self.n_units += other.n_units
        self.n_pairable += other.n_pairable
        self.n_values += other.n_values
        self.agreed += other.agreed
        _add_counts(self.totals, other.totals)
        _add_counts(self.confusion, other.confusion)
        for m, pairs in other.pairs_by_size.items():
            _add_counts(self.pairs_by_size.setdefault(m, {}), pairs)


def _add_counts(into: dict[Any, int], counts: Mapping[Any, int]) -> None:
    for key, count in counts.items():
        into[key] = into.get(key, 0) + count


def tally(units: Iterable[Sequence[Hashable | None]], *, two: bool = False) -> Tally:
    """The tally of a rating table given as each unit's values (None: missing; the coders'
    order does not matter, except with `two`: each unit is [first coder's, second's] and the
    confusion counts are kept for Cohen's kappa)."""
    found = Tally()
    n_units = n_pairable = n_values = agreed = 0
    totals = found.totals
    pairs_by_size = found.pairs_by_size
    confusion = found.confusion
    # Units rated alike count together: most tables repeat a few rows (nobody tagged it,
    # everybody did), so each distinct row is looked at once, weighted by how often it occurs.
    # Counted in first-seen order, the sums come in the order a unit-by-unit pass makes them.
    weights: dict[tuple[Hashable | None, ...], int] = {}
    for unit in units:
        row = tuple(unit)
        weights[row] = weights.get(row, 0) + 1
    for given, weight in weights.items():
        n_units += weight
        # Most tables have no missing value; filtering only when needed halves the cost.
        values = tuple(v for v in given if v is not None) if None in given else given
        m = len(values)
        if m < 2:
            continue
        n_pairable += weight
        n_values += m * weight
        if two:
            pair = (values[0], values[1])
            confusion[pair] = confusion.get(pair, 0) + weight
        first = values[0]
        if values.count(first) == m:  # the common case, and it adds no disagreement
            agreed += weight
            totals[first] = totals.get(first, 0) + m * weight
            continue
        counts: dict[Hashable, int] = {}
        for value in values:
            counts[value] = counts.get(value, 0) + 1
        pairs = pairs_by_size.setdefault(m, {})
        for c, n_c in counts.items():
            totals[c] = totals.get(c, 0) + n_c * weight
            for k, n_k in counts.items():
                if c != k:
                    pairs[c, k] = pairs.get((c, k), 0) + n_c * n_k * weight
    found.n_units, found.n_pairable, found.n_values, found.agreed = (
        n_units, n_pairable, n_values, agreed,
    )
    return found


def table_tally(ratings: Mapping[UnitT, Mapping[CoderT, LabelT | None]]) -> Tally:
    """The tally of a rating table {unit: {coder: label}}."""
    return tally(tuple(coder_values.values()) for coder_values in ratings.values())


def percent_from(found: Tally) -> AgreementStat:
    """`percent_agreement` of a tallied table."""
    if not found.n_pairable:
        return AgreementStat(None, found.n_units, 0, 0, NO_PAIRABLE)
    return AgreementStat(
        found.agreed / found.n_pairable, found.n_units, found.n_pairable, found.n_values
    )


def percent_agreement(ratings: Mapping[UnitT, Mapping[CoderT, LabelT | None]]) -> AgreementStat:
    """The share of pairable units on which every coder who rated the unit gave the same label.

    Formula: (units where all present values are equal) / (pairable units), in [0, 1]. With
    two coders this equals pairwise percent agreement; with more it is the stricter "everyone
    agreed" reading (one dissenter makes the unit a disagreement), which is what an analyst
    reads "agreed on 80% of sentences" to mean. None (`NO_PAIRABLE`) without pairable units.
    """
    return percent_from(table_tally(ratings))


def _paired(a: Sequence[LabelT | None], b: Sequence[LabelT | None]) -> list[tuple[LabelT, LabelT]]:
    if len(a) != len(b):
        raise ValueError(f"the two coders rated {len(a)} and {len(b)} units; they must match")
    return [(x, y) for x, y in zip(a, b, strict=True) if x is not None and y is not None]


def cohen_kappa(a: Sequence[LabelT | None], b: Sequence[LabelT | None]) -> AgreementStat:
    """Cohen's kappa of two coders over the same units (a[i] and b[i] rate unit i).

    kappa = (p_o - p_e) / (1 - p_e), with p_o the share of units labelled alike and
    p_e = sum over labels k of pA(k) * pB(k), each coder's own label proportions. Positions with
    a None on either side are dropped. None when no position is left (`NO_PAIRABLE`) or when
    p_e = 1, i.e. both coders gave one and the same label throughout (`NO_VARIATION`).
    Raises ValueError when the sequences differ in length.
    """
    return kappa_from(Counter(_paired(a, b)), len(a))


def kappa_from(confusion: Mapping[tuple[LabelT, LabelT], int], n_units: int) -> AgreementStat:
    """`cohen_kappa` from how often each pair of labels (first coder's, second's) occurs over
    the units both rated (`Tally.confusion`), of `n_units` units in all."""
    n = sum(confusion.values())
    if not n:
        return AgreementStat(None, n_units, 0, 0, NO_PAIRABLE)
    agreed = 0
    count_a: dict[LabelT, int] = {}
    count_b: dict[LabelT, int] = {}
    for (x, y), count in confusion.items():
        if x == y:
            agreed += count
        count_a[x] = count_a.get(x, 0) + count
        count_b[y] = count_b.get(y, 0) + count
    # n^2 * p_e, as an integer so that p_e = 1 is detected exactly.
    chance = sum(count * count_b.get(label, 0) for label, count in count_a.items())
    if chance == n * n:
        return AgreementStat(None, n_units, n, 2 * n, NO_VARIATION)
    return AgreementStat((n * agreed - chance) / (n * n - chance), n_units, n, 2 * n)


def _positions(categories: Sequence[LabelT]) -> dict[LabelT, int]:
    position = {label: index for index, label in enumerate(categories)}
    if len(position) != len(categories):
        raise ValueError("the categories list a label twice")
    return position


def _position_of(position: Mapping[LabelT, int], label: LabelT) -> int:
    try:
        return position[label]
    except KeyError:
        raise ValueError(f"{label!r} is not one of the categories") from None


def weighted_cohen_kappa(
    a: Sequence[LabelT | None],
    b: Sequence[LabelT | None],
    categories: Sequence[LabelT],
    weights: Weights = "linear",
) -> AgreementStat:
    """Cohen's weighted kappa of two coders on an ordered scale (`categories`, in order).

    kappa_w = 1 - (sum_ij w_ij o_ij) / (sum_ij w_ij e_ij), with o the observed and e the
    chance-expected (product of the two coders' marginals) proportions of label pairs, and the
    disagreement weight of categories at positions i and j being |i - j| ("linear") or
    (i - j)^2 ("quadratic") (any scale factor such as 1/(k-1) cancels). Categories that nobody
    used still set the spacing. Positions with a None on either side are dropped. None when
    nothing is left (`NO_PAIRABLE`) or when the expected disagreement is 0, i.e. both coders
    gave one and the same category throughout (`NO_VARIATION`). Raises ValueError for a label
    outside `categories`, repeated categories, unequal lengths or unknown weights.
    """
    return weighted_kappa_from(Counter(_paired(a, b)), len(a), categories, weights)


def weighted_kappa_from(
    confusion: Mapping[tuple[LabelT, LabelT], int],
    n_units: int,
    categories: Sequence[LabelT],
    weights: Weights = "linear",
) -> AgreementStat:
    """`weighted_cohen_kappa` from the label pairs' counts (`Tally.confusion`), of `n_units`."""
    if weights not in ("linear", "quadratic"):
        raise ValueError(f"weights must be 'linear' or 'quadratic', not {weights!r}")
    power = 1 if weights == "linear" else 2
    position = _positions(categories)
    ranks = [
        (_position_of(position, x), _position_of(position, y), count)
        for (x, y), count in confusion.items()
    ]
    n = sum(confusion.values())
    if not n:
        return AgreementStat(None, n_units, 0, 0, NO_PAIRABLE)
    observed = 0
    count_a: dict[int, int] = {}
    count_b: dict[int, int] = {}
    for i, j, count in ranks:
        observed += count * abs(i - j) ** power
        count_a[i] = count_a.get(i, 0) + count
        count_b[j] = count_b.get(j, 0) + count
    expected = sum(  # n^2 times the expected disagreement
        count_i * count_j * abs(i - j) ** power
        for i, count_i in count_a.items()
        for j, count_j in count_b.items()
    )
    if expected == 0:
        return AgreementStat(None, n_units, n, 2 * n, NO_VARIATION)
    return AgreementStat(float(1 - Fraction(n * observed, expected)), n_units, n, 2 * n)


def _numeric(label: object) -> int | float | Fraction:
    if isinstance(label, int | float | Fraction):
        return label
    if isinstance(label, Real):
        return float(label)
    raise ValueError(f"interval alpha needs numbers (or categories); got {label!r}")


def _distances(
    level: Level, totals: Mapping[LabelT, int], categories: Sequence[LabelT] | None
) -> dict[tuple[LabelT, LabelT], Distance]:
    """Squared distances between the observed values, up to a common factor."""
    labels = list(totals)
    rank: dict[LabelT, int] | None = None
    if categories is not None:
        position = _positions(categories)
        rank = {label: _position_of(position, label) for label in labels}
    if level == "interval":
        value = rank if rank is not None else {label: _numeric(label) for label in labels}
        return {(c, k): (value[c] - value[k]) ** 2 for c in labels for k in labels if c != k}
    # Ordinal (Krippendorff): d_ck = (sum_{g=c..k} n_g - (n_c + n_k) / 2)^2 over the categories
    # in order from c to k (unused categories add 0); here times 4 so that it stays an integer.
    if rank is None:
        ordered: list[LabelT] = sorted(labels)  # type: ignore[type-var]
    else:
        ordered = sorted(labels, key=rank.__getitem__)
    cumulative = [0]
    for label in ordered:
        cumulative.append(cumulative[-1] + totals[label])
    index = {label: i for i, label in enumerate(ordered)}
    distances: dict[tuple[LabelT, LabelT], Distance] = {}
    for c in labels:
        for k in labels:
            if c != k:
                low, high = sorted((index[c], index[k]))
                between = cumulative[high + 1] - cumulative[low]
                distances[c, k] = (2 * between - totals[c] - totals[k]) ** 2
    return distances


def _alpha(found: Tally, level: Level, categories: Sequence[Any] | None) -> float | None:
    # alpha = 1 - (n - 1) * sum_u sum_{c != k} n_uc n_uk d_ck / (m_u - 1) / sum n_c n_k d_ck
    totals, pairs_by_size = found.totals, found.pairs_by_size
    if len(totals) < 2:
        return None
    n = sum(totals.values())
    within: dict[int, Distance] = {}  # per unit size m: sum of n_uc n_uk d_ck over its units
    if level == "nominal":
        expected: Distance = n * n - sum(count * count for count in totals.values())
        for m, pairs in pairs_by_size.items():
            within[m] = sum(pairs.values())
    else:
        distance = _distances(level, totals, categories)
        expected = sum(totals[c] * totals[k] * d for (c, k), d in distance.items())
        for m, pairs in pairs_by_size.items():
            within[m] = sum(count * distance[pair] for pair, count in pairs.items())
    if expected == 0:
        return None
    if isinstance(expected, int) and all(isinstance(w, int) for w in within.values()):
        # Exact: scale every 1 / (m - 1) to a common denominator, divide once.
        common = math.lcm(*(m - 1 for m in within)) if within else 1
        observed = sum(int(w) * (common // (m - 1)) for m, w in within.items())
        return 1 - ((n - 1) * observed) / (expected * common)
    observed_float = sum(w / (m - 1) for m, w in within.items())
    return float(1 - (n - 1) * observed_float / expected)


def krippendorff_alpha(
    ratings: Mapping[UnitT, Mapping[CoderT, LabelT | None]],
    level: Level = "nominal",
    categories: Sequence[LabelT] | None = None,
) -> AgreementStat:
    """Krippendorff's alpha for any number of coders, with missing values allowed.

    alpha = 1 - D_o / D_e. From the coincidence matrix o_ck = sum over pairable units u of
    (ordered pairs of values c, k in u from different coders) / (m_u - 1), with m_u the values
    in u, n_c = sum_k o_ck and n = sum_c n_c: D_o = sum_ck o_ck d_ck / n and
    D_e = sum_ck n_c n_k d_ck / (n (n - 1)). The distance d_ck is 0/1 for "nominal";
    for "ordinal" (Krippendorff) (sum_{g=c..k} n_g - (n_c + n_k) / 2)^2 over the categories in
    order, so that it rests on how many values lie between c and k rather than on spacing; and
    (c - k)^2 for "interval", on the labels as numbers, or on their positions in `categories`
    when those are given. Ordinal order is that of `categories`, else the labels' natural sort.

    Units with fewer than two values are ignored; None when no unit is pairable
    (`NO_PAIRABLE`) or when every pairable value is the same (D_e = 0, `NO_VARIATION`). Raises
    ValueError for an unknown level, a label outside `categories`, or a non-numeric label at
    the interval level without categories.
    """
    return alpha_from(table_tally(ratings), level, categories)


def alpha_from(
    found: Tally, level: Level = "nominal", categories: Sequence[Any] | None = None
) -> AgreementStat:
    """`krippendorff_alpha` of a tallied table."""
    if level not in ("nominal", "ordinal", "interval"):
        raise ValueError(f"level must be nominal, ordinal or interval, not {level!r}")
    if not found.n_pairable:
        return AgreementStat(None, found.n_units, 0, 0, NO_PAIRABLE)
    if categories is not None and level == "nominal":
        position = _positions(categories)
        for value in found.totals:
            _position_of(position, value)
    alpha = _alpha(found, level, categories)
    if alpha is None:
        return AgreementStat(None, found.n_units, found.n_pairable, found.n_values, NO_VARIATION)
    return AgreementStat(alpha, found.n_units, found.n_pairable, found.n_values)
