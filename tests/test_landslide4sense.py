"""Landslide4Sense reader, normalisation and subset download, offline (files written here)."""

import http.server
import socket
import threading
import zipfile
from functools import partial
from pathlib import Path

import h5py
import numpy as np
import pytest

from course_lib.data import landslide4sense as l4s, online


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
