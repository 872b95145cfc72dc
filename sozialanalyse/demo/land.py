"""A synthetic Land: Musterland grown to hundreds of municipalities, to measure the build at scale.

Beside the build (the demo floor). ``sozialanalyse musterland OUT --municipalities 400`` writes a
district folder in the same input format as ``data/musterland`` whose tree holds Musterland's
eleven designed municipalities (Städte with Sozialräume, Einheitsgemeinden, Samtgemeinden; same
keys, names and parameters) and as many more generated Einheitsgemeinden as it takes to give
``municipalities`` Gemeindeprofile (one per Stadt, Einheitsgemeinde and Samtgemeinde); the
population simulation, the derived counts, the boundaries, the facilities and every other file
come from the same code as Musterland's. The area is scaled with the number of municipalities
(400 municipalities: about the size of Niedersachsen), so that a municipality keeps a plausible
size.

The added municipalities are drawn from a random stream of their own
(``np.random.default_rng([seed, STREAM])``): the default Musterland (``municipalities`` not
given) is byte-identical to what it was without this module. The model keeps one Kreis as the
root of the area tree, so the Land is one very large "Landkreis" (key ``03499``); the added AGS
run from ``03499024`` on, after Musterland's 23 Gemeinden (at most 999 Gemeinden in all).

Examples
--------
>>> import numpy as np
>>> from sozialanalyse.demo import musterland
>>> munis = musterland._municipalities(np.random.default_rng(1))
>>> musterland._assign_keys(munis)
>>> scale = extend(munis, 20, seed=1)
>>> len(munis), round(scale, 2), munis[-1].area_id[:5]
(20, 1.35, '03499')
"""
from __future__ import annotations

import numpy as np

__all__ = ["STREAM", "extend"]

#: The generator's own stream: ``np.random.default_rng([seed, STREAM])`` (issue 19).
STREAM = 19_004

_PREFIXES = ("", "", "", "Alt", "Neu", "Groß", "Klein", "Ober", "Nieder", "Hohen", "West", "Ost", "Bad ")
_STEMS = ("Birken", "Eichen", "Buchen", "Linden", "Erlen", "Wiesen", "Heide", "Moor", "Sand", "Stein",
          "Mühlen", "Rosen", "Horn", "Wolfs", "Fuchs", "Hasel", "Wald", "Brunn", "Ahl", "Berg",
          "Bruch", "Eschen", "Fichten", "Hagen", "Kirch", "Lohn", "Marsch", "Ost", "Quell", "Ried")
_ENDS = ("dorf", "feld", "hagen", "beck", "stedt", "hausen", "rode", "horst", "loh", "büttel",
         "brück", "au", "born", "winkel", "wede", "heim", "kamp", "sen")


def _names(rng: np.random.Generator, n: int, taken: set[str]) -> list[str]:
    """``n`` distinct German-sounding place names, none in ``taken``."""
    out: list[str] = []
    seen = set(taken)
    while len(out) < n:
        pre = _PREFIXES[rng.integers(len(_PREFIXES))]
        stem = _STEMS[rng.integers(len(_STEMS))]
        end = _ENDS[rng.integers(len(_ENDS))]
        word = stem + end
        name = (pre + word.lower()) if pre and not pre.endswith(" ") else (pre + word)
        name = name[0].upper() + name[1:]
        if name not in seen:
            seen.add(name)
            out.append(name)
    return out


def _sort_key(name: str) -> str:
    """Alphabetical order of German names, as Musterland's AGS follow it."""
    return name.lower().replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")


def extend(munis: list, municipalities: int, seed: int) -> float:
    """Add generated Einheitsgemeinden to ``munis`` (Musterland's designed list, keys assigned)
    until it holds ``municipalities`` entries; returns the linear scale of the area (1.0: as
    Musterland). The added ones get the AGS after Musterland's, in alphabetical order.

    Raises ValueError for fewer municipalities than Musterland has or more than the AGS allow.
    """
    # the classes of the designed list itself (this module does not import the generator that calls it)
    Muni, Base = type(munis[0]), type(munis[0].children[0])
    kreis_key = next(c.parent_id for m in munis if m.kind == "Einheitsgemeinde" for c in m.children)

    n_extra = int(municipalities) - len(munis)
    if n_extra < 0:
        raise ValueError(f"--municipalities {municipalities}: Musterland alone has {len(munis)} municipalities")
    gemeinden = sum(len(m.children) if m.kind == "Samtgemeinde" else 1 for m in munis)
    if gemeinden + n_extra > 999:
        raise ValueError(f"--municipalities {municipalities}: the AGS of one Kreis allow at most 999 Gemeinden")
    scale = float(np.sqrt(len(munis) + n_extra) / np.sqrt(len(munis)))
    if n_extra == 0:
        return scale
    rng = np.random.default_rng([seed, STREAM])
    taken = {m.name for m in munis} | {c.name for m in munis for c in m.children}
    names = _names(rng, n_extra, taken)
    # positions (km from the centre) inside the scaled ellipse of Musterland's outline, spread
    # out: each the candidate farthest from every position taken (a seed close to another would
    # get no cell of the boundaries' tessellation)
    n_cand = 20 * n_extra
    ang = rng.uniform(0, 2 * np.pi, n_cand)
    rad = np.sqrt(rng.uniform(0.0, 0.85, n_cand))
    cand = np.column_stack([20.5 * scale * rad * np.cos(ang), 17.5 * scale * rad * np.sin(ang)])
    have = np.array([m.xy for m in munis], dtype=float)
    dist = np.min(np.hypot(cand[:, None, 0] - have[None, :, 0], cand[:, None, 1] - have[None, :, 1]), axis=1)
    pick = []
    for _ in range(n_extra):
        j = int(np.argmax(dist))
        pick.append(j)
        dist = np.minimum(dist, np.hypot(*(cand - cand[j]).T))
    xs, ys = cand[pick, 0], cand[pick, 1]
    pops = np.clip(np.rint(rng.lognormal(np.log(2600), 0.6, n_extra)), 900, 30_000).astype(int)
    deps = np.round(rng.normal(-0.2, 0.55, n_extra), 2)
    olds = np.round(rng.normal(0.4, 0.3, n_extra), 2)
    km2 = np.round(rng.lognormal(np.log(90), 0.3, n_extra), 1)
    added = []
    for k in range(n_extra):
        m = Muni(names[k], "Einheitsgemeinde", (float(xs[k]), float(ys[k])), float(km2[k]))
        m.children = [Base(names[k], int(pops[k]), float(deps[k]), float(olds[k]), 0.0, 0.1, 0.2, 0.002)]
        added.append(m)
    for i, m in enumerate(sorted(added, key=lambda m: _sort_key(m.name)), start=gemeinden + 1):
        m.area_id = f"{kreis_key}{i:03d}"
        c = m.children[0]
        c.area_id, c.kind, c.parent_id = m.area_id, "Einheitsgemeinde", kreis_key
    munis.extend(added)
    return scale
