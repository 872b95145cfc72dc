"""Benchmark of a change (issue 19): the same cold build of a synthetic Land with the code of two
commits, side by side in one run.

Checks out ``--before`` (default ``HEAD~1``) and ``--after`` (default: this checkout as it is,
uncommitted changes included) into a temporary folder (``git worktree``; the checkout itself is
not touched), generates the Land of ``--municipalities N`` once (with this checkout's generator), and builds
``config/musterland-land.yml`` of each version's own project (templates, book, configs) with that
version's library only (``PYTHONPATH``; the build process, its workers, fork servers and kernels
alike), ``--jobs 2``, HTML only. Prints for each: the build's seconds and phases, the notebook
phase, and the peak of the summed RSS and PSS of the build and its descendants; then the ratios
after / before and whether both executed the same notebooks and published the same site, byte
for byte.

Usage: ``python benchmarks/versions.py [--before REV] [--after REV] [--municipalities 60]``.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from _common import copy_project, machine

CONFIG = "musterland-land.yml"
NOTEBOOKS = "notebooks (kernels and pages)"

# Run in a fresh interpreter with PYTHONPATH = the version's checkout; it must not import this
# checkout's library (scale.py puts ROOT first on sys.path: taken out again before the build, since
# spawned workers inherit sys.path).
CHILD = r"""
import json, sys, time
import sozialanalyse
sys.path.insert(0, sys.argv[3])
from scale import PeakMemory
sys.path[:] = [p for p in sys.path if p == sys.argv[2] or p not in (sys.argv[3], sys.argv[4])]
from pathlib import Path
from sozialanalyse.build import report
from sozialanalyse.build.profile import Profile
assert sozialanalyse.__file__.startswith(sys.argv[2]), sozialanalyse.__file__
root = Path(sys.argv[1]); prof = Profile(); t0 = time.perf_counter()
with PeakMemory() as mem:
    out = report.build(root / "config" / "musterland-land.yml", 2, True, root, pdf=False, profile=prof)
print(json.dumps({"seconds": time.perf_counter() - t0, "phases": prof.phases, "executed": out["executed"],
                  "beside": getattr(prof, "alongside", []),
                  "rss": mem.peak, "pss": mem.peak_pss}))
"""


def checkout(rev: str | None, dest: Path) -> Path:
    """The code of ``rev`` in ``dest`` (a detached worktree), or this checkout itself for None."""
    if rev is None:
        return ROOT
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-f", str(dest), rev],
                   check=True, capture_output=True)
    return dest


def project(src: Path, dest: Path, data: Path) -> Path:
    """The project of the checkout ``src`` (its own templates, pages and configs) in ``dest``,
    with the Land's data folder."""
    root = copy_project(dest, src=src)
    shutil.copytree(data, root / "data" / "musterland-land")
    return root


def first_difference(before: bytes, after: bytes) -> str:
    """Where two executed notebooks first differ: the cell (number and first line) and the text
    around the first differing character of its JSON."""
    a, b = json.loads(before), json.loads(after)
    for i, (ca, cb) in enumerate(zip(a.get("cells", []), b.get("cells", []))):
        if ca != cb:
            ja, jb = json.dumps(ca, ensure_ascii=False), json.dumps(cb, ensure_ascii=False)
            at = next((k for k in range(min(len(ja), len(jb))) if ja[k] != jb[k]), min(len(ja), len(jb)))
            source = "".join(ca.get("source", "")).splitlines()[:1]
            return (f"cell {i} ({source[0][:60] if source else ''}): before …{ja[max(0, at - 80):at + 80]}… "
                    f"after …{jb[max(0, at - 80):at + 80]}…")
    return "the cells are the same; the notebook's metadata or cell count differ"


def site_files(root: Path) -> dict[str, str]:
    """The published site of ``root``: its files' paths and sha256."""
    import hashlib

    site = (root / "_build" / "html").resolve()
    return {p.relative_to(site).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(site.rglob("*")) if p.is_file()}


