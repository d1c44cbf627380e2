"""Escalation: a Mesa agent-based model of arms-control crises, starting from the 2018-19 INF crisis."""

__version__ = "0.1.0"
