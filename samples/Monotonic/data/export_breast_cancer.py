#!/usr/bin/python3
"""Exports scikit-learn's bundled copy of the Breast Cancer Wisconsin (Diagnostic) data to breast-cancer.csv.

Run with Debian's Python (apt-get install python3-sklearn):  /usr/bin/python3 export_breast_cancer.py
The CSV is committed; the sample reads it and never needs Python. The split is fixed: a seeded permutation puts a fifth of
the rows (113) in "test" and the rest (456) in "train", the same on every machine.
"""
import csv
import os

import numpy as np
from sklearn.datasets import load_breast_cancer

# The ten "mean" features: the averages over the cell nuclei in one image.
FEATURES = [
    "mean radius", "mean texture", "mean perimeter", "mean area", "mean smoothness",
    "mean compactness", "mean concavity", "mean concave points", "mean symmetry", "mean fractal dimension",
]


def main():
    data = load_breast_cancer()
    names = list(data.feature_names)
    columns = [names.index(f) for f in FEATURES]
    order = np.random.RandomState(20261202).permutation(len(data.target))
    test = set(order[: len(order) // 5].tolist())
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "breast-cancer.csv")
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow([f.replace(" ", "_") for f in FEATURES] + ["malignant", "split"])
        for row in range(len(data.target)):
            # scikit-learn codes malignant as 0 and benign as 1.
            malignant = 1 if data.target[row] == 0 else 0
            w.writerow([repr(float(data.data[row, c])) for c in columns] + [malignant, "test" if row in test else "train"])
    print(f"wrote {len(data.target)} rows ({len(data.target) - len(test)} train, {len(test)} test) to {path}")


if __name__ == "__main__":
    main()
