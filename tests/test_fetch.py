"""sozialanalyse data fetch: mirror copy and downloads from a local HTTP server (no internet)."""
import copy
import hashlib
import http.server
import shutil
import threading
import zipfile
from pathlib import Path

import pytest

from sozialanalyse import cli
from sozialanalyse.io import mirror as mirror_mod
from sozialanalyse.io import official
from sozialanalyse.io.fetch import FetchError, fetch, load_manifest
from sozialanalyse.io.mirror import mirror_dir

SMALL = ["esp2013/european_standard_population_2013.csv", "bkg-vg5000-2021/VG5000_KRS.prj",
         "bkg-vg250-ew-2022/Link.txt"]


def _mirror() -> Path:
    m = mirror_dir()
    if m is None or not (m / SMALL[0]).is_file():
        pytest.skip("no data mirror (set SOZIALANALYSE_DATA_MIRROR)")
    return m


def _manifest(paths, base_url=None) -> dict:
    """The real manifest restricted to ``paths``; urls pointing at ``base_url`` if given."""
    m = copy.deepcopy(load_manifest())
    for ds in m["datasets"].values():
        ds["files"] = [f for f in ds["files"] if f["path"] in paths]
        if base_url:
            for f in ds["files"]:
                f["url"] = f"{base_url}/{f['path']}"
    m["datasets"] = {k: v for k, v in m["datasets"].items() if v["files"]}
    return m


class _Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        if self.path.startswith("/interrupted/"):
            data = (Path(self.directory) / self.path[len("/interrupted/"):]).read_bytes()
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        super().do_GET()


@pytest.fixture
def server(tmp_path):
    root = tmp_path / "served"
    mirror = _mirror()
    for rel in SMALL:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(mirror / rel, root / rel)
    handler = lambda *a, **k: _Handler(*a, directory=str(root), **k)
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    yield root, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def _leftovers(folder: Path):
    return [p for p in folder.rglob("*") if p.is_file()]


def test_manifest_matches_mirror():
    mirror = _mirror()
    m = load_manifest()
    for name, ds in m["datasets"].items():
        assert ds["licence"] and ds["attribution"] and ds["landing"], name
        for f in ds["files"]:
            # every file says where it comes from: a url, an archive member, or explicitly neither
            assert "url" in f or (ds.get("archive") and "member" in f), f["path"]
            p = mirror / f["path"]
            assert p.stat().st_size == f["size"], f["path"]
    small = [f for ds in m["datasets"].values() for f in ds["files"] if f["size"] < 100_000]
    for f in small:
        assert hashlib.sha256((mirror / f["path"]).read_bytes()).hexdigest() == f["sha256"]


def test_download_verify_and_cache(server, tmp_path):
    root, url = server
    cache = tmp_path / "cache"
    res = fetch(mirror=None, cache=cache, manifest=_manifest(SMALL, url))
    assert sorted(r.status for r in res) == ["downloaded"] * 3
    for rel in SMALL:
        assert (cache / rel).read_bytes() == (root / rel).read_bytes()
    assert {r.status for r in fetch(cache=cache, manifest=_manifest(SMALL, url))} == {"cached"}
    assert sorted(p.name for p in _leftovers(cache)) == sorted(Path(r).name for r in SMALL)  # no temp files


def test_corrupt_download_leaves_no_file(server, tmp_path):
    root, url = server
    (root / SMALL[0]).write_bytes((root / SMALL[0]).read_bytes().replace(b"1", b"2"))  # corrupt, same size
    cache = tmp_path / "cache"
    (res,) = fetch(cache=cache, manifest=_manifest(SMALL[:1], url))
    assert res.status == "failed" and "sha256 mismatch" in res.message and "no file left" in res.message
    assert _leftovers(cache) == []


def test_interrupted_download_leaves_no_file(server, tmp_path):
    root, url = server
    cache = tmp_path / "cache"
    (res,) = fetch(cache=cache, manifest=_manifest(SMALL[1:2], url + "/interrupted"))
    assert res.status == "failed", res
    assert _leftovers(cache) == []


