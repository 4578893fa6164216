"""Verified downloads: cache, sha256, mirrors, offline mode, safe names, the sample registry."""

from __future__ import annotations

import functools
import hashlib
import http.server
import threading

import pytest

from i2i.data.samples import SAMPLES, fetch_sample
from i2i.download import DownloadError, cache_dir, fetch


@pytest.fixture
def source(tmp_path):
    path = tmp_path / "source" / "weights, v1.bin"
    path.parent.mkdir()
    path.write_bytes(b"i2i" * 1000)
    return path, hashlib.sha256(path.read_bytes()).hexdigest()


def test_fetch_downloads_verifies_and_reuses_the_cache(source, cache):
    path, sha = source
    got = fetch([path.as_uri()], sha, "models/w.bin", progress=False)
    assert got == cache / "models" / "w.bin" and got.read_bytes() == path.read_bytes()
    assert cache_dir() == cache
    path.unlink()  # now only the cache has it
    assert fetch([path.as_uri()], sha, "models/w.bin", progress=False) == got
    assert [p.name for p in got.parent.iterdir()] == ["w.bin"]


def test_mismatch_deletes_the_download_and_names_both_hashes(source, cache):
    path, sha = source
    wrong = "0" * 64
    with pytest.raises(DownloadError) as info:
        fetch([path.as_uri()], wrong, "w.bin", progress=False)
    message = str(info.value)
    assert "w.bin" in message and sha in message and wrong in message and "try again" in message
    assert list(cache.iterdir()) == []


def test_mirrors_are_tried_in_order(source, cache, tmp_path):
    path, sha = source
    missing = (tmp_path / "nowhere.bin").as_uri()
    assert fetch([missing, path.as_uri()], sha, "w.bin", progress=False).is_file()


def test_offline_uses_only_the_cache(source, cache, monkeypatch):
    path, sha = source
    monkeypatch.setenv("I2I_OFFLINE", "1")
    with pytest.raises(DownloadError, match="I2I_OFFLINE"):
        fetch([path.as_uri()], sha, "w.bin", progress=False)


@pytest.mark.parametrize("name", ["../escape.bin", "/etc/escape.bin", "a/../../escape.bin"])
def test_file_names_cannot_leave_the_cache(source, cache, name):
    path, sha = source
    with pytest.raises(DownloadError, match="must stay inside"):
        fetch([path.as_uri()], sha, name, progress=False)


@pytest.fixture
def shared_data_server(shared_data):
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(shared_data))
    handler.log_message = lambda *args: None  # type: ignore[attr-defined]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_isl_sample_registry_matches_the_shared_checksums(shared_data):
    sums = {}
    for line in (shared_data / "SHA256SUMS").read_text().splitlines():
        sha, name = line.split(maxsplit=1)
        sums[name.removeprefix("./")] = sha
    isl = SAMPLES["isl_condition_b"]
    assert len(isl.files) == 16
    for name, sha in isl.files.items():
        assert sums[f"isl_condition_b/{name}"] == sha
    assert isl.urls(next(iter(isl.files)))[-1].startswith(
        "https://raw.githubusercontent.com/google/in-silico-labeling/"
    )


def test_fetch_sample_from_a_local_http_mirror(shared_data_server, cache, monkeypatch, tmp_path):
    monkeypatch.setenv("I2I_DATA_BASE_URL", shared_data_server)
    folder = fetch_sample("isl_condition_b", tmp_path / "isl", progress=False)
    files = sorted(p.name for p in folder.iterdir())
    assert files == sorted(SAMPLES["isl_condition_b"].files)


def test_unknown_sample_lists_the_known_ones():
    with pytest.raises(DownloadError, match="isl_condition_b"):
        fetch_sample("nope")


def test_the_partial_download_is_hidden_beside_the_target_until_verified(
    source, cache, monkeypatch
):
    import i2i.download

    path, sha = source
    target = cache / "models" / "w.bin"
    seen = []
    stream = i2i.download._download

    def watched(url, partial, label, progress):
        seen.append((partial, target.exists()))
        return stream(url, partial, label, progress)

    monkeypatch.setattr(i2i.download, "_download", watched)
    fetch([path.as_uri()], sha, "models/w.bin", progress=False)
    ((partial, final_existed),) = seen
    assert partial.parent == target.parent and partial.name.startswith(".w.bin.part-")
    assert i2i.download.is_partial(partial) and not final_existed
    assert [p.name for p in target.parent.iterdir()] == ["w.bin"]


@pytest.mark.parametrize(
    ("name", "partial"),
    [
        (".w.bin.part-1a2b3c4d", True),
        (".w.bin.x8k2_q.part", True),
        ("w.bin", False),
        (".w.bin.tmp-1a2b3c4d", False),
    ],
)
def test_partial_downloads_are_recognised_by_name(tmp_path, name, partial):
    from i2i.download import is_partial

    assert is_partial(tmp_path / name) is partial
