"""The learner's one-minute set-up check (``./course check``, ``course_lib.learner.setup_check``)."""

import importlib.metadata
import io
import subprocess
import sys
from pathlib import Path

import pytest

from course_lib.learner import setup_check

ROOT = Path(__file__).resolve().parents[1]


def test_python_version_gate():
    assert setup_check.check_python((3, 11, 7)).ok
    old = setup_check.check_python((3, 9, 18))
    assert not old.ok and "3.9.18" in old.detail and "PYTHON=" in old.fix


def test_requirements_come_from_pyproject():
    names = {r.split(">")[0].split("=")[0].split(";")[0].strip()
             for r in setup_check.course_requirements()}
    assert {"numpy", "keras", "ipywidgets", "rasterio"} <= names
    assert "pytest" not in names, "the dev extra is not needed by trainees"


def test_all_packages_present_passes():
    result = setup_check.check_packages()
    assert result.ok, result.detail


def test_a_removed_package_fails_naming_the_fix(monkeypatch):
    real = importlib.metadata.version

    def without_sklearn(name):
        if name.lower() in {"scikit-learn", "scikit_learn"}:
            raise importlib.metadata.PackageNotFoundError(name)
        return real(name)

    monkeypatch.setattr(setup_check, "_installed_version", without_sklearn)
    out = io.StringIO()
    results = setup_check.run_checks(["python", "packages"], out=out)
    assert [r.ok for r in results] == [True, False]
    text = out.getvalue()
    assert "FAIL  packages    scikit-learn missing" in text
    assert 'pip install "scikit-learn>=' in text, text
    assert "1 check(s) failed: packages" in text


def test_too_old_version_and_platform_markers():
    fake = {"numpy": "1.20.0", "tensorflow-cpu": "2.16.1"}.__getitem__
    result = setup_check.check_packages(
        ["numpy>=1.26", "tensorflow-cpu>=2.16; sys_platform == 'linux'",
         "no-such-package>=1; sys_platform == 'no-such-os'"], installed_version=fake)
    assert not result.ok
    assert "numpy 1.20.0 (needs >=1.26)" in result.detail
    assert "no-such-package" not in result.detail + result.fix
    assert 'pip install "numpy>=1.26"' in result.fix


def test_data_check_finds_a_changed_file(tmp_path):
    (tmp_path / "a.txt").write_text("hello")
    from course_lib.data.manifest import write_manifest
    write_manifest(tmp_path)
    assert setup_check.check_data(tmp_path).ok
    (tmp_path / "a.txt").write_text("changed")
    result = setup_check.check_data(tmp_path)
    assert not result.ok and "changed: a.txt" in result.detail and "git checkout" in result.fix
    missing = setup_check.check_data(tmp_path / "nowhere")
    assert not missing.ok and "No manifest" in missing.detail


def test_widgets_extension_missing_or_present(tmp_path):
    assert not setup_check.check_widgets([tmp_path]).ok
    assert "jupyterlab_widgets" in setup_check.check_widgets([tmp_path]).fix
    ext = tmp_path / setup_check.WIDGETS_LABEXTENSION
    ext.mkdir(parents=True)
    (ext / "package.json").write_text('{"name": "x", "version": "5.0.1"}')
    result = setup_check.check_widgets([tmp_path])
    assert result.ok and "5.0.1" in result.detail
    assert setup_check.check_widgets().ok, "this environment lacks the widgets extension"


def test_memory_threshold():
    assert setup_check.check_memory(free_mb=4000).ok
    low = setup_check.check_memory(free_mb=500)
    assert not low.ok and "0.49 GB" in low.detail and "Shut" in low.fix
    assert setup_check.available_memory_mb() > 0


def test_a_crashing_check_becomes_a_failure_line(monkeypatch):
    def boom():
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(setup_check, "check_memory", boom)
    out = io.StringIO()
    (result,) = setup_check.run_checks(["memory"], out=out)
    assert not result.ok and "disk on fire" in out.getvalue()
    with pytest.raises(ValueError, match="unknown"):
        setup_check.run_checks(["bogus"])


def test_command_line_passes_with_one_line_per_component():
    """What a trainee runs: ``./course check`` is ``python -m course_lib.learner.setup_check``."""
    proc = subprocess.run([sys.executable, "-m", "course_lib.learner.setup_check"], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    status_lines = [line for line in proc.stdout.splitlines()
                    if line.startswith(("PASS", "FAIL"))]
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert [line.split()[1] for line in status_lines] == list(setup_check.COMPONENTS)
    assert "all checks passed" in proc.stdout


def test_keras_check_prints_no_tensorflow_start_up_lines():
    """The check's output (stdout and stderr together, as a terminal shows them) is the PASS
    lines and the verdict only, even with TensorFlow's logging turned fully on."""
    import os

    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "0"}
    proc = subprocess.run([sys.executable, "-m", "course_lib.learner.setup_check", "python",
                           "keras"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, timeout=300)
    lines = proc.stdout.splitlines()
    assert proc.returncode == 0, proc.stdout
    assert [line.split()[:2] for line in lines[:-1]] == [["PASS", "python"], ["PASS", "keras"]], \
        proc.stdout
    assert lines[-1].startswith("all checks passed"), proc.stdout
    assert len(lines) == 3, proc.stdout


def test_keras_start_up_failure_is_reported_with_its_log(monkeypatch):
    """Silencing the start-up must not hide a real failure: it becomes a FAIL line with the
    error and the captured log."""
    import builtins
    import os

    real_import = builtins.__import__

    def broken_keras(name, *args, **kwargs):
        if name == "keras":
            os.write(2, b"libtensorflow.so: cannot open shared object file\n")
            raise ImportError("No module named 'tensorflow'")
        return real_import(name, *args, **kwargs)

    monkeypatch.delitem(sys.modules, "keras", raising=False)
    monkeypatch.setattr(builtins, "__import__", broken_keras)
    result = setup_check.check_keras()
    assert not result.ok
    assert "ImportError: No module named 'tensorflow'" in result.detail
    assert "libtensorflow.so: cannot open shared object file" in result.detail
    assert "tensorflow-cpu" in result.fix


def test_course_script_has_the_check_command():
    text = (ROOT / "course").read_text()
    assert "check)" in text and "course_lib.learner.setup_check" in text
