"""Decision rules, one module per family, and the registry by name."""

from sim.policies import registry
from sim.policies.base import Rule, TurnView
from sim.policies.registry import RULES, make_rule

__all__ = ["RULES", "Rule", "TurnView", "make_rule", "registry"]
