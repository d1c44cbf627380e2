#!/usr/bin/env python3
"""Command line of the escalation simulator: see `python run_sim.py --help`."""

import sys

try:
    from sim.cli import console
except KeyboardInterrupt:   # Ctrl-C while the libraries load (a second or two): nothing was written yet
    sys.exit(130)

if __name__ == "__main__":
    console()
