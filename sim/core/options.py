"""The command line's defaults and choices, defined once for every subcommand.

`sim.arguments` (the options several commands share) and the commands read them to build their options
and help; `sim.output.plots` and `sim.engine.ensemble` read the choices (figure formats, engines) they accept. This
module imports nothing, so `run_sim.py --help` can show them without loading numpy, pandas, matplotlib
or the kernels.
"""

DEFAULT_SCENARIO = "inf_2018"     # run, analyze, play
DEFAULT_RUNS = 200                # run, compare, analyze (the ensemble that picks the median run)
DEFAULT_SEED = 1                  # run, compare, tournament, analyze, play
DEFAULT_TOURNAMENT_RUNS = 1000    # runs per pairing of `tournament`
DEFAULT_BAND = 1000               # model-only runs of a game's debrief (play, replay, classroom)

FORMATS = ("png", "svg", "pdf")   # figure formats
DEFAULT_FORMAT = "png"
DEFAULT_DPI, MIN_DPI, MAX_DPI = 120, 50, 1200   # PNG figures: dots per inch (--dpi)

ENGINES = ("ensemble", "mesa")    # ensemble: replicas in lockstep; mesa: one EscalationModel per run
DEFAULT_ENGINE = "ensemble"

# The largest value of each number the command line takes (`sim.terminal.whole_number` refuses more, in
# one line): no number typed by a user reaches the program unbounded. Where a size costs memory the
# command also checks its estimate (`sim.engine.budget`), which refuses far less than these.
MAX_SEED = 2**63 - 1              # a seed is kept as a 64-bit integer (turns.csv, the kernels); numpy takes more
MAX_RUNS = 10**12                 # --runs, --batch-size, --band-runs: the memory estimate refuses far fewer
MAX_TURNS = 10_000                # --turns, as a scenario's turns (scenario.turns) and a game file's
MAX_JOBS = 1024                   # --jobs: worker processes
MAX_TURN_SECONDS = 86_400         # classroom --turn-seconds: a day
