#!/usr/bin/python3
"""Exports scikit-learn's bundled copy of the diabetes data (Efron et al., 2004) to diabetes.csv, in raw units.

Run with Debian's Python (apt-get install python3-sklearn):  /usr/bin/python3 export_diabetes.py
The CSV is committed; the sample reads it and never needs Python. load_diabetes(scaled=False) gives the features in their
own units (scikit-learn's default centres and scales them) and the target as measured. The split is fixed, and it is the
one most scikit-learn tutorials use: train_test_split(test_size=0.2, random_state=42) puts 89 rows in "test" and 353 in
"train", the same on every machine.
"""
import csv
import os

import numpy as np
from sklearn.datasets import load_diabetes
from sklearn.model_selection import train_test_split

# scikit-learn's s1…s6 are six blood serum measurements; the dataset's description names them.
NAMES = {"s1": "tc", "s2": "ldl", "s3": "hdl", "s4": "tch", "s5": "ltg", "s6": "glu"}


def main():
    data = load_diabetes(scaled=False)
    names = [NAMES.get(n, n) for n in data.feature_names]
    _, test_rows = train_test_split(np.arange(len(data.target)), test_size=0.2, random_state=42)
    test = set(test_rows.tolist())
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "diabetes.csv")
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(names + ["progression", "split"])
        for row in range(len(data.target)):
            w.writerow([repr(float(v)) for v in data.data[row]] + [repr(float(data.target[row])), "test" if row in test else "train"])
    print(f"wrote {len(data.target)} rows ({len(data.target) - len(test)} train, {len(test)} test) to {path}")


if __name__ == "__main__":
    main()
