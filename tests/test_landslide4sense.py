"""Landslide4Sense reader, normalisation and subset download, offline (files written here)."""

import http.server
import io
import json
import socket
import threading
import zipfile
from functools import partial
from pathlib import Path

import h5py
import numpy as np
import pytest

from course_lib.data import landslide4sense as l4s, online
from course_lib.validation import CorruptFileError


@pytest.fixture(scope="module")
def patch_folder(tmp_path_factory):
    return l4s.write_example_patches(tmp_path_factory.mktemp("l4s"), n=5, seed=3)


@pytest.fixture(scope="module")
def archive(patch_folder, tmp_path_factory):
    """A TrainData.zip-like archive of the example patches (with a stray file as mirrors have)."""
    path = tmp_path_factory.mktemp("zip") / "TrainData.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for file in sorted(patch_folder.rglob("*.h5")):
            zf.write(file, f"TrainData/{file.relative_to(patch_folder).as_posix()}")
        zf.writestr("TrainData/mask/image_1.h5", b"stray")
    return path


def test_band_names_and_statistics():
    assert len(l4s.BAND_NAMES) == 14 and "B8A" not in l4s.BAND_NAMES
    assert l4s.BAND_NAMES[:12] == tuple(f"B{i:02d}" for i in range(1, 13))
    assert l4s.BAND_NAMES[12:] == ("slope", "DEM")
    assert l4s.BAND_MEANS.shape == l4s.BAND_STDS.shape == (14,)
    assert (l4s.BAND_STDS > 0).all()


def test_read_format(patch_folder):
    with h5py.File(patch_folder / "img" / "image_1.h5") as f:
        assert list(f) == ["img"] and f["img"].shape == (128, 128, 14)
    patches = l4s.load_patches(patch_folder)
    assert patches.images.shape == (5, 128, 128, 14) and patches.images.dtype == np.float32
    assert patches.masks.shape == (5, 128, 128) and set(np.unique(patches.masks)) == {0, 1}
    assert patches.names == tuple(f"image_{i}" for i in range(1, 6))
    assert 0 < patches.landslide_fraction() < 0.5
    np.testing.assert_array_equal(patches.band("B04"), patches.images[..., 3])
    assert patches.select(["B04", "DEM"]).images.shape[-1] == 2


def test_normalisation_matches_published_statistics(patch_folder):
    patches = l4s.load_patches(patch_folder)
    norm = l4s.normalise_patches(patches)
    b = l4s.BAND_NAMES.index("B10")
    expected = (patches.images[..., b] - l4s.BAND_MEANS[b]) / l4s.BAND_STDS[b]
    np.testing.assert_allclose(norm.images[..., b], expected, rtol=1e-6)
    assert norm.normalised
    with pytest.raises(ValueError, match="already normalised"):
        l4s.normalise_patches(norm)
    # a subset of bands uses each band's own statistics
    sub = l4s.normalise(patches.select(["DEM", "B02"]).images, ["DEM", "B02"])
    np.testing.assert_allclose(sub[..., 0], norm.band("DEM"), rtol=1e-6)
    with pytest.raises(ValueError, match="B8A"):
        l4s.normalise(np.zeros((2, 2, 1)), ["B8A"])


def test_training_arrays(patch_folder):
    x, y = l4s.training_arrays(l4s.load_patches(patch_folder), bands=["B02", "B03", "B04"])
    assert x.shape == (5, 128, 128, 3) and y.shape == (5, 128, 128, 1)
    assert x.dtype == y.dtype == np.float32


def test_bad_files_give_clear_errors(tmp_path):
    with h5py.File(tmp_path / "image_1.h5", "w") as f:
        f["data"] = np.zeros((128, 128, 14))
    with pytest.raises(KeyError, match="'img'"):
        l4s.read_image(tmp_path / "image_1.h5")
    with h5py.File(tmp_path / "image_2.h5", "w") as f:
        f["img"] = np.zeros((128, 128, 13))
    with pytest.raises(ValueError, match="14"):
        l4s.read_image(tmp_path / "image_2.h5")
    with pytest.raises(FileNotFoundError, match="require_masks"):
        l4s.load_patches(tmp_path, verify=False)


