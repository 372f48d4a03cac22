"""Dungeons & Dragons: reproducible dice, and characters that fight safely from many threads."""

from __future__ import annotations

import random
import threading
from collections import Counter

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from threads import run_in_threads

from pyo3_showcase import Character, dnd, roll_dice

MAX_DICE = 10_000_000
U64 = 2**64 - 1


def reference_rolls(n: int, sides: int, seed: int) -> list[int]:
    """The documented generator, SplitMix64 with rejection sampling, written out in Python."""
    state = seed
    rolls: list[int] = []
    zone = U64 - U64 % sides
    while len(rolls) < n:
        state = (state + 0x9E37_79B9_7F4A_7C15) & U64
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58_476D_1CE4_E5B9) & U64
        z = ((z ^ (z >> 27)) * 0x94D0_49BB_1331_11EB) & U64
        z ^= z >> 31
        if z < zone:
            rolls.append(z % sides + 1)
    return rolls


def test_dnd_module_exports_its_names_under_their_public_module() -> None:
    assert sorted(dnd.__all__) == ["Character", "roll_dice"]
    assert Character.__module__ == "pyo3_showcase.dnd"


# roll_dice


@pytest.mark.parametrize(("n", "sides"), [(1, 6), (100, 20), (1000, 2), (50, 1), (10, 2**63 - 1)])
def test_roll_dice_returns_n_rolls_between_one_and_sides(n: int, sides: int) -> None:
    rolls = roll_dice(n, sides)
    assert len(rolls) == n
    assert all(1 <= roll <= sides for roll in rolls)


def test_rolling_no_dice_gives_an_empty_list() -> None:
    assert roll_dice(0, 6) == [] == roll_dice(0, 6, seed=1)


def test_one_sided_dice_always_show_one() -> None:
    assert roll_dice(1000, 1) == [1] * 1000


def test_seeded_rolls_are_reproducible() -> None:
    assert roll_dice(1000, 6, seed=42) == roll_dice(1000, 6, 42) == roll_dice(n=1000, sides=6, seed=42)


def test_different_seeds_give_different_rolls() -> None:
    assert len({tuple(roll_dice(100, 6, seed=seed)) for seed in range(20)}) == 20


def test_unseeded_rolls_differ_between_calls() -> None:
    # Two equal runs of 200 d6 happen with probability 6**-200.
    assert roll_dice(200, 6) != roll_dice(200, 6)
    assert roll_dice(200, 6, seed=None) != roll_dice(200, 6, seed=None)


@given(n=st.integers(0, 64), sides=st.integers(1, 2**63 - 1), seed=st.integers(0, U64))
@example(n=64, sides=6, seed=0)
@example(n=64, sides=3 * 2**61, seed=U64)  # a quarter of all draws are rejected for these dice
@example(n=64, sides=2**62 + 1, seed=12345)
def test_seeded_rolls_follow_the_documented_generator_exactly(n: int, sides: int, seed: int) -> None:
    assert roll_dice(n, sides, seed=seed) == reference_rolls(n, sides, seed)


@pytest.mark.parametrize(
    ("sides", "critical_chi_square"),
    # Chi-square values exceeded with probability 1e-9 at sides - 1 degrees of freedom.
    [(2, 37.32), (6, 50.69), (20, 81.56)],
)
def test_unseeded_rolls_are_uniform(sides: int, critical_chi_square: float) -> None:
    n = 60_000 * sides
    counts = Counter(roll_dice(n, sides))
    assert sorted(counts) == list(range(1, sides + 1)), "every face shows up"
    expected = n / sides
    chi_square = sum((counts[face] - expected) ** 2 / expected for face in range(1, sides + 1))
    assert chi_square < critical_chi_square


@pytest.mark.parametrize(
    ("n", "sides", "message"),
    [
        (-1, 6, "n must be between 0 and 10000000, got -1"),
        (MAX_DICE + 1, 6, "n must be between 0 and 10000000, got 10000001"),
        (1, 0, "sides must be at least 1, got 0"),
        (1, -6, "sides must be at least 1, got -6"),
    ],
)
def test_roll_dice_rejects_invalid_counts_and_sides_with_value_error(n: int, sides: int, message: str) -> None:
    with pytest.raises(ValueError, match=f"^{message}$"):
        roll_dice(n, sides)


def test_roll_dice_rolls_up_to_the_maximum_count() -> None:
    rolls = roll_dice(MAX_DICE, 1, seed=0)
    assert len(rolls) == MAX_DICE
    assert rolls[-1] == 1


@pytest.mark.parametrize("seed", [-1, 2**64])
def test_roll_dice_rejects_seeds_outside_64_bits(seed: int) -> None:
    with pytest.raises(OverflowError):
        roll_dice(1, 6, seed=seed)


@pytest.mark.parametrize(("n", "sides", "seed"), [(1.5, 6, None), (1, "6", None), (1, 6, "42")])
def test_roll_dice_rejects_non_integer_arguments(n: object, sides: object, seed: object) -> None:
    with pytest.raises(TypeError):
        roll_dice(n, sides, seed)  # type: ignore[arg-type]


