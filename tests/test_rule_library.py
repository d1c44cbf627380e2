"""Every decision rule: a shared contract (like Axelrod's TestPlayer), then each rule's behaviour."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pytest

from sim.core import scenario
from sim.core.actions import Action
from sim.core.codes import N_MOVES
from sim.core.errors import SimError
from sim.engine.crisis import Crisis
from sim.rules.learning import ewa_update
from sim.rules.registry import PRESETS, RULES, RuleSpecError, validate_spec
from tests.conftest import D, H, U, X

BASE = scenario.load("dilemma_2p")          # BLUE (tested) against RED


def game(spec: dict, opponent: list[int] | None = None, replicas=(0,), seed: int = 5, turns: int = 8):
    """The tested rule as BLUE; RED plays `opponent` turn by turn (scripted), or its scenario rule."""
    changes = {"actors.BLUE.rule": spec}
    if opponent is not None:
        turns = len(opponent)
        moves = {BASE.date_of(t + 1).isoformat(): Action(m).label for t, m in enumerate(opponent)}
        changes["actors.RED.rule"] = {"name": "scripted", "moves": moves, "then": {"name": "hawk", "move": "hold"}}
    return scenario.apply_overrides(BASE, changes), turns, list(replicas), seed


def play(spec: dict, opponent: list[int] | None = None, replicas=(0,), seed: int = 5, turns: int = 8,
         rules=None) -> tuple[np.ndarray, Crisis]:
    """[R, T] moves of BLUE, and the crisis."""
    scn, turns, replicas, seed = game(spec, opponent, replicas, seed, turns)
    crisis = Crisis(scn, seed, replicas, turns, rules=rules)
    played = np.full((len(replicas), turns), -1)
    row = {r: i for i, r in enumerate(replicas)}
    while not crisis.finished:
        rows = [row[r] for r in crisis.replicas.tolist()]
        moves, _ = crisis.resolve(crisis.decide_all())
        played[rows, crisis.turn - 1] = moves[:, 0]
        crisis.drop_ended()                  # runs with an incident end; learning rules forget them
    return played, crisis


class RuleContract:
    """What every rule must do. Subclasses set `spec` and `bad` (parameters that must be refused)."""

    spec: ClassVar[dict[str, Any]] = {}
    bad: ClassVar[list[dict[str, Any]]] = []

    def test_same_seed_same_moves(self):
        a, _ = play(self.spec, replicas=range(20))
        b, _ = play(self.spec, replicas=range(20))
        assert np.array_equal(a, b)

    def test_a_reset_rule_plays_as_a_fresh_one(self):
        fresh, used = play(self.spec, replicas=range(6))
        for rule in used.rules:
            rule.reset()
        again, _ = play(self.spec, replicas=range(6), rules=used.rules)
        assert np.array_equal(fresh, again)

    def test_replica_r_is_the_same_alone_or_among_a_thousand(self):
        many, _ = play(self.spec, replicas=range(1000), turns=6)
        for r in (0, 411, 999):
            alone, _ = play(self.spec, replicas=[r], turns=6)
            assert np.array_equal(alone[0], many[r]), r

    def test_parameters_out_of_range_are_refused(self):
        for params in self.bad:
            with pytest.raises(RuleSpecError):
                validate_spec({"name": self.spec["name"], **params})

    def test_has_a_docstring_and_a_classifier(self):
        cls = RULES[self.spec["name"]]
        assert len((cls.__doc__ or "").split()) > 15
        assert set(cls.classifier) == {"stochastic", "memory_depth", "learns", "uses_beliefs", "needs_human"}


def test_every_rule_has_a_contract_test():
    tested = {cls.spec["name"] for cls in RuleContract.__subclasses__()}
    assert tested | {"human"} == set(RULES)


def test_presets_are_valid_rules():
    for name, spec in PRESETS.items():
        cls, _ = validate_spec({"name": name})
        assert cls is RULES[spec["name"]]


class TestQuantal(RuleContract):
    spec: ClassVar[dict[str, Any]] = {"name": "quantal", "lambda": 2.0}
    bad: ClassVar[list[dict[str, Any]]] = [{"lambda": -1}, {"temperature": 1}]

    def test_zero_precision_is_uniform_over_the_moves_that_commit_to_nothing(self):
        moves, crisis = play({"name": "quantal", "lambda": 0.0}, replicas=range(2000), turns=1)
        share = np.bincount(moves[:, 0], minlength=N_MOVES) / 2000
        # with no treaty Blue can talk, hold or order; an order commits, so noise never makes it
        best = int(np.argmax(crisis.last_turn[0].values()[0, 0]))
        if best == X:
            assert share[X] == 1.0
        else:
            assert np.allclose(share[[D, H]], 1 / 2, atol=0.03) and share[X] == 0.0

    def test_a_commitment_is_made_exactly_where_it_is_the_best_move(self):
        from sim.core.actions import COMMITMENTS
        from sim.rules.quantal import choose_deliberate

        rng = np.random.default_rng(7)
        values = rng.normal(size=(4000, N_MOVES))
        legal = rng.random((4000, N_MOVES)) < 0.7
        legal[:, [D, H]] = True
        best = np.argmax(np.where(legal, values, -np.inf), axis=1)
        for precision in (0.0, 0.5, 2.0, 50.0):
            picks = choose_deliberate(values, precision, rng.random(4000), legal)
            assert legal[np.arange(4000), picks].all()
            assert np.array_equal(COMMITMENTS[picks], COMMITMENTS[best]), precision
            assert np.array_equal(picks[COMMITMENTS[best]], best[COMMITMENTS[best]])


class TestBestResponse(RuleContract):
    spec: ClassVar[dict[str, Any]] = {"name": "best_response"}
    bad: ClassVar[list[dict[str, Any]]] = [{"lambda": 3}]

    def test_plays_the_highest_value(self):
        scn, _, _, _ = game(self.spec)
        crisis = Crisis(scn, 1, [0], 3)
        view = crisis.view()
        assert crisis.decide(0)[0] == np.argmax(view.values()[0, 0])


class TestRandom(RuleContract):
    spec: ClassVar[dict[str, Any]] = {"name": "random"}
    bad: ClassVar[list[dict[str, Any]]] = [{"p": 0.5}]

    def test_uniform_over_moves(self):
        moves, crisis = play(self.spec, replicas=range(3000), turns=1)
        share = np.bincount(moves[:, 0], minlength=N_MOVES) / 3000
        legal = np.flatnonzero(crisis.last_turn[0].legal()[0, 0])
        assert {D, H, X} <= set(legal.tolist())        # with no treaty Blue can talk, hold, order (and demand)
        assert np.allclose(share[legal], 1 / len(legal), atol=0.03) and share[legal].sum() == pytest.approx(1.0)


class TestFictitiousPlay(RuleContract):
    spec: ClassVar[dict[str, Any]] = {"name": "fictitious_play"}
    bad: ClassVar[list[dict[str, Any]]] = [{"prior": -1}, {"lambda": -0.5}]

    def test_beliefs_are_the_counts_of_moves_seen(self):
        _, crisis = play(self.spec, opponent=[X, X, X, D])
        fp = crisis.rules[0]
        counts = fp.memory["counts"][0, 1]          # what BLUE saw RED play, with the prior
        prior = fp.params.prior / N_MOVES
        expected = np.full(N_MOVES, prior)
        expected[H] += 1                              # RED's last move before the start
        expected[X] += 3
        expected[D] += 1
        assert np.allclose(counts, expected)

    def test_best_responds_to_its_own_beliefs(self):
        scn, _, _, _ = game(self.spec, opponent=[X, X])
        crisis = Crisis(scn, 1, [0], 2)
        crisis.resolve(crisis.decide_all())
        view = crisis.view()
        own = crisis.rules[0].own_beliefs(view)[0]
        assert all(np.allclose(view.beliefs[0, 0, :, c], own) for c in range(N_MOVES))   # the same in every context
        assert crisis.decide(0)[0] == np.argmax(view.values()[0, 0])


class TestEWA(RuleContract):
    spec: ClassVar[dict[str, Any]] = {"name": "ewa"}
    bad: ClassVar[list[dict[str, Any]]] = [{"phi": 1.5}, {"delta": -0.1}, {"rho": 2}, {"lambda": -1}, {"n0": -1}]

    def test_reinforcement_special_case(self):
        a = np.array([[1.0, 2.0, 0.0, -1.0, 0.5, 0.2, 0.1]])
        pay = np.array([[3.0, -2.0, 1.0, 4.0, 0.0, 1.0, 2.0]])
        new, n = ewa_update(a, np.array([1.0]), pay, np.array([3]), phi=0.8, delta=0.0, rho=0.0)
        # Roth-Erev cumulative reinforcement: old attractions decay by phi; only the move played gains
        assert np.allclose(new, 0.8 * a + np.array([[0, 0, 0, 4.0, 0, 0, 0]])) and n[0] == 1.0

    def test_a_move_that_was_not_legal_keeps_its_attraction(self):
        a = np.array([[1.0, 2.0, 0.5, -1.0, 0.5, 0.2, 0.1]])
        pay = np.array([[3.0, -2.0, -np.inf, 4.0, 0.0, -np.inf, 2.0]])
        new, _ = ewa_update(a, np.array([1.0]), pay, np.array([0]), phi=0.8, delta=1.0, rho=0.8)
        assert new[0, 2] == 0.5 and new[0, 5] == 0.2 and np.isfinite(new).all()

    def test_belief_learning_special_case(self):
        a = np.array([[1.0, 2.0, 0.0, -1.0, 0.5, 0.2, 0.1]])
        pay = np.array([[3.0, -2.0, 1.0, 4.0, 0.0, 1.0, 2.0]])
        n0 = np.array([2.0])
        new, n = ewa_update(a, n0, pay, np.array([1]), phi=0.7, delta=1.0, rho=0.7)
        # weighted fictitious play: every move is credited with what it would have earned
        assert n[0] == pytest.approx(0.7 * 2 + 1)
        assert np.allclose(new, (0.7 * 2 * a + pay) / (0.7 * 2 + 1))

    def test_learns_from_what_each_move_would_have_earned(self):
        _, crisis = play(self.spec, opponent=[H, H, H])
        assert crisis.rules[0].memory["experience"][0] == pytest.approx(0.9 ** 3 + 0.9 ** 2 + 0.9 + 1)
        assert not np.allclose(crisis.rules[0].memory["attraction"], 0.0)


class TestMirror(RuleContract):
    spec: ClassVar[dict[str, Any]] = {"name": "mirror", "threshold": "dialogue", "otherwise": "hold"}
    bad: ClassVar[list[dict[str, Any]]] = [{"threshold": "attack"}, {"otherwise": 3}]

    def test_answers_each_move_in_kind_on_the_next_turn(self):
        moves, _ = play(self.spec, opponent=[D, X, H, X])
        assert moves[0].tolist() == [H, D, X, H]     # first: RED's hold before the start


class TestReciprocal(RuleContract):
    spec: ClassVar[dict[str, Any]] = {"name": "reciprocal"}
    bad: ClassVar[list[dict[str, Any]]] = [{"ratio": -1}, {"otherwise": "attack"}, {"answer_notice": "yes"}]

    def test_answers_a_threatening_order_once_and_does_not_race(self):
        moves, _ = play({"name": "reciprocal_measures"}, opponent=[H, X, H, H, D])
        # RED's order of turn 2 is on the way by turn 3: one battalion in answer, then talks again
        assert moves[0].tolist() == [D, D, X, D, D]


class TestGenerousMirror(RuleContract):
    spec: ClassVar[dict[str, Any]] = {"name": "generous_mirror", "g": 0.5}
    bad: ClassVar[list[dict[str, Any]]] = [{"g": 1.5}, {"g": -0.1}]

    def test_forgives_with_probability_g(self):
        always, _ = play({"name": "generous_mirror", "g": 1.0}, opponent=[X, X, X, X])
        assert always[0].tolist() == [H, H, H, H]
        never, _ = play({"name": "generous_mirror", "g": 0.0}, opponent=[X, X, X, X])
        assert never[0].tolist() == [H, X, X, X]
        half, _ = play({"name": "generous_mirror", "g": 0.5}, opponent=[X, X], replicas=range(2000))
        assert np.mean(half[:, 1] == H) == pytest.approx(0.5, abs=0.04)


class TestGrim(RuleContract):
    spec: ClassVar[dict[str, Any]] = {"name": "grim"}
    bad: ClassVar[list[dict[str, Any]]] = [{"then": "nuke"}]

    def test_never_returns_to_dialogue_after_the_first_escalation(self):
        moves, _ = play(self.spec, opponent=[D, D, X, D, D, D])
        assert moves[0].tolist() == [D, D, D, X, X, X]
        calm, _ = play(self.spec, opponent=[D, H, U, D])
        assert calm[0].tolist() == [D, D, D, D]                 # an ultimatum is not a trigger


class TestHawk(RuleContract):
    spec: ClassVar[dict[str, Any]] = {"name": "hawk"}
    bad: ClassVar[list[dict[str, Any]]] = [{"move": "surrender"}]

    def test_always_deploys(self):
        moves, _ = play(self.spec, opponent=[D, D, D])
        assert moves[0].tolist() == [X, X, X]


class TestDove(RuleContract):
    spec: ClassVar[dict[str, Any]] = {"name": "dove"}
    bad: ClassVar[list[dict[str, Any]]] = [{"move": 7}]

    def test_always_talks(self):
        moves, _ = play(self.spec, opponent=[X, X, X])
        assert moves[0].tolist() == [D, D, D]


class TestScripted(RuleContract):
    spec: ClassVar[dict[str, Any]] = {"name": "scripted",
                                      "moves": {"2025-03-15": "deployment", "2025-04-15": "withdrawal"},
                                      "then": {"name": "dove"}}
    bad: ClassVar[list[dict[str, Any]]] = [{"moves": {"2025-03-15": "attack"}}, {"then": {"name": "nope"}}]

    def test_plays_its_dates_then_the_fallback(self):
        moves, _ = play(self.spec, opponent=[H, H, H, H])
        # 15 March 2025 is in turn 3; a scripted withdrawal with no treaty is not legal: the fallback plays
        assert moves[0].tolist() == [D, D, X, D]


def test_human_refuses_to_run_without_a_player(tmp_path, capsys):
    from sim import cli

    scn, _, _, _ = game({"name": "human"})
    with pytest.raises(SimError, match="play"):
        Crisis(scn, 1, [0], 2).decide(0)
    assert cli.main(["run", "dilemma_2p", "--set", 'actors.BLUE.rule={name="human"}', "--runs", "2",
                     "--out", str(tmp_path / "h"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "actors.BLUE.rule" in err and "play" in err and err.count("\n") == 1
