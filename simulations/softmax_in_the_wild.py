"""Softmax in the wild: temperature scaling of a real classifier as maximum entropy.

Trains a small scikit-learn network on the handwritten digits that ship with
scikit-learn, fits one shared temperature on a calibration split (the maximum-entropy
moment condition: the softmax-expected logit equals the true-class logit on average) and
scores it on a test split, next to plain normalisation of the shifted scores. Repeats
the fit over several seeds to show how stable T* is, and writes the table, the figure and
a JSON summary. Needs scikit-learn (pip install 'maxent[ml]').

    python simulations/softmax_in_the_wild.py --seed 2026 --out out/calibration
"""

import matplotlib.pyplot as plt
import numpy as np

import maxent
from maxent._calibrate.demo import digits_demo
from maxent._plotting.calibration import fig_softmax_in_the_wild

from _common import parser, prepare, save, write_csv, write_json


def main():
    args = parser(__doc__, "calibration").parse_args()
    out = prepare(args)
    seeds = [args.seed + i for i in range(2 if args.quick else 5)]
    rows = []
    for s in seeds:
        demo = digits_demo(seed=s)
        c = demo.calibration
        rows.append(
            {
                "seed": s,
                "temperature": c.temperature,
                "residual": c.residual,
                "nll_before": c.before.nll,
                "nll_after": c.after.nll,
                "ece_before": c.before.ece,
                "ece_after": c.after.ece,
                "ece_adaptive_before": c.before.ece_adaptive,
                "ece_adaptive_after": c.after.ece_adaptive,
                "accuracy": c.after.accuracy,
                **{
                    f"nll[{name}]": m.nll
                    for name, m in demo.normalisation.rows
                    if name.startswith("ratio")
                },
            }
        )
        print(
            f"seed {s}: T* = {c.temperature:.4g}, test NLL {c.before.nll:.4g} -> "
            f"{c.after.nll:.4g}, ECE {c.before.ece:.4g} -> {c.after.ece:.4g}"
        )
    write_csv(out / "seeds.csv", rows)
    first = digits_demo(seed=args.seed)
    write_json(
        out / "summary.json",
        {
            "calibration": first.calibration.to_dict(),
            "normalisation": first.normalisation.to_dict(),
            "temperatures": [r["temperature"] for r in rows],
        },
    )
    with maxent.lecture_style():
        fig = fig_softmax_in_the_wild(seed=args.seed)
        save(fig, out / f"softmax_in_the_wild.{args.format}")
        plt.close(fig)
    t = np.array([r["temperature"] for r in rows])
    print(f"T* over {len(t)} seeds: {t.mean():.3g} +- {t.std(ddof=1):.2g}")


if __name__ == "__main__":
    main()
