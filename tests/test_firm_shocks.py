"""The counter-based monthly firm shocks of :mod:`sim.core.firm_shocks`."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from sim.core.context import CORE_STREAMS, spawn_streams
from sim.core.firm_shocks import BLOCK, DRAW_ROWS, HIRE_ROW, SHOCK_ROWS, FirmShocks, stream_key

MONTH = 2018 * 12 + 3


def shocks(seed: int) -> FirmShocks:
    """The monthly shocks of a run with root seed ``seed``."""
    return FirmShocks(stream_key(spawn_streams(seed, CORE_STREAMS)["dynamics"]))


def monthly_draws(generator: FirmShocks, slots: np.ndarray, month: int) -> np.ndarray:
    """The draws of ``slots`` in ``month`` from a fresh copy of ``generator`` (nothing kept)."""
    return FirmShocks(generator.key).draws(slots, month)


def test_same_seed_gives_identical_shocks_and_other_seeds_differ():
    slots = np.arange(5_000, dtype=np.int64)
    first = monthly_draws(shocks(7), slots, MONTH)
    assert first.shape == (DRAW_ROWS, slots.size)
    np.testing.assert_array_equal(first, monthly_draws(shocks(7), slots, MONTH))
    other = monthly_draws(shocks(8), slots, MONTH)
    assert (first != other).mean() > 0.999
    next_month = monthly_draws(shocks(7), slots, MONTH + 1)
    assert (first != next_month).mean() > 0.999


def test_a_slots_shocks_do_not_depend_on_which_other_slots_are_alive():
    rng = np.random.default_rng(3)
    everyone = np.arange(20_000, dtype=np.int64)
    alive = np.sort(rng.choice(everyone, size=3_000, replace=False))
    few = alive[::7]
    full = monthly_draws(shocks(1), everyone, MONTH)
    np.testing.assert_array_equal(monthly_draws(shocks(1), alive, MONTH), full[:, alive])
    np.testing.assert_array_equal(monthly_draws(shocks(1), few, MONTH), full[:, few])
    assert monthly_draws(shocks(1), np.zeros(0, dtype=np.int64), MONTH).shape == (DRAW_ROWS, 0)
    np.testing.assert_array_equal(monthly_draws(shocks(1), alive[5:6], MONTH), full[:, alive[5:6]])  # one live firm
    # across the blocks the computation works in
    many = np.arange(BLOCK + 5_000, dtype=np.int64)
    edge = many[BLOCK - 5 : BLOCK + 5]
    np.testing.assert_array_equal(monthly_draws(shocks(1), many, MONTH)[:, edge], monthly_draws(shocks(1), edge, MONTH))


def test_rows_are_standard_normal_and_uniform_and_uncorrelated():
    draws = monthly_draws(shocks(2), np.arange(200_000, dtype=np.int64), MONTH)
    for row in range(SHOCK_ROWS):
        assert stats.kstest(draws[row], "norm").pvalue > 1e-3, row
    assert stats.kstest(draws[HIRE_ROW], "uniform").pvalue > 1e-3
    counts = np.histogram(draws[HIRE_ROW], bins=50, range=(0.0, 1.0))[0]
    assert stats.chisquare(counts).pvalue > 1e-3
    assert ((draws[HIRE_ROW] >= 0.0) & (draws[HIRE_ROW] < 1.0)).all()
    correlation = np.corrcoef(draws) - np.eye(DRAW_ROWS)
    assert np.abs(correlation).max() < 0.015  # about 6 standard errors of 200,000 pairs
    # the same slot in successive months is uncorrelated too
    later = monthly_draws(shocks(2), np.arange(200_000, dtype=np.int64), MONTH + 1)
    assert abs(np.corrcoef(draws[0], later[0])[0, 1]) < 0.015


def test_the_slot_hashes_kept_from_month_to_month_give_the_same_draws_as_fresh_ones():
    generator = shocks(4)
    early = np.arange(0, 300, dtype=np.int64)
    generator.draws(early, MONTH)  # keeps the hashes of slots 0-299 (and a margin)
    later = np.arange(150, 5_000, 3, dtype=np.int64)
    np.testing.assert_array_equal(generator.draws(later, MONTH + 1), monthly_draws(shocks(4), later, MONTH + 1))


def test_the_generator_follows_its_documented_definition():
    """SplitMix64 words of (key, slot, month) and their transforms, written out for one slot."""
    mask = (1 << 64) - 1
    gamma = 0x9E3779B97F4A7C15

    def mix(z: int) -> int:
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
        return z ^ (z >> 31)

    def attempts(h: int, pair: int) -> int:
        """Points the polar method tries for ``pair`` of a firm with month hash ``h``."""
        for attempt in range(100):
            word = mix((h + gamma * (2 + pair + 2 * attempt)) & mask)
            v1, v2 = (((word >> 32) + 0.5) * 2.0**-31 - 1.0, ((word & 0xFFFFFFFF) + 0.5) * 2.0**-31 - 1.0)
            if v1 * v1 + v2 * v2 < 1.0:
                return attempt + 1
        raise AssertionError("no point inside the circle in 100 attempts")

    generator = shocks(5)
    month_hash = [
        mix((mix((generator.key + gamma * (slot + 1)) & mask) + gamma * (MONTH + 1)) & mask) for slot in range(8_000)
    ]
    # slots needing 4 or more points for a pair (0.2% each), evaluated in rounds of many attempts
    rare = [slot for slot in range(8_000) if max(attempts(month_hash[slot], 0), attempts(month_hash[slot], 1)) >= 4]
    assert len(rare) >= 10
    # the first slots, some that need a second point (21.5% per pair), and the rare ones: among
    # 8,000 live firms (rounds of one attempt per remaining firm first) and alone
    slots = np.concatenate([np.arange(3), np.arange(1_230, 1_250), rare])
    among_many = generator.draws(np.arange(8_000), MONTH)[:, slots]
    np.testing.assert_array_equal(among_many, monthly_draws(generator, slots, MONTH))
    for slot in rare:
        np.testing.assert_array_equal(among_many[:, slots == slot], monthly_draws(generator, np.array([slot]), MONTH))
    for j, slot in enumerate(slots.tolist()):
        h = month_hash[slot]
        draws = among_many[:, j]
        assert draws[HIRE_ROW] == (mix((h + gamma) & mask) >> 11) * 2.0**-53
        for pair in range(2):
            for attempt in range(100):
                word = mix((h + gamma * (2 + pair + 2 * attempt)) & mask)
                v1, v2 = (((word >> 32) + 0.5) * 2.0**-31 - 1.0, ((word & 0xFFFFFFFF) + 0.5) * 2.0**-31 - 1.0)
                r2 = v1 * v1 + v2 * v2
                if r2 < 1.0:
                    break
            factor = np.sqrt(-2.0 * np.log(r2) / r2)
            assert draws[2 * pair] == pytest.approx(v1 * factor, rel=1e-12, abs=1e-12)
            assert draws[2 * pair + 1] == pytest.approx(v2 * factor, rel=1e-12, abs=1e-12)


def test_the_key_is_the_first_64_bit_word_of_the_dynamics_generator():
    for seed in (0, 1, 20181):
        streams = spawn_streams(seed, CORE_STREAMS)
        key = stream_key(streams["dynamics"])
        assert key == int(spawn_streams(seed, CORE_STREAMS)["dynamics"].bit_generator.random_raw())
        assert FirmShocks(key).key == key


@pytest.fixture
def lookahead(monkeypatch):
    """The look-ahead thread on, for any number of prepared firms."""
    from sim.core import lookahead

    monkeypatch.setattr(lookahead.LOOKAHEAD, "enabled", True)
    monkeypatch.setattr(lookahead, "LOOKAHEAD_MIN_ITEMS", 1)


def test_shocks_prepared_ahead_are_the_shocks_drawn_directly(lookahead):
    generator = shocks(5)
    survivors = np.arange(0, 60_000, 2, dtype=np.int64)
    generator.draws(survivors, MONTH)
    newcomers = np.arange(60_000, 61_000, dtype=np.int64)
    live = np.concatenate([survivors, newcomers])
    direct = monthly_draws(generator, live, MONTH + 1)
    generator.prepare(survivors, MONTH + 1)
    ahead = generator.draws(live, MONTH + 1)
    assert ahead.base is not None  # columns of the prepared buffer: the look-ahead was used
    np.testing.assert_array_equal(ahead, direct)
    # not a continuation of the prepared slots, another month, or more newcomers than its room: all drawn anew
    for slots, month in ((live[1:], MONTH + 1), (live, MONTH + 2), (np.arange(0, 80_000, dtype=np.int64), MONTH + 1)):
        generator.prepare(survivors, MONTH + 1)
        np.testing.assert_array_equal(generator.draws(slots, month), monthly_draws(generator, slots, month))


def test_an_error_in_the_look_ahead_thread_reaches_the_caller(lookahead, monkeypatch):
    generator = shocks(6)

    def broken_fill(*args):
        raise FloatingPointError("broken on purpose")

    monkeypatch.setattr(generator, "_fill", broken_fill)
    generator.prepare(np.arange(100, dtype=np.int64), MONTH)
    with pytest.raises(FloatingPointError, match="broken on purpose"):
        generator.draws(np.arange(100, dtype=np.int64), MONTH)



def test_runs_keeping_a_seeds_shocks_draw_what_a_run_alone_draws():
    from sim.core.shared_draws import KeptShocks

    key = shocks(7).key
    kept = KeptShocks(key, DRAW_ROWS)
    first, later = FirmShocks(key, kept), FirmShocks(key, kept)
    few, more = np.array([0, 3, 7], dtype=np.int64), np.array([0, 2, 3, 7, 9], dtype=np.int64)
    got = first.draws(few, MONTH)
    np.testing.assert_array_equal(got, monthly_draws(first, few, MONTH))
    assert not got.flags.writeable  # the kept columns themselves
    # the later run takes the kept columns of 0, 3 and 7 and computes 2 and 9 (kept as well)
    np.testing.assert_array_equal(later.draws(more, MONTH), monthly_draws(later, more, MONTH))
    np.testing.assert_array_equal(first.draws(more[::-1], MONTH), monthly_draws(first, more[::-1], MONTH))
    # the next month's shocks of the same slots are that month's, kept apart from this month's
    np.testing.assert_array_equal(later.draws(more, MONTH + 1), monthly_draws(later, more, MONTH + 1))
    np.testing.assert_array_equal(first.draws(few, MONTH + 1), monthly_draws(first, few, MONTH + 1))
    # past the memory limit the run computes its shocks itself, the same values
    limited = FirmShocks(key, KeptShocks(key, DRAW_ROWS, max_bytes=0))
    got = limited.draws(more, MONTH + 1)
    assert got.flags.writeable
    np.testing.assert_array_equal(got, monthly_draws(limited, more, MONTH + 1))
