"""Convergence of constrained allocations to the Boltzmann / softmax law.

K = 4 classes with energies 0, 1, 2, 3 at mean energy 1.2; N from 10 to 1e6, five seeds.
Writes convergence.csv (one row per N and seed), convergence.json (the study, with the
fitted slopes) and convergence.png (distances against N, and beta fitted against N).

    python simulations/convergence.py --seed 2026 --out out/convergence
"""

import maxent

from _common import parser, prepare, save, write_csv, write_json


def main():
    args = parser(__doc__, "convergence").parse_args()
    out = prepare(args)
    n = "10,100,1e3,1e4" if args.quick else "10,100,1e3,1e4,1e5,1e6"
    study = maxent.converge([0, 1, 2, 3], n, mean_energy=1.2, seeds=5, seed=args.seed)
    write_csv(out / "convergence.csv", study.rows())
    write_json(out / "convergence.json", study.to_dict())
    save(maxent.convergence_figure(study), out / f"convergence.{args.format}")
    for k, v in study.slopes.items():
        print(f"slope {k:>13}: {v['slope']:+.3f} ± {v['stderr']:.3f} ({v['points']} points)")


if __name__ == "__main__":
    main()