def test_subset_from_local_archive_records_checksums(archive, tmp_path):
    out = l4s.download_subset(indices=[2, 4], url=archive.as_uri(), folder=tmp_path,
                              progress=False)
    patches = l4s.load_patches(out)
    assert patches.names == ("image_2", "image_4")
    registry = l4s._read_registry(out)
    assert set(registry) == {"img/image_2.h5", "img/image_4.h5", "mask/mask_2.h5",
                             "mask/mask_4.h5"}
    with zipfile.ZipFile(archive) as zf:
        assert registry["img/image_2.h5"]["crc32"] == f"{zf.getinfo('TrainData/img/image_2.h5').CRC:08x}"
    assert l4s.verify_registry(out) == 4
    # a corrupted file is caught on the next load
    path = out / "img" / "image_2.h5"
    data = path.read_bytes()
    path.write_bytes(data[:-1] + bytes([data[-1] ^ 0xFF]))      # one byte changed
    with pytest.raises(ValueError, match="Checksum mismatch"):
        l4s.load_patches(out)


def test_random_subset_is_seeded(archive, tmp_path):
    a = l4s.download_subset(n=2, seed=7, url=str(archive), folder=tmp_path / "a", progress=False)
    b = l4s.download_subset(n=2, seed=7, url=str(archive), folder=tmp_path / "b", progress=False)
    assert l4s.load_patches(a).names == l4s.load_patches(b).names
    with pytest.raises(ValueError, match="not in the train archive"):
        l4s.download_subset(indices=[99], url=str(archive), folder=tmp_path / "c")


class _RangeHandler(http.server.SimpleHTTPRequestHandler):
    """A static file server that honours single byte ranges, like Zenodo's."""

    def log_message(self, *args):
        pass

    def end_headers(self):
        self.send_header("Accept-Ranges", "bytes")
        super().end_headers()

    def do_GET(self):
        header = self.headers.get("Range")
        if not header:
            return super().do_GET()
        data = Path(self.translate_path(self.path)).read_bytes()
        start, end = header.split("=")[1].split("-")
        start, end = int(start), min(int(end), len(data) - 1)
        self.send_response(206)
        self.send_header("Content-Range", f"bytes {start}-{end}/{len(data)}")
        self.send_header("Content-Length", str(end - start + 1))
        self.end_headers()
        self.wfile.write(data[start:end + 1])


def test_subset_over_http_range_requests(archive, tmp_path):
    handler = partial(_RangeHandler, directory=str(archive.parent))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/{archive.name}"
        raw = l4s.HTTPRangeFile(url)
        assert raw.size == archive.stat().st_size
        out = l4s.download_subset(indices=[3], url=url, folder=tmp_path, progress=False)
        assert l4s.load_patches(out).names == ("image_3",)
        local = l4s.load_patches(l4s.download_subset(indices=[3], url=str(archive),
                                                     folder=tmp_path / "local", progress=False))
        np.testing.assert_array_equal(l4s.load_patches(out).images, local.images)
    finally:
        server.shutdown()