def test_mirror_copy_and_env(tmp_path, monkeypatch):
    mirror = _mirror()
    cache = tmp_path / "cache"
    monkeypatch.setenv("SOZIALANALYSE_DATA_MIRROR", str(mirror))
    monkeypatch.setenv("SOZIALANALYSE_CACHE", str(cache))
    res = fetch(manifest=_manifest(SMALL))
    assert [r.status for r in res] == ["copied"] * 3
    # a corrupt mirror file is refused too
    bad = tmp_path / "badmirror"
    (bad / SMALL[2]).parent.mkdir(parents=True)
    (bad / SMALL[2]).write_text("not the file")
    (res,) = fetch(mirror=bad, cache=tmp_path / "c2", manifest=_manifest(SMALL[2:]))
    assert res.status == "failed" and not (tmp_path / "c2" / SMALL[2]).exists()
    # no url and no mirror: said so, nothing written
    monkeypatch.delenv("SOZIALANALYSE_DATA_MIRROR")
    (res,) = fetch(cache=tmp_path / "c3", manifest=_manifest(SMALL[:1]))
    assert res.status == "no_url" and not (tmp_path / "c3").exists()


def test_cli_data_fetch(tmp_path, capsys):
    mirror = _mirror()
    code = cli.main(["data", "fetch", "--mirror", str(mirror), "--cache", str(tmp_path / "c"),
                     "--only", "esp2013", "genesis"])
    assert code == 0
    out = capsys.readouterr().out
    assert "copied 4" in out and "Eurostat" in out and "Statistische Ämter" in out
    assert "GeoBasis-DE" not in out  # only the attributions of the files fetched
    assert (tmp_path / "c" / SMALL[0]).is_file()


# --------------------------------------------------------------------------- publisher archives
BKG_SMALL = ["bkg-vg5000-2021/VG5000_KRS.cpg", "bkg-vg5000-2021/VG5000_KRS.prj", "bkg-vg5000-2021/aktualitaet.txt",
             "bkg-vg5000-2021/quellenvermerk_datenlizenz_deutschland.txt"]


def _archive_manifest(base_url: str, name: str = "vg5000.zip") -> dict:
    m = _manifest(BKG_SMALL)
    m["datasets"]["bkg-vg5000-2021"]["archive"]["url"] = f"{base_url}/{name}"
    return m


def _zip(path: Path, members: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)


def _publisher_layout(mirror: Path) -> dict[str, bytes]:
    """The small VG5000 files at the member paths the manifest records, plus unrelated members."""
    m = _manifest(BKG_SMALL)
    out = {f["member"]: (mirror / f["path"]).read_bytes() for f in m["datasets"]["bkg-vg5000-2021"]["files"]}
    out["vg5000_01-01.gk3.shape.ebenen/dokumentation/vg5000.pdf"] = b"%PDF-1.4 not wanted"
    return out


def test_archive_members_downloaded_and_checked(server, tmp_path):
    root, url = server
    mirror = _mirror()
    _zip(root / "vg5000.zip", _publisher_layout(mirror))
    cache = tmp_path / "cache"
    res = fetch(cache=cache, manifest=_archive_manifest(url))
    assert [r.status for r in res] == ["downloaded"] * 4, res
    assert [r.path for r in res] == BKG_SMALL  # manifest order
    assert all(":: vg5000_01-01.gk3.shape.ebenen/" in r.message for r in res)
    for rel in BKG_SMALL:
        assert (cache / rel).read_bytes() == (mirror / rel).read_bytes()
    # the archive itself is not kept, nor anything else that was not asked for
    assert sorted(p.relative_to(cache).as_posix() for p in _leftovers(cache)) == sorted(BKG_SMALL)
    assert not (cache / ".downloads").exists()
    assert {r.status for r in fetch(cache=cache, manifest=_archive_manifest(url))} == {"cached"}


def test_archive_member_moved_or_duplicated_is_found_by_name_and_sha(server, tmp_path):
    root, url = server
    mirror = _mirror()
    layout = {}
    for member, data in _publisher_layout(mirror).items():
        base = member.rsplit("/", 1)[1]
        layout[f"other_root/{base}"] = data  # a release that moved every file
    layout["other_root/dokumentation/aktualitaet.txt"] = b"31.12.1999\n"  # same name, wrong content
    _zip(root / "moved.zip", layout)
    res = fetch(cache=tmp_path / "c", manifest=_archive_manifest(url, "moved.zip"))
    assert [r.status for r in res] == ["downloaded"] * 4, res
    assert (tmp_path / "c" / BKG_SMALL[2]).read_bytes() == (mirror / BKG_SMALL[2]).read_bytes()