# Character


def test_character_has_the_given_abilities_and_defaults_of_ten() -> None:
    hero = Character("Aria", 30, 12)
    abilities = (hero.dexterity, hero.constitution, hero.intelligence, hero.wisdom, hero.charisma)
    assert (hero.name, hero.health, hero.max_health, hero.strength, abilities) == ("Aria", 30, 30, 12, (10,) * 5)
    assert hero.is_alive


def test_character_accepts_every_ability_by_keyword() -> None:
    hero = Character(
        name="Borin",
        health=40,
        strength=15,
        dexterity=8,
        constitution=16,
        intelligence=9,
        wisdom=11,
        charisma=7,
    )
    abilities = (hero.strength, hero.dexterity, hero.constitution, hero.intelligence, hero.wisdom, hero.charisma)
    assert abilities == (15, 8, 16, 9, 11, 7)
    assert repr(hero) == "Character(name='Borin', health=40/40)"


@pytest.mark.parametrize(
    "attribute",
    ["name", "health", "max_health", "strength", "dexterity", "constitution", "intelligence", "wisdom", "charisma"],
)
def test_character_attributes_are_read_only(attribute: str) -> None:
    hero = Character("Aria", 30, 12)
    before = getattr(hero, attribute)
    with pytest.raises(AttributeError):
        setattr(hero, attribute, 1)
    assert getattr(hero, attribute) == before


@pytest.mark.parametrize(("health", "strength"), [(-1, 10), (10, -1), (2**32, 10)])
def test_character_rejects_abilities_outside_unsigned_32_bits(health: int, strength: int) -> None:
    with pytest.raises(OverflowError):
        Character("Aria", health, strength)


@pytest.mark.parametrize(
    ("strength", "constitution", "damage"),
    [(12, 10, 7), (10, 0, 10), (10, 1, 10), (10, 3, 9), (5, 10, 1), (3, 20, 1), (0, 0, 1), (100, 19, 91)],
)
def test_attack_deals_strength_minus_half_the_targets_constitution_and_at_least_one(
    strength: int, constitution: int, damage: int
) -> None:
    attacker = Character("Attacker", 100, strength)
    target = Character("Target", 200, 10, constitution=constitution)
    assert attacker.attack(target) == damage
    assert target.health == 200 - damage
    assert attacker.health == 100, "the attacker takes no damage"


@pytest.mark.parametrize(("damage", "halved"), [(7, 4), (8, 4), (1, 1), (2, 1), (91, 46)])
def test_defending_halves_the_next_blow_rounding_up(damage: int, halved: int) -> None:
    attacker = Character("Attacker", 100, damage + 5)
    target = Character("Target", 500, 10)
    target.defend()
    assert attacker.attack(target) == halved
    assert attacker.attack(target) == damage, "the guard lasts for one blow only"
    assert target.health == 500 - halved - damage


def test_defending_twice_still_halves_only_the_next_blow_once() -> None:
    attacker, target = Character("Attacker", 100, 12), Character("Target", 100, 10)
    target.defend()
    target.defend()
    assert [attacker.attack(target), attacker.attack(target)] == [4, 7]


def test_health_never_drops_below_zero_and_attack_returns_the_health_lost() -> None:
    attacker, target = Character("Ogre", 100, 50), Character("Goblin", 3, 5)
    assert attacker.attack(target) == 3
    assert (target.health, target.is_alive) == (0, False)
    assert attacker.attack(target) == 0, "a defeated target has no health left to lose"
    assert target.health == 0


def test_defeated_character_cannot_attack() -> None:
    ogre, goblin = Character("Ogre", 100, 50), Character("Goblin", 3, 5)
    ogre.attack(goblin)
    with pytest.raises(ValueError, match=r"^Goblin is defeated and cannot attack$"):
        goblin.attack(ogre)
    assert ogre.health == 100


def test_character_born_with_no_health_is_defeated() -> None:
    ghost = Character("Ghost", 0, 10)
    assert not ghost.is_alive
    with pytest.raises(ValueError, match="defeated and cannot attack"):
        ghost.attack(Character("Aria", 30, 12))
    with pytest.raises(ValueError, match="defeated and cannot be healed"):
        ghost.heal(5)


@pytest.mark.parametrize("defeated", [False, True], ids=["alive", "defeated"])
def test_character_cannot_attack_itself(defeated: bool) -> None:
    hero = Character("Aria", 0 if defeated else 30, 12)
    with pytest.raises(ValueError, match=r"^Aria cannot attack itself$"):
        hero.attack(hero)
    assert hero.health == (0 if defeated else 30)


@pytest.mark.parametrize("target", [None, "Goblin", 5])
def test_attack_needs_a_character_as_target(target: object) -> None:
    with pytest.raises(TypeError):
        Character("Aria", 30, 12).attack(target)  # type: ignore[arg-type]


