"""Command line: ``sozialanalyse build``, ``sozialanalyse musterland``."""
from __future__ import annotations

import argparse
import os
import sys

__all__ = ["main"]


def _build(args) -> int:
    from .report import BuildError, build

    try:
        result = build(args.config, jobs_n=args.jobs, quiet=args.quiet)
    except BuildError as exc:
        print(f"sozialanalyse build: error: {exc}", file=sys.stderr)
        print("The previously published site (if any) was left unchanged.", file=sys.stderr)
        return 1
    print(f"{result['executed']} notebook(s) executed, {result['cached']} from the cache, "
          f"book {result['book']} in {result['seconds']:.1f} s", file=sys.stderr)
    print(os.path.relpath(result["index"]))
    return 0


def _musterland(args) -> int:
    from . import musterland

    musterland.generate(args.out, seed=args.seed)
    print(args.out)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="sozialanalyse", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="execute the notebooks and build the HTML report")
    b.add_argument("--config", default=None,
                   help="report config (file or name in config/; default: musterland)")
    b.add_argument("--jobs", type=int, default=max(1, min(2, os.cpu_count() or 1)),
                   help="parallel notebook workers (default: 2)")
    b.add_argument("-q", "--quiet", action="store_true", help="no progress output")
    b.set_defaults(func=_build)
    m = sub.add_parser("musterland", help="regenerate the synthetic demo district")
    m.add_argument("out", nargs="?", default="data/musterland")
    m.add_argument("--seed", type=int, default=2024)
    m.set_defaults(func=_musterland)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
