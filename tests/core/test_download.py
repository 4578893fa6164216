"""Verified downloads: cache, sha256, mirrors, offline mode, safe names, the sample registry."""

from __future__ import annotations

import functools
import hashlib
import http.server
import threading
import warnings

import pytest
from zoo_support import send_body, serving_script

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

    def watched(url, partial, *args, **kwargs):
        seen.append((partial, target.exists()))
        return stream(url, partial, *args, **kwargs)

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


# --- the expected size bounds what is read (issue 19, item 11) --------------------------------

MB = 1_000_000


def endless(server, size_hint: int = 64 * MB):
    """A response without Content-Length that streams zeros (up to ``size_hint`` bytes)."""

    def respond(handler, name):
        chunks = (b"\0" * 65536 for _ in range(size_hint // 65536))
        send_body(handler, chunks, record=lambda n: server.sent.__setitem__(name, n))

    return respond


def test_reading_stops_just_past_the_expected_size(cache):
    with serving_script(lambda h, n: None) as server:
        server.respond = endless(server)
        with pytest.raises(DownloadError) as error:
            fetch([server.url("w.bin")], "0" * 64, "w.bin", size=MB, progress=False)
    assert f"sent more than the {MB} bytes w.bin should have" in str(error.value)
    assert "sha256" not in str(error.value)  # the size is reported, not a hash mismatch
    assert server.sent["w.bin"] < 16 * MB  # it used to read all 64 MB, then compare hashes
    assert list(cache.iterdir()) == []


def test_a_content_length_other_than_the_size_is_refused_before_reading(source, cache):
    path, sha = source
    data = path.read_bytes()
    respond = lambda h, n: send_body(h, [data], length=len(data))  # noqa: E731
    with (
        serving_script(respond) as server,
        pytest.raises(DownloadError, match=r"is 3000 bytes long \(Content-Length\) but"),
    ):
        fetch([server.url("w.bin")], sha, "w.bin", size=1234, progress=False)
    with pytest.raises(DownloadError, match="should be 1234 bytes"):
        fetch([path.as_uri()], sha, "w.bin", size=1234, progress=False)
    assert list(cache.iterdir()) == []


def test_a_short_body_without_content_length_is_not_accepted(source, cache):
    path, sha = source
    data = path.read_bytes()
    with (
        serving_script(lambda h, n: send_body(h, [data[:1000]])) as server,
        pytest.raises(DownloadError, match="closed after 1000 of 3000 bytes"),
    ):
        fetch([server.url("w.bin")], sha, "w.bin", size=len(data), progress=False)


def test_a_cached_file_of_the_wrong_size_is_not_hashed_but_replaced(source, cache, monkeypatch):
    import i2i.download

    path, sha = source
    (cache / "w.bin").parent.mkdir(parents=True)
    (cache / "w.bin").write_bytes(b"short")
    hashed = []
    real_hash = i2i.download.sha256_file
    monkeypatch.setattr(i2i.download, "sha256_file", lambda p: hashed.append(p) or real_hash(p))
    got = fetch([path.as_uri()], sha, "w.bin", size=3000, progress=False)
    assert got.read_bytes() == path.read_bytes() and hashed == []  # hashed while streaming


# --- offline, full disk, plain http (item 15) -------------------------------------------------


def test_offline_with_a_corrupt_cached_file_says_corrupt_and_how_to_fix(source, cache, monkeypatch):
    path, sha = source
    fetch([path.as_uri()], sha, "w.bin", progress=False).write_bytes(b"x" * 3000)
    monkeypatch.setenv("I2I_OFFLINE", "1")
    with pytest.raises(DownloadError) as error:
        fetch([path.as_uri()], sha, "w.bin", size=3000, progress=False)
    message = str(error.value)
    assert (
        "is in the cache" in message and "corrupt" in message and "not in the cache" not in message
    )
    assert sha in message and "unset I2I_OFFLINE" in message
    with pytest.raises(DownloadError, match="it has 3 bytes, not 3000"):
        (cache / "w.bin").write_bytes(b"abc")
        fetch([path.as_uri()], sha, "w.bin", size=3000, progress=False)


@pytest.fixture
def tiny_disk(tmp_path):
    """A 1 MB tmpfs (root only): a real full disk."""
    import subprocess

    folder = tmp_path / "tiny_disk"
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(folder)])
    if mounted.returncode != 0:
        pytest.skip("mounting a tmpfs needs root")
    yield folder
    subprocess.run(["umount", str(folder)], check=True)


