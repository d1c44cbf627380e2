"""The compiled CSV writer gives exactly the characters of Python's formatting."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.output.csv_text import csv_text


def by_python(columns):
    def text(values):
        kind = values.dtype.kind
        if kind == "f":
            return [f"{v:.4f}" for v in values.tolist()]
        if kind == "M":
            return np.datetime_as_string(values, unit="D").tolist()
        if kind in "US":
            return values.tolist()
        return [str(v) for v in values.astype(np.int64).tolist()]
    return "".join(f"{line}\n" for line in map(",".join, zip(*[text(c) for c in columns], strict=True)))


EDGES = [0.0, -0.0, 0.03125, -0.03125, 0.00005, 0.00015, 2.5e-5, 1.00005, 0.99995, 0.5, 1e-300, -1e-9,
         123456789.12345, 2.0 ** 40 / 1e4, 2.0 ** 40 / 1e4 + 0.00005, 1e16, -1e300, float("nan"), float("inf"),
         float("-inf")]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from(EDGES)
                | st.integers(-10 ** 9, 10 ** 9).map(lambda k: k / 2 ** 5)       # exact ties at the 5th decimal
                | st.integers(-10 ** 9, 10 ** 9).map(lambda k: k / 10 ** 5), min_size=1, max_size=60),
       st.lists(st.integers(-2 ** 63 + 1, 2 ** 63 - 1), min_size=60, max_size=60))
def test_floats_and_integers_as_python_formats_them(floats, integers):
    f = np.array(floats, dtype=np.float64)
    columns = [f, np.array(integers[:len(f)], dtype=np.int64), f > 0]
    assert csv_text(columns) == by_python(columns)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(["dialogue", "hold", "ü", "", "NATO", "x" * 40]), min_size=1, max_size=80),
       st.lists(st.integers(0, 3000), min_size=80, max_size=80))
def test_text_and_dates_as_they_are(words, days):
    # more distinct words than the few compared one by one: the sorted way
    many = np.array([f"w{k % 37}" for k in range(len(words))])
    dates = np.datetime64("2018-12-01") + np.array(days[:len(words)], dtype="timedelta64[D]")
    columns = [np.array(words), dates, many]
    assert csv_text(columns) == by_python(columns)


def test_an_empty_table_is_empty_text():
    assert csv_text([np.zeros(0), np.zeros(0, np.int64)]) == ""
