"""The tally of an owners' vote, in exact arithmetic (民法典 Art. 278, Art. 1259).

Areas are ``Decimal`` m² with at most two decimals, heads are integers and every ratio is a
``Fraction``: a float never touches a figure, so a result on the bound is decided exactly.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import Decimal
from fractions import Fraction

AGREE, OPPOSE, ABSTAIN = "agree", "oppose", "abstain"
CHOICES = (AGREE, OPPOSE, ABSTAIN)

MAJORITY, THREE_QUARTERS = "majority", "three_quarters"
#: 民法典 Art. 278 items (6) raise the repair fund, (7) rebuild, (8) change the use of shared
#: parts or run a business on them: they need 3/4; items (1)–(5) and (9) a majority
THREE_QUARTER_ITEMS = frozenset({6, 7, 8})
ITEMS = range(1, 10)

#: 民法典 Art. 278: participation of two thirds or more ("以上" includes the bound, Art. 1259)
PARTICIPATION_BAR = Fraction(2, 3)
THREE_QUARTER_BAR = Fraction(3, 4)
MAJORITY_BAR = Fraction(1, 2)

#: the conditions in the order they are checked; ``failed_condition`` names the first that fails
CONDITIONS = ("participation_area", "participation_heads", "agree_area", "agree_heads")

CENT = Decimal("0.01")


@dataclass(frozen=True)
class CountedBallot:
    """One voter's ballot as the tally sees it: the choice, the voter's area and heads."""

    choice: str
    area: Decimal
    heads: int


@dataclass(frozen=True)
class Tally:
    """Every figure of a vote's result; ``failed_condition`` is None when it passed."""

    total_area: Decimal
    total_heads: int
    participating_area: Decimal
    participating_heads: int
    agree_area: Decimal
    agree_heads: int
    threshold_class: str
    passed: bool
    failed_condition: str | None

    @property
    def participation_area_ratio(self) -> Fraction:
        return Fraction(self.participating_area) / Fraction(self.total_area)

    @property
    def participation_head_ratio(self) -> Fraction:
        return Fraction(self.participating_heads, self.total_heads)

    @property
    def agree_area_ratio(self) -> Fraction | None:
        """Agreeing area over participating area; None when nobody took part."""
        if not self.participating_area:
            return None
        return Fraction(self.agree_area) / Fraction(self.participating_area)

    @property
    def agree_head_ratio(self) -> Fraction | None:
        """Agreeing heads over participating heads; None when nobody took part."""
        if not self.participating_heads:
            return None
        return Fraction(self.agree_heads, self.participating_heads)

    def as_dict(self) -> dict:
        """The published figures: areas as decimal strings, ratios as reduced ``"a/b"``."""
        return {
            "total_area": area_text(self.total_area),
            "total_heads": self.total_heads,
            "participating_area": area_text(self.participating_area),
            "participating_heads": self.participating_heads,
            "participation_area_ratio": fraction_text(self.participation_area_ratio),
            "participation_head_ratio": fraction_text(self.participation_head_ratio),
            "agree_area": area_text(self.agree_area),
            "agree_heads": self.agree_heads,
            "agree_area_ratio": fraction_text(self.agree_area_ratio),
            "agree_head_ratio": fraction_text(self.agree_head_ratio),
            "threshold_class": self.threshold_class,
            "result": "passed" if self.passed else "failed",
            "failed_condition": self.failed_condition,
        }


def threshold_class(item: int) -> str:
    """The threshold class of a matter by its 民法典 Art. 278 item (1)–(9)."""
    if isinstance(item, bool) or item not in ITEMS:
        raise ValueError(f"事项须为《民法典》第278条第(1)至(9)项，收到 {item!r}")
    return THREE_QUARTERS if item in THREE_QUARTER_ITEMS else MAJORITY


def agreement_reached(ratio: Fraction | None, threshold: str) -> bool:
    """Whether an agreeing share meets its class: ≥ 3/4, or strictly more than half."""
    if ratio is None:
        return False
    if threshold == THREE_QUARTERS:
        return ratio >= THREE_QUARTER_BAR
    # "过半数": more than half; exactly half fails
    return ratio > MAJORITY_BAR


def tally(
    ballots: Iterable[CountedBallot], *, total_area: Decimal, total_heads: int, item: int
) -> Tally:
    """Count the ballots of a matter of Art. 278 ``item`` against its frozen electorate.

    Abstentions take part (they are in the denominator of agreement); non-voters do not.
    Raises ``ValueError`` when the figures cannot belong together (an empty electorate, or
    more taking part than there are).
    """
    threshold = threshold_class(item)
    if total_area <= 0 or total_heads <= 0:
        raise ValueError("总面积和总人数须大于零")
    participating_area, participating_heads = Decimal(0), 0
    agree_area, agree_heads = Decimal(0), 0
    for ballot in ballots:
        if ballot.choice not in CHOICES:
            raise ValueError(f"选项须为 agree/oppose/abstain，收到 {ballot.choice!r}")
        participating_area += ballot.area
        participating_heads += ballot.heads
        if ballot.choice == AGREE:
            agree_area += ballot.area
            agree_heads += ballot.heads
    if participating_area > total_area:
        raise ValueError(f"参与面积 {participating_area} 超过总面积 {total_area}")
    if participating_heads > total_heads:
        raise ValueError(f"参与人数 {participating_heads} 超过总人数 {total_heads}")

    result = Tally(
        total_area=total_area,
        total_heads=total_heads,
        participating_area=participating_area,
        participating_heads=participating_heads,
        agree_area=agree_area,
        agree_heads=agree_heads,
        threshold_class=threshold,
        passed=False,
        failed_condition=None,
    )
    checks = {
        "participation_area": result.participation_area_ratio >= PARTICIPATION_BAR,
        "participation_heads": result.participation_head_ratio >= PARTICIPATION_BAR,
        "agree_area": agreement_reached(result.agree_area_ratio, threshold),
        "agree_heads": agreement_reached(result.agree_head_ratio, threshold),
    }
    failed = next((name for name in CONDITIONS if not checks[name]), None)
    return replace(result, passed=failed is None, failed_condition=failed)