def build(src: Path, root: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": str(src)}
    env.pop("SOZIALANALYSE_KERNELS", None)
    p = subprocess.run([sys.executable, "-c", CHILD, str(root), str(src), str(ROOT / "benchmarks"), str(ROOT)],
                       env=env, cwd=str(src), capture_output=True, text=True)
    if p.returncode:
        sys.exit(f"the build with {src} failed:\n{p.stderr[-3000:]}")
    return json.loads(p.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", default="HEAD~1", help="the commit before the change (default HEAD~1)")
    ap.add_argument("--after", default=None, help="the commit after it (default: this checkout as it is)")
    ap.add_argument("--municipalities", type=int, default=60)
    ap.add_argument("--keep", type=Path, default=None,
                    help="a folder to keep the executed notebooks that differ in (before/, after/)")
    args = ap.parse_args(argv)
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        print("versions.py: needs a git checkout; skipped")
        return
    print(machine(), flush=True)
    with tempfile.TemporaryDirectory(prefix="sa-versions-") as tmp:
        tmp = Path(tmp)
        srcs = {}
        try:
            srcs = {"before": checkout(args.before, tmp / "code-before"),
                    "after": checkout(args.after, tmp / "code-after")}
            from sozialanalyse.demo import musterland

            data = tmp / "land"
            musterland.generate(data, municipalities=args.municipalities)
            results, roots = {}, {}
            for name, src in srcs.items():
                roots[name] = project(src, tmp / name, data)
                r = results[name] = build(src, roots[name])
                phases = dict(r["phases"])
                print(f"{name:6} ({args.before if name == 'before' else args.after or 'checkout'}): build {r['seconds']:.1f} s, "
                      f"notebooks {phases[NOTEBOOKS]:.1f} s ({r['executed']} executed), peak memory "
                      f"{r['rss'] / 2**30:.2f} GiB summed RSS, {r['pss'] / 2**30:.2f} GiB summed PSS", flush=True)
                print("        phases: " + "; ".join(f"{n} {s:.1f} s" for n, s in r["phases"])
                      + "".join(f"; beside it: {n} {s:.1f} s" for n, s in r.get("beside", [])), flush=True)
            b, a = results["before"], results["after"]
            nb_b, nb_a = dict(b["phases"])[NOTEBOOKS], dict(a["phases"])[NOTEBOOKS]
            print(f"\nratio after / before: notebooks {nb_a / nb_b:.3f}, whole build {a['seconds'] / b['seconds']:.3f} "
                  f"(lower is faster); {args.municipalities} municipalities, --jobs 2, {os.cpu_count()} CPUs")
            gen = {n: {p.relative_to(r / "book" / "_generated"): p.read_bytes()
                       for p in (r / "book" / "_generated").rglob("*.ipynb")} for n, r in roots.items()}
            same = sum(gen["after"][k] == gen["before"].get(k) for k in gen["after"])
            print(f"executed notebooks byte for byte the same: {same} of {len(gen['after'])} (before built {len(gen['before'])})")
            for name in sorted(k for k in gen["after"] if k in gen["before"] and gen["after"][k] != gen["before"][k]):
                print(f"  {name}: {first_difference(gen['before'][name], gen['after'][name])}")
                if args.keep:
                    for side in ("before", "after"):
                        (args.keep / side).mkdir(parents=True, exist_ok=True)
                        (args.keep / side / name.as_posix().replace("/", "_")).write_bytes(gen[side][name])
            sites = {n: site_files(r) for n, r in roots.items()}
            differ = sorted(k for k in sites["after"] if sites["after"][k] != sites["before"].get(k))
            print(f"published site byte for byte the same: {len(sites['after']) - len(differ)} of "
                  f"{len(sites['after'])} files (before published {len(sites['before'])})"
                  + (f"; differing: {', '.join(differ[:5])}" + (" ..." if len(differ) > 5 else "") if differ else ""))
            print(f"after the run: {machine()}")
        finally:
            for src in srcs.values():
                if src != ROOT:
                    subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(src)], capture_output=True)


if __name__ == "__main__":
    main()