def test_heal_restores_health_up_to_max_health_and_returns_it() -> None:
    attacker, hero = Character("Ogre", 100, 25), Character("Aria", 30, 12)
    attacker.attack(hero)
    assert hero.health == 10
    assert hero.heal(5) == 15 == hero.health
    assert hero.heal(0) == 15
    assert hero.heal(100) == 30 == hero.max_health
    assert hero.heal(2**32 - 1) == 30


def test_defeated_character_cannot_be_healed() -> None:
    ogre, goblin = Character("Ogre", 100, 50), Character("Goblin", 3, 5)
    ogre.attack(goblin)
    with pytest.raises(ValueError, match=r"^Goblin is defeated and cannot be healed$"):
        goblin.heal(10)
    assert goblin.health == 0


@pytest.mark.parametrize(("amount", "error"), [(-1, OverflowError), (2**32, OverflowError), ("5", TypeError)])
def test_heal_rejects_amounts_outside_unsigned_32_bits(amount: object, error: type[Exception]) -> None:
    hero = Character("Aria", 30, 12)
    Character("Ogre", 100, 15).attack(hero)
    with pytest.raises(error):
        hero.heal(amount)  # type: ignore[arg-type]
    assert hero.health == 20


# Many threads fighting at once.


@pytest.mark.thread_unsafe(reason="starts its own 8 threads")
def test_fights_from_eight_threads_account_for_every_point_of_damage(interleaving_threads: None) -> None:
    healths = [2_000, 20_000, 25_000, 30_000, 60_000]  # the first falls early; the rest keep fighting
    fighters = [Character(f"Fighter {index}", health, 8 + 3 * index) for index, health in enumerate(healths)]
    rounds = 2_000

    refusals: list[tuple[int, str]] = []

    def fight(thread: int) -> list[int]:
        """Fight at random; return the health each fighter lost to this thread's blows."""
        chooser = random.Random(thread)
        lost = [0] * len(fighters)
        for _ in range(rounds):
            attacker, target = chooser.sample(range(len(fighters)), 2)
            if chooser.random() < 0.3:
                fighters[target].defend()
            try:
                lost[target] += fighters[attacker].attack(fighters[target])
            except ValueError as error:
                refusals.append((attacker, str(error)))
            assert 0 <= fighters[target].health <= fighters[target].max_health
        return lost

    lost_per_thread = run_in_threads(8, fight)
    # Without healing nobody gets back up, so every refused attacker is still defeated now.
    for attacker, message in refusals:
        assert message == f"Fighter {attacker} is defeated and cannot attack"
        assert not fighters[attacker].is_alive
    for index, fighter in enumerate(fighters):
        total_lost = sum(lost[index] for lost in lost_per_thread)
        assert total_lost == fighter.max_health - fighter.health, fighter
        assert 0 <= fighter.health <= fighter.max_health
        assert fighter.is_alive is (fighter.health > 0)
    assert not fighters[0].is_alive, "the weakest fighter should fall, so defeated attackers are exercised too"


@pytest.mark.thread_unsafe(reason="starts its own 2 threads")
def test_in_duels_from_two_threads_a_defeated_character_never_strikes_back(interleaving_threads: None) -> None:
    # Each blow defeats the other; both threads strike at the same moment (on free-threaded Python
    # truly so), so only an attack that checks the attacker and hits the target in one step keeps
    # the loser from landing a blow after it fell.
    duels = [(Character("Left", 5, 12), Character("Right", 5, 12)) for _ in range(2_000)]
    barrier = threading.Barrier(2)

    def fight(side: int) -> list[int | str]:
        outcomes: list[int | str] = []
        for left, right in duels:
            attacker, target = (left, right) if side == 0 else (right, left)
            barrier.wait()
            try:
                outcomes.append(attacker.attack(target))
            except ValueError as refusal:
                outcomes.append(str(refusal))
        return outcomes

    left_outcomes, right_outcomes = run_in_threads(2, fight)
    for (left, right), left_outcome, right_outcome in zip(duels, left_outcomes, right_outcomes, strict=True):
        # Exactly one blow landed and took all 5 health; the other fighter was refused.
        assert sorted([left.health, right.health]) == [0, 5]
        winner_outcome, loser_outcome = (
            (left_outcome, right_outcome) if right.health == 0 else (right_outcome, left_outcome)
        )
        loser = right if right.health == 0 else left
        assert (winner_outcome, loser_outcome) == (5, f"{loser.name} is defeated and cannot attack")


@pytest.mark.parametrize("name", ["O'Neil", 'say "hi"', "tab\there", "ünïcode", "lone \ud800"])
def test_character_repr_quotes_the_name_like_python(name: str) -> None:
    assert repr(Character(name, 10, 5)) == f"Character(name={name!r}, health=10/10)"


def test_character_name_may_be_any_str() -> None:
    hero = Character("\udfff hero", 10, 5)
    assert hero.name == "\udfff hero"
    with pytest.raises(ValueError, match="cannot attack itself") as info:
        hero.attack(hero)
    assert info.value.args == ("\udfff hero cannot attack itself",)
