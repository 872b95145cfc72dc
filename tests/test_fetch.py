"""sozialanalyse data fetch: mirror copy and downloads from a local HTTP server (no internet)."""
import copy
import hashlib
import http.server
import shutil
import threading
from pathlib import Path

import pytest

from sozialanalyse import cli
from sozialanalyse.fetch import fetch, load_manifest
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
    handler = lambda *a, **k: _Handler(*a, directory=str(root), **k)  # noqa: E731
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
            assert "url" in f
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
    assert "copied 4" in out and "GeoBasis-DE / BKG" in out
    assert (tmp_path / "c" / SMALL[0]).is_file()