def test_a_full_disk_is_reported_as_such_not_as_the_network(tiny_disk, monkeypatch):
    monkeypatch.setenv("I2I_CACHE_DIR", str(tiny_disk))
    data = bytes(range(256)) * (8 * MB // 256)
    sha = hashlib.sha256(data).hexdigest()
    respond = lambda h, n: send_body(h, [data], length=len(data))  # noqa: E731
    with serving_script(respond) as server, pytest.raises(DownloadError) as error:
        fetch([server.url("a"), server.url("b")], sha, "w.bin", size=len(data), progress=False)
    message = str(error.value)
    assert "no space left on device (the disk is full)" in message and "network" not in message
    assert str(tiny_disk / "w.bin") in message and "the file needs 8.0 MB" in message
    assert server.requests == ["a"]  # no retry, no other mirror: they cannot help
    assert list(tiny_disk.iterdir()) == []


def test_plain_http_is_warned_about_once_per_url(source, cache):
    from i2i.download import InsecureURLWarning

    path, sha = source
    data = path.read_bytes()
    with serving_script(lambda h, n: send_body(h, [data], length=len(data))) as server:
        with pytest.warns(InsecureURLWarning, match=r"http://127\.0\.0\.1.*/first.*sha256"):
            fetch([server.url("first")], sha, "one.bin", progress=False)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            fetch([server.url("first")], sha, "two.bin", progress=False)  # same URL: quiet
            fetch([path.as_uri()], sha, "three.bin", progress=False)  # file://: quiet
        with pytest.warns(InsecureURLWarning, match="/second"):
            fetch([server.url("second")], sha, "four.bin", progress=False)


# --- one download per file at a time (item 16) ------------------------------------------------


def slow_file(server, data: bytes, seconds: float = 1.0):
    """Serve ``data`` in ten pieces over about ``seconds``."""
    step = len(data) // 10 + 1

    def respond(handler, name):
        pieces = [data[i : i + step] for i in range(0, len(data), step)]
        send_body(handler, pieces, length=len(data), pause=seconds / len(pieces))

    return respond


def test_threads_fetching_one_file_download_it_once(source, cache):
    path, sha = source
    data = path.read_bytes()
    results, errors = [], []

    def fetch_one():
        try:
            results.append(fetch([server.url("w.bin")], sha, "w.bin", size=3000, progress=False))
        except Exception as exc:  # reported below
            errors.append(exc)

    with serving_script(lambda h, n: None) as server:
        server.respond = slow_file(server, data)
        threads = [threading.Thread(target=fetch_one) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    assert errors == [] and len(results) == 4 and len(set(results)) == 1
    assert server.requests == ["w.bin"]  # it used to be fetched four times
    assert [p.name for p in cache.iterdir()] == ["w.bin"]  # no lock file left behind


def test_an_unwritable_cache_folder_names_the_path_not_the_network(source, cache):
    import os

    if os.geteuid() == 0:
        pytest.skip("root writes anywhere")
    path, sha = source
    (cache / "models").mkdir(parents=True)
    (cache / "models").chmod(0o500)
    try:
        with pytest.raises(DownloadError, match="permission denied") as error:
            fetch([path.as_uri()], sha, "models/w.bin", progress=False)
    finally:
        (cache / "models").chmod(0o700)
    assert "network" not in str(error.value) and "I2I_CACHE_DIR" in str(error.value)


def test_a_file_where_the_cache_folder_should_be_is_named(source, cache):
    path, sha = source
    cache.mkdir()
    (cache / "models").write_text("not a folder")
    with pytest.raises(DownloadError) as error:
        fetch([path.as_uri()], sha, "models/w.bin", progress=False)
    message = str(error.value)
    assert f"{cache / 'models'} is a file, not a folder" in message and "network" not in message


@pytest.mark.filterwarnings("ignore::i2i.download.InsecureURLWarning")
def test_the_byte_progress_rises_chunk_by_chunk_to_the_file_size(cache):
    data = bytes(range(256)) * 10_000  # 2.56 MB: three chunks of at most 1 MiB
    sha = hashlib.sha256(data).hexdigest()
    told: list[tuple[int, int]] = []
    respond = lambda h, n: send_body(h, [data], length=len(data))  # noqa: E731
    with serving_script(respond) as server:
        fetch(
            [server.url("w.bin")], sha, "w.bin", progress=False, on_bytes=lambda *p: told.append(p)
        )
        fetch(
            [server.url("w.bin")], sha, "w.bin", progress=False, on_bytes=lambda *p: told.append(p)
        )
    done = [2**20, 2 * 2**20, len(data)]
    assert told == [(0, len(data))] + [(n, len(data)) for n in done]  # the cached file: none
    assert server.requests == ["w.bin"]