def test_archive_missing_or_corrupt_member_fails_alone(server, tmp_path):
    root, url = server
    layout = _publisher_layout(_mirror())
    prj = next(k for k in layout if k.endswith("VG5000_KRS.prj"))
    cpg = next(k for k in layout if k.endswith("VG5000_KRS.cpg"))
    del layout[prj]
    layout[cpg] = b"UTF-9"  # same size, other bytes: the sha256 is what decides
    _zip(root / "bad.zip", layout)
    cache = tmp_path / "cache"
    res = {r.path: r for r in fetch(cache=cache, manifest=_archive_manifest(url, "bad.zip"))}
    assert res[BKG_SMALL[1]].status == "failed" and "is not in the archive" in res[BKG_SMALL[1]].message
    assert res[BKG_SMALL[0]].status == "failed" and "sha256 mismatch" in res[BKG_SMALL[0]].message
    assert "no file left" in res[BKG_SMALL[0]].message
    assert [res[p].status for p in BKG_SMALL[2:]] == ["downloaded"] * 2
    assert sorted(p.relative_to(cache).as_posix() for p in _leftovers(cache)) == sorted(BKG_SMALL[2:])


def test_archive_interrupted_or_not_a_zip_leaves_nothing(server, tmp_path):
    root, url = server
    _zip(root / "vg5000.zip", _publisher_layout(_mirror()))
    (root / "notzip.zip").write_bytes(b"<html>Wartungsarbeiten</html>")
    for m in (_archive_manifest(url + "/interrupted"), _archive_manifest(url, "notzip.zip"),
              _archive_manifest(url, "missing.zip")):
        cache = tmp_path / "cache"
        res = fetch(cache=cache, manifest=m)
        assert [r.status for r in res] == ["failed"] * 4, res
        assert all("archive" in r.message and "no file left" in r.message for r in res)
        assert _leftovers(cache) == [] and not (cache / ".downloads").exists()


def test_member_null_is_mirror_only(tmp_path):
    (res,) = fetch(cache=tmp_path / "c", manifest=_manifest(["bkg-vg250-ew-2022/Link.txt"]))
    assert res.status == "no_url" and "not part of the archive" in res.message


def test_unknown_only_is_an_error(tmp_path):
    with pytest.raises(FetchError, match="not in the manifest: nosuch"):
        fetch(["nosuch"], cache=tmp_path)


def test_fetch_config_then_build_inputs_come_from_the_cache(tmp_path, monkeypatch, capsys):
    """`data fetch --config config/harburg.yml` fetches exactly the files that report reads, and
    the report finds them in the cache when there is no other mirror."""
    mirror = _mirror()
    cache = tmp_path / "cache"
    code = cli.main(["data", "fetch", "--config", "harburg", "--mirror", str(mirror), "--cache", str(cache)])
    assert code == 0, capsys.readouterr()
    cfg = __import__("sozialanalyse.io.own", fromlist=["read_config"]).read_config("harburg")
    wanted = sorted(official.mirror_files(cfg))
    assert sorted(p.relative_to(cache).as_posix() for p in _leftovers(cache)) == wanted
    monkeypatch.delenv("SOZIALANALYSE_DATA_MIRROR", raising=False)
    monkeypatch.setenv("SOZIALANALYSE_CACHE", str(cache))
    monkeypatch.setattr(mirror_mod, "_default_mirror", lambda: tmp_path / "no-shared-data")
    assert mirror_dir() == cache.resolve()
    od = official.load_official(cfg)
    assert od.kreis_id == "03353" and len(od.areas) > 10
    # the own-format config has nothing to fetch: said so
    assert cli.main(["data", "fetch", "--config", "musterland", "--cache", str(cache)]) == 2
    assert "nothing to fetch" in capsys.readouterr().err


def test_mirror_dir_none_without_mirror_or_cache(tmp_path, monkeypatch):
    monkeypatch.delenv("SOZIALANALYSE_DATA_MIRROR", raising=False)
    monkeypatch.setenv("SOZIALANALYSE_CACHE", str(tmp_path / "no-cache"))
    monkeypatch.setattr(mirror_mod, "_default_mirror", lambda: tmp_path / "no-shared-data")
    assert mirror_dir() is None
    with pytest.raises(official.MirrorMissing, match="data fetch --config"):
        official.load_official("harburg")


