"""Calibration: the parameters the record before a crisis supports (issue "Calibration", docs/calibration.md).

One concept per module: `statistics` (summary statistics of runs), `patterns` (a calibration case's observed
patterns, each a statistic and the interval the record gives it), `distance` (how far a run is from the
record), `priors` (what is believed of the decisive parameters beforehand), `sampler` and `inference`
(ABC-SMC with pyabc, reproducible from a seed), `posterior` (the file it writes) and `plots` (its figure),
`draws` (runs whose parameters are drawn from a posterior), `cli` (the `calibrate` command).
"""
