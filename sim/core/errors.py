"""The one error type users see: a one-line message, exit status 2 on the command line."""


class SimError(Exception):
    """Bad input: the message names the file, the key path, the value and what is allowed."""


class ScenarioError(SimError):
    """A scenario file or override that does not follow the schema."""

    def __init__(self, source: str, path: str, value: object, allowed: str):
        self.source, self.path, self.value, self.allowed = source, path, value, allowed
        shown = "" if value is _MISSING else f" = {value!r}"
        where = f"{path}{shown}: " if path else ""
        super().__init__(f"{source}: {where}{allowed}")


class _Missing:
    def __repr__(self) -> str:  # pragma: no cover - never shown
        return "<missing>"


_MISSING = _Missing()
MISSING = _MISSING


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP, raised where the program is, so that it cleans up and saves as on Ctrl-C."""

    def __init__(self, signum: int, name: str):
        super().__init__(name)
        self.signum, self.name = signum, name