def test_server_without_ranges_is_refused(archive):
    class Plain(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), partial(Plain, directory=str(archive.parent)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with pytest.raises(OSError, match="download_archive"):
            l4s.HTTPRangeFile(f"http://127.0.0.1:{server.server_port}/{archive.name}")
    finally:
        server.shutdown()


def test_offline_message(monkeypatch, tmp_path):
    def no_network(*args, **kwargs):
        raise OSError("Network is unreachable")

    monkeypatch.setattr(socket, "create_connection", no_network)
    assert not online.network_available()
    with pytest.raises(online.OfflineError, match="zenodo.org") as err:
        l4s.download_subset(n=2, folder=tmp_path)
    assert "bundled data" in str(err.value) and "write_example_patches" in str(err.value)
    with pytest.raises(online.OfflineError, match="Network is unreachable"):
        l4s.download_archive("validation", folder=tmp_path)
    monkeypatch.setenv("COURSE_OFFLINE", "1")
    with pytest.raises(online.OfflineError, match="COURSE_OFFLINE"):
        online.require_network("example.org")


def test_patch_explorer_callback(patch_folder):
    from course_lib.viz.online_plots import patch_explorer

    patches = l4s.load_patches(patch_folder)
    fig, numbers = patch_explorer(patches, index=1, band="DEM")
    assert numbers["name"] == "image_2" and len(fig.axes) >= 3
    assert numbers["landslide_fraction"] == pytest.approx(patches.masks[1].mean())
    norm = patch_explorer(l4s.normalise_patches(patches), index=1, band="DEM")[1]
    assert abs(norm["band_mean"]) < abs(numbers["band_mean"]) + 1
    with pytest.raises(ValueError, match="index"):
        patch_explorer(patches, index=9)


def test_to_chips_for_the_unet(patch_folder):
    pytest.importorskip("course_lib.unet")
    chips = l4s.to_chips(l4s.load_patches(patch_folder), bands=["B02", "B03", "B04"])
    assert len(chips) == 5 and chips[0].image.shape == (128, 128, 3)
    assert chips[0].mask.shape == (128, 128)


# ----------------------------------------------------------------------------- the course subset
def _unmarked_archive(path: Path, n: int = 10, size: int = 16,
                      compression: int = zipfile.ZIP_DEFLATED) -> Path:
    """A TrainData.zip-like archive of small patches without the made-up mark (as real ones)."""
    rng = np.random.default_rng(5)
    with zipfile.ZipFile(path, "w", compression) as zf:
        for i in range(1, n + 1):
            for sub, kind, key, data in (
                    ("img", "image", "img", rng.normal(size=(size, size, 14))),
                    ("mask", "mask", "mask", (rng.random((size, size)) < 0.1 * (i % 3))
                     .astype(np.uint8))):
                buffer = io.BytesIO()
                with h5py.File(buffer, "w") as f:
                    f.create_dataset(key, data=data)
                zf.writestr(f"TrainData/{sub}/{kind}_{i}.h5", buffer.getvalue())
    return path


@pytest.fixture(scope="module")
def real_archive(tmp_path_factory):
    return _unmarked_archive(tmp_path_factory.mktemp("real") / "TrainData.zip")


def test_course_subset_fetch_is_complete_and_a_rerun_is_a_no_op(real_archive, tmp_path,
                                                                 capsys, monkeypatch):
    folder = tmp_path / "l4s" / "course_subset"
    assert l4s.course_subset(folder) is None
    assert "./course data" in capsys.readouterr().out
    out = l4s.fetch_course_subset(folder, url=str(real_archive), n=4, seed=1, progress=False)
    assert out == folder and l4s.course_subset(folder) == folder
    assert [p.name for p in folder.parent.iterdir()] == ["course_subset"], "staging left over"
    manifest = json.loads((folder / l4s.MANIFEST).read_text())
    chosen = l4s.load_patches(l4s.download_subset(n=4, seed=1, url=str(real_archive),
                                                  folder=tmp_path / "same", progress=False))
    assert manifest["patches"] == list(chosen.names), "not the documented seeded choice"
    patches = l4s.load_patches(folder)
    assert len(patches) == 4 and not patches.made_up
    assert manifest["patches_with_landslides"] == int((patches.masks.reshape(4, -1).max(1)).sum())
    with zipfile.ZipFile(real_archive) as zf:           # the files are the archive's, unchanged
        name = manifest["patches"][0]
        assert (folder / "img" / f"{name}.h5").read_bytes() == zf.read(f"TrainData/img/{name}.h5")
    licence = (folder / l4s.LICENCE_FILE).read_text()
    assert "CC BY 4.0" in licence and "Ghorbanzadeh" in licence and "seed=1" in licence
    assert set(manifest["files"]) >= {l4s.LICENCE_FILE, f"mask/{name.replace('image', 'mask')}.h5"}
    # a second run checks the subset and returns: no archive, no network needed
    stamp = (folder / l4s.MANIFEST).stat().st_mtime_ns
    monkeypatch.setenv("COURSE_OFFLINE", "1")
    assert l4s.fetch_course_subset(folder, url="https://zenodo.org/none.zip", n=4, seed=1,
                                   progress=False) == folder
    assert (folder / l4s.MANIFEST).stat().st_mtime_ns == stamp
    with pytest.raises(FileExistsError, match="n=4 and seed=1, not n=5"):
        l4s.fetch_course_subset(folder, url=str(real_archive), n=5, seed=1, progress=False)


def test_an_interrupted_fetch_leaves_nothing_that_passes_as_complete(real_archive, tmp_path,
                                                                     monkeypatch):
    folder = tmp_path / "course_subset"
    calls = []
    original = l4s.ZipMemberDownloader.__call__

    def interrupted(self, *args, **kwargs):
        calls.append(self.member)
        if len(calls) == 3:
            raise KeyboardInterrupt         # as a learner pressing Ctrl-C, or a lost kernel
        return original(self, *args, **kwargs)

    monkeypatch.setattr(l4s.ZipMemberDownloader, "__call__", interrupted)
    with pytest.raises(KeyboardInterrupt):
        l4s.fetch_course_subset(folder, url=str(real_archive), n=4, progress=False)
    assert not folder.exists() and list(tmp_path.iterdir()) == []
    assert l4s.course_subset(folder, quiet=True) is None
    # a process killed outright leaves its hidden staging folder, even with a manifest in it:
    # never taken for the subset, and removed by the next fetch
    monkeypatch.setattr(l4s.ZipMemberDownloader, "__call__", original)
    killed = tmp_path / ".course_subset.tmp-999999999-abc"
    (killed / "img").mkdir(parents=True)
    (killed / l4s.MANIFEST).write_text('{"files": {}}')
    assert l4s.course_subset(folder, quiet=True) is None
    l4s.fetch_course_subset(folder, url=str(real_archive), n=4, progress=False)
    assert not killed.exists() and l4s.course_subset(folder) == folder


def test_checksum_mismatches_are_refused(real_archive, tmp_path):
    folder = l4s.fetch_course_subset(tmp_path / "subset", url=str(real_archive), n=3,
                                     progress=False)
    image = next((folder / "img").glob("*.h5"))
    data = image.read_bytes()
    image.write_bytes(data[:-1] + bytes([data[-1] ^ 0xFF]))
    for call in (lambda: l4s.course_subset(folder),
                 lambda: l4s.fetch_course_subset(folder, url=str(real_archive), n=3)):
        with pytest.raises(CorruptFileError, match=r"checksum mismatch.*--force"):
            call()
    l4s.fetch_course_subset(folder, url=str(real_archive), n=3, overwrite=True, progress=False)
    assert l4s.course_subset(folder) == folder and image.read_bytes() == data
    assert sorted(p.name for p in tmp_path.iterdir()) == ["subset"]
    # a file that arrives damaged fails the archive's CRC-32: nothing is kept
    damaged = _unmarked_archive(tmp_path / "damaged.zip", n=4, compression=zipfile.ZIP_STORED)
    raw = bytearray(damaged.read_bytes())
    with zipfile.ZipFile(damaged) as zf:
        for info in zf.infolist():
            start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
            raw[start + info.compress_size // 2] ^= 0xFF
    damaged.write_bytes(bytes(raw))
    with pytest.raises(CorruptFileError, match="Checksum mismatch.*CRC-32.*Nothing was kept"):
        l4s.fetch_course_subset(tmp_path / "new", url=str(damaged), n=2, progress=False)
    assert not (tmp_path / "new").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["damaged.zip", "subset"]


def test_made_up_patches_never_become_the_real_subset(archive, tmp_path):
    with pytest.raises(ValueError, match="made-up patches.*nothing was kept"):
        l4s.fetch_course_subset(tmp_path / "subset", url=str(archive), n=2, progress=False)
    assert list(tmp_path.iterdir()) == []


def test_course_subset_over_http_range_requests(real_archive, tmp_path):
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), partial(_RangeHandler, directory=str(real_archive.parent)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/{real_archive.name}"
        folder = l4s.fetch_course_subset(tmp_path / "subset", url=url, n=2, progress=False)
        assert json.loads((folder / l4s.MANIFEST).read_text())["source"] == url
        assert len(l4s.load_patches(l4s.course_subset(folder))) == 2
    finally:
        server.shutdown()


def test_without_network_the_fetch_says_so_and_writes_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("COURSE_OFFLINE", "1")
    with pytest.raises(online.OfflineError, match="zenodo.org.*course subset"):
        l4s.fetch_course_subset(tmp_path / "subset")
    assert list(tmp_path.iterdir()) == []
    assert l4s.main(["--folder", str(tmp_path / "subset")]) == 1
    err = capsys.readouterr().err
    assert "No network" in err and "./course data" in err and "made-up patches" in err
    assert "Traceback" not in err and list(tmp_path.iterdir()) == []


def test_course_data_command_reports_what_it_fetched(real_archive, tmp_path, capsys):
    folder = tmp_path / "subset"
    assert l4s.main(["--folder", str(folder), "--url", str(real_archive)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("course data: fetching 48 Landslide4Sense training patches from ")
    assert "10 real training patches" in out and "CC BY 4.0" in out and "Ghorbanzadeh" in out
    assert l4s.main(f"--folder {folder} --url {real_archive}") == 0, "a re-run is fine"
    assert "fetching" not in capsys.readouterr().out, "a re-run fetched again"


def test_two_fetches_at_once_keep_one_complete_subset(real_archive, tmp_path, monkeypatch):
    folder = tmp_path / "subset"
    original = l4s.download_subset

    def and_another_fetch_finishes_first(*args, **kwargs):
        result = original(*args, **kwargs)
        if not folder.exists():
            monkeypatch.setattr(l4s, "download_subset", original)
            l4s.fetch_course_subset(folder, url=str(real_archive), n=3, progress=False)
        return result

    monkeypatch.setattr(l4s, "download_subset", and_another_fetch_finishes_first)
    assert l4s.fetch_course_subset(folder, url=str(real_archive), n=3, progress=False) == folder
    assert l4s.course_subset(folder) == folder
    assert [p.name for p in tmp_path.iterdir()] == ["subset"]