def test_manifest_urls_are_pinned_and_cover_the_harburg_report():
    """Every recorded URL is https and, on GitHub, pinned to a commit (immutable); every file the
    Harburg report reads can be downloaded (url or archive member), so no mirror is needed."""
    import re

    m = load_manifest()
    for ds in m["datasets"].values():
        for url in [f["url"] for f in ds["files"] if f.get("url")] + ([ds["archive"]["url"]] if ds.get("archive") else []):
            assert url.startswith("https://"), url
            if "githubusercontent" in url:
                assert re.search(r"/[0-9a-f]{40}/", url), url
    entries = {f["path"]: (f, ds) for ds in m["datasets"].values() for f in ds["files"]}
    cfg = __import__("sozialanalyse.io.own", fromlist=["read_config"]).read_config("harburg")
    for rel in official.mirror_files(cfg):
        f, ds = entries[rel]
        assert f.get("url") or (ds.get("archive") and f.get("member")), rel


@pytest.fixture
def publishers(tmp_path):
    """A loopback stand-in for the publishers: every manifest URL path serves the mirror's file;
    every archive URL serves a zip of the mirror's files at their recorded member paths."""
    from urllib.parse import urlsplit

    mirror = _mirror()
    root = tmp_path / "publishers"
    m = copy.deepcopy(load_manifest())
    for ds in m["datasets"].values():
        if ds.get("archive"):
            target = root / urlsplit(ds["archive"]["url"]).path.lstrip("/")
            target.parent.mkdir(parents=True, exist_ok=True)
            _zip(target, {f["member"]: (mirror / f["path"]).read_bytes() for f in ds["files"] if f.get("member")})
        for f in ds["files"]:
            if f.get("url"):
                target = root / urlsplit(f["url"]).path.lstrip("/")
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(mirror / f["path"], target)
    handler = lambda *a, **k: _Handler(*a, directory=str(root), **k)
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    for ds in m["datasets"].values():
        if ds.get("archive"):
            ds["archive"]["url"] = base + urlsplit(ds["archive"]["url"]).path
        for f in ds["files"]:
            if f.get("url"):
                f["url"] = base + urlsplit(f["url"]).path
    yield m
    httpd.shutdown()
    httpd.server_close()


def test_harburg_files_download_from_the_publishers_without_a_mirror(publishers, tmp_path, monkeypatch):
    """The whole manifest wiring (raw URLs, renamed files, archive member paths) for the 22 files
    of the Harburg report, fetched from the loopback publishers with no mirror at all."""
    monkeypatch.delenv("SOZIALANALYSE_DATA_MIRROR", raising=False)
    cfg = __import__("sozialanalyse.io.own", fromlist=["read_config"]).read_config("harburg")
    wanted = official.mirror_files(cfg)
    cache = tmp_path / "cache"
    res = fetch(wanted, cache=cache, manifest=publishers)
    assert {r.status for r in res} == {"downloaded"}, [str(r) for r in res if r.status != "downloaded"]
    assert sorted(r.path for r in res) == sorted(wanted)
    mirror = _mirror()
    for rel in wanted:
        assert (cache / rel).read_bytes() == (mirror / rel).read_bytes(), rel
    assert sorted(p.relative_to(cache).as_posix() for p in _leftovers(cache)) == sorted(wanted)


def test_cli_everything_vs_asked_for(tmp_path, capsys, monkeypatch, publishers):
    """Plain `data fetch` (no mirror): every downloadable file arrives, the mirror-only ones are
    listed and do not fail the run; asking for a mirror-only dataset by name does."""
    monkeypatch.delenv("SOZIALANALYSE_DATA_MIRROR", raising=False)
    monkeypatch.setattr("sozialanalyse.io.fetch.load_manifest", lambda path=None: publishers)
    cache = str(tmp_path / "c")
    assert cli.main(["data", "fetch", "--cache", cache]) == 0
    out = capsys.readouterr().out
    assert "no_url" in out and "genesis" in out and "--mirror DIR" in out and "failed" not in out
    assert cli.main(["data", "fetch", "--cache", cache, "--only", "genesis"]) == 1


