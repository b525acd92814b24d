#!/usr/bin/python3
"""Exports scikit-learn's bundled copy of the UCI handwritten digits (8×8) to digits.csv.

Run with Debian's Python (apt-get install python3-sklearn):  /usr/bin/python3 export_digits.py
The CSV is committed; the sample reads it and never needs Python. The split is fixed: a seeded permutation puts a fifth
of the 1797 images (359) in "test" and the rest (1438) in "train", the same on every machine.
"""
import csv
import os

import numpy as np
from sklearn.datasets import load_digits


def main():
    data = load_digits()
    order = np.random.RandomState(20261202).permutation(len(data.target))
    test = set(order[: len(order) // 5].tolist())
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "digits.csv")
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow([f"pixel{i}" for i in range(64)] + ["digit", "split"])
        for row in range(len(data.target)):
            w.writerow([int(v) for v in data.data[row]] + [int(data.target[row]), "test" if row in test else "train"])
    print(f"wrote {len(data.target)} rows ({len(data.target) - len(test)} train, {len(test)} test) to {path}")


if __name__ == "__main__":
    main()