def area_text(area: Decimal) -> str:
    """An area as its published decimal string with two decimals (``"150.00"``)."""
    return format(area.quantize(CENT), "f")


def fraction_text(ratio: Fraction | None) -> str | None:
    """A ratio as its reduced exact fraction ``"a/b"`` (``"2/3"``, ``"0/1"``, ``"1/1"``)."""
    if ratio is None:
        return None
    return f"{ratio.numerator}/{ratio.denominator}"


# --- elections of committee members -------------------------------------------------------

#: an election ballot's choice as chained and published: ``elect:`` and the chosen
#: candidates' numbers in ascending order (``elect:1,3``; ``elect:`` chooses nobody)
ELECTION_PREFIX = "elect:"


def election_choice_text(numbers: Iterable[int]) -> str:
    """The canonical choice of an election ballot (``[3, 1]`` → ``"elect:1,3"``)."""
    return ELECTION_PREFIX + ",".join(str(n) for n in sorted(set(numbers)))


def parse_election_choice(text: str) -> frozenset[int]:
    """The candidate numbers of an election choice; ``ValueError`` when malformed."""
    if not isinstance(text, str) or not text.startswith(ELECTION_PREFIX):
        raise ValueError(f"选举选项须以 {ELECTION_PREFIX} 开头，收到 {text!r}")
    rest = text[len(ELECTION_PREFIX) :]
    numbers = [int(part) for part in rest.split(",")] if rest else []
    if any(n < 1 for n in numbers) or len(set(numbers)) != len(numbers):
        raise ValueError(f"选举选项 {text!r} 无效")
    return frozenset(numbers)


@dataclass(frozen=True)
class CandidateTally:
    """One candidate's count: agreeing = the ballots that chose them."""

    number: int
    name: str
    tally: Tally
    elected: bool
    tied: bool


@dataclass(frozen=True)
class ElectionTally:
    """An election's count: turnout, each candidate's double majority, who is elected, ties
    for the last seat and seats nobody won."""

    seats: int
    participation: Tally
    candidates: tuple[CandidateTally, ...]

    @property
    def elected(self) -> list[int]:
        return [c.number for c in self.candidates if c.elected]

    @property
    def tied(self) -> list[int]:
        return [c.number for c in self.candidates if c.tied]

    @property
    def unfilled_seats(self) -> int:
        return self.seats - len(self.elected)

    def as_dict(self) -> dict:
        """The published figures (turnout, every candidate's tally, elected, tied, unfilled)."""
        turnout = self.participation.as_dict()
        return {
            **{
                key: turnout[key]
                for key in (
                    "total_area",
                    "total_heads",
                    "participating_area",
                    "participating_heads",
                    "participation_area_ratio",
                    "participation_head_ratio",
                    "threshold_class",
                )
            },
            "seats": self.seats,
            "candidates": [
                {
                    "number": c.number,
                    "name": c.name,
                    **c.tally.as_dict(),
                    "elected": c.elected,
                    "tied": c.tied,
                }
                for c in self.candidates
            ],
            "elected": self.elected,
            "tied": self.tied,
            "unfilled_seats": self.unfilled_seats,
        }


def election_tally(
    ballots: Iterable[tuple[frozenset[int], Decimal, int]],
    *,
    candidates: Iterable[tuple[int, str]],
    seats: int,
    total_area: Decimal,
    total_heads: int,
    item: int = 3,
) -> ElectionTally:
    """Count an election of committee members (民法典 Art. 278 item (3)).

    Each ballot is (chosen candidate numbers, area, heads). Every ballot takes part; a ballot
    choosing a candidate agrees to them, any other abstains on them. Each candidate needs the
    item's double majority; those passing are ranked by agreeing heads, then area, and fill
    the seats; candidates tied for the last seat are all left out and reported (the owners'
    assembly decides), as are seats nobody won.
    """
    ballots = list(ballots)
    candidates = list(candidates)
    turnout = tally(
        (CountedBallot(ABSTAIN, area, heads) for _, area, heads in ballots),
        total_area=total_area,
        total_heads=total_heads,
        item=item,
    )
    counted = []
    for number, name in candidates:
        result = tally(
            (
                CountedBallot(AGREE if number in chosen else ABSTAIN, area, heads)
                for chosen, area, heads in ballots
            ),
            total_area=total_area,
            total_heads=total_heads,
            item=item,
        )
        counted.append((number, name, result))

    def rank(entry) -> tuple[int, Decimal]:
        return entry[2].agree_heads, entry[2].agree_area

    passing = sorted((e for e in counted if e[2].passed), key=rank, reverse=True)
    elected, tied = set(), set()
    if len(passing) <= seats:
        elected = {e[0] for e in passing}
    else:
        cutoff = rank(passing[seats - 1])
        above = [e[0] for e in passing if rank(e) > cutoff]
        at = [e[0] for e in passing if rank(e) == cutoff]
        if len(above) + len(at) <= seats:
            elected = set(above + at)
        else:
            elected, tied = set(above), set(at)
    return ElectionTally(
        seats=seats,
        participation=turnout,
        candidates=tuple(
            CandidateTally(n, name, result, n in elected, n in tied) for n, name, result in counted
        ),
    )