def test_optional_licence_texts_do_not_fail_a_dataset(tmp_path, capsys, monkeypatch, publishers):
    """`--only gisd-2022` without a mirror: the data files arrive, the licence text (no publisher
    URL, optional) is listed as no_url but does not fail the run."""
    monkeypatch.delenv("SOZIALANALYSE_DATA_MIRROR", raising=False)
    monkeypatch.setattr("sozialanalyse.io.fetch.load_manifest", lambda path=None: publishers)
    assert cli.main(["data", "fetch", "--cache", str(tmp_path / "c"), "--only", "gisd-2022"]) == 0
    assert "no_url 1" in capsys.readouterr().out


def test_stale_mirror_copy_falls_back_to_the_publisher(tmp_path, publishers, monkeypatch):
    monkeypatch.delenv("SOZIALANALYSE_DATA_MIRROR", raising=False)
    rel = "gisd-2022/GISD_Niedersachsen_Kreis.csv"
    stale = tmp_path / "stale"
    (stale / rel).parent.mkdir(parents=True)
    (stale / rel).write_text("eine alte Fassung\n", encoding="utf-8")
    (res,) = fetch([rel], mirror=stale, cache=tmp_path / "c", manifest=publishers)
    assert res.status == "downloaded" and "is not the recorded file" in res.message
    assert (tmp_path / "c" / rel).read_bytes() == (_mirror() / rel).read_bytes()


def test_cached_files_follow_the_umask(tmp_path):
    import os

    mirror = _mirror()
    old = os.umask(0o022)
    try:
        fetch(mirror=mirror, cache=tmp_path / "c", manifest=_manifest(SMALL[:1]))
    finally:
        os.umask(old)
    assert ((tmp_path / "c" / SMALL[0]).stat().st_mode & 0o777) == 0o644


def test_sigterm_during_a_download_leaves_nothing(tmp_path):
    """`kill` or `timeout` (SIGTERM) mid-download: like Ctrl-C, no partial file stays."""
    import os
    import signal
    import subprocess
    import sys
    import time

    _mirror()  # skips without a mirror, like the other download tests
    script = tmp_path / "slow_server.py"
    script.write_text(
        "import http.server, sys, time\n"
        "class H(http.server.BaseHTTPRequestHandler):\n"
        "    def log_message(self, *a): pass\n"
        "    def do_GET(self):\n"
        "        self.send_response(200); self.send_header('Content-Length', '10000000'); self.end_headers()\n"
        "        for _ in range(1000):\n"
        "            self.wfile.write(b'x' * 1000); self.wfile.flush(); time.sleep(0.01)\n"
        "s = http.server.HTTPServer(('127.0.0.1', 0), H)\n"
        "print(s.server_address[1], flush=True)\n"
        "s.serve_forever()\n", encoding="utf-8")
    server = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    try:
        port = server.stdout.readline().strip()
        cache = tmp_path / "cache"
        child = (
            "import sys; from sozialanalyse import cli; from sozialanalyse.io import fetch\n"
            "m = fetch.load_manifest()\n"
            "m['datasets'] = {'gisd-2022': m['datasets']['gisd-2022']}\n"
            "m['datasets']['gisd-2022']['files'] = m['datasets']['gisd-2022']['files'][:1]\n"
            f"m['datasets']['gisd-2022']['files'][0]['url'] = 'http://127.0.0.1:{port}/big.csv'\n"
            "fetch.load_manifest = lambda path=None: m\n"
            f"sys.exit(cli.main(['data', 'fetch', '--cache', {str(cache)!r}]))\n")
        env = {k: v for k, v in os.environ.items() if k != "SOZIALANALYSE_DATA_MIRROR"}
        proc = subprocess.Popen([sys.executable, "-c", child], env=env, stderr=subprocess.PIPE, text=True)
        deadline = time.time() + 30
        while not list(cache.rglob("*.part")) and time.time() < deadline:
            time.sleep(0.05)
        assert list(cache.rglob("*.part")), "the download never started"
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=30)
        assert proc.returncode == 130, err
        assert "interrupted (SIGTERM); no partial file left behind" in err
        assert _leftovers(cache) == []
    finally:
        server.kill()
