"""The evaluation runner's files: damaged CSVs, partial tasks, duplicates, output paths, worker processes.

Nothing lost, nothing counted twice: a damaged results CSV resumes (its damaged
lines set aside and computed again), a task is done only with all its rows, a
repeated id or variant runs once, a path that cannot be written is refused
before any image is computed, and no worker process outlives the run.
"""

import errno
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from segkit import evaluation as E
from segkit.cli import main

IDS = ["3096", "8023"]
SIDE = 32
N = len(E.PROTOCOL_NAMES)
CALLS = []


def halves(image, *, axis=1):
    """A cheap method that counts its calls: left | right (or top / bottom)."""
    CALLS.append(image.shape)
    h, w = image.shape[:2]
    return (np.indices((h, w))[axis] >= (h, w)[axis] // 2).astype(int)


@pytest.fixture
def registry():
    """The method registry with ``halves`` added, restored afterwards; the call counter emptied."""
    saved = dict(E.METHODS)
    E.register_method("halves", halves, {"axis": 1})
    CALLS.clear()
    yield E.METHODS
    E.METHODS.clear()
    E.METHODS.update(saved)
    CALLS.clear()


def _run(root, out, ids=IDS, **kwargs):
    return E.evaluate("halves", "val", root, ids=ids, max_side=SIDE, output=out, progress=False, **kwargs)


def _no_seconds(rows):
    return [{k: v for k, v in r.items() if k != "seconds"} for r in rows]


def _lines(path):
    return Path(path).read_bytes().split(b"\n")


# --- damaged CSV ---------------------------------------------------------------------------------------------

def _cut_mid_line(data, lines):
    return data[: len(data) - len(lines[-2]) // 2 - 1]  # half of the last row


def _cut_in_quotes(data, lines):
    last = lines[-2]
    return data[: len(data) - len(last) - 1 + last.index(b'"') + 5]  # inside the quoted params


def _nul_line(data, lines):
    lines = list(lines)
    lines[5] = b"\0" * len(lines[5])  # a line the disk never got
    return b"\n".join(lines)


def _bad_number(data, lines):
    lines = list(lines)
    fields = lines[30].split(b",")
    fields[-10] = b"abc"  # the 'all' column (counted from the end: params hold commas)
    lines[30] = b",".join(fields)
    return b"\n".join(lines)


# damage -> (the damaged line's number, tasks computed again); line 1 is the header, then N rows of image 3096
# and N rows of image 8023
LAST = 1 + 2 * N
DAMAGE = {
    "cut mid-line": (_cut_mid_line, LAST, 1),
    "cut inside a quoted field": (_cut_in_quotes, LAST, 1),
    "NUL tail": (lambda data, lines: data + b"\0" * 300, LAST + 1, 0),
    "NUL bytes over a line": (_nul_line, 6, 1),
    "text in a number column": (_bad_number, 31, 1),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_damaged_csv_resumes_and_recomputes(bsds_root, tmp_path, registry, damage):
    out = tmp_path / "r.csv"
    clean = _run(bsds_root, out)
    assert len(clean) == 2 * N and len(CALLS) == 2
    data = out.read_bytes()
    damage_fn, bad_line, n_redo = DAMAGE[damage]
    out.write_bytes(damage_fn(data, data.split(b"\n")))
    # read_rows refuses the file, naming it and the line
    with pytest.raises(ValueError, match=rf"'{out}' line {bad_line}: .*segkit evaluate --output"):
        E.read_rows(out)
    damaged_bytes = _lines(out)[bad_line - 1]
    CALLS.clear()
    with pytest.warns(UserWarning) as caught:
        again = _run(bsds_root, out)
    messages = " | ".join(str(w.message) for w in caught)
    assert f"'{out}': 1 damaged line(s) (line {bad_line};" in messages
    assert f"set aside in '{out}.damaged'" in messages and "computed again" in messages
    # what the damaged line held is computed again, and nothing else
    assert len(CALLS) == n_redo
    assert _no_seconds(again) == _no_seconds(clean)
    assert E.read_rows(out) == again  # the file is clean again: every row once
    # the damaged line is kept, as it was, in the side file
    side = (tmp_path / "r.csv.damaged").read_bytes()
    assert side.startswith(b"# segkit evaluate set these lines of 'r.csv' aside")
    assert damaged_bytes.removesuffix(b"\r") in side
    # and a third run has nothing to say (warnings are errors here) and nothing to do
    CALLS.clear()
    assert _run(bsds_root, out) == again and CALLS == []


def test_damaged_header_starts_afresh(bsds_root, tmp_path, registry):
    out = tmp_path / "r.csv"
    for content in (b"split,image,max_si", b"\0" * 4096):
        out.write_bytes(content)
        CALLS.clear()
        with pytest.warns(UserWarning, match=r"line 1; line 1: the header line is damaged"):
            rows = _run(bsds_root, out)
        assert len(rows) == 2 * N and len(CALLS) == 2 and E.read_rows(out) == rows
    assert (tmp_path / "r.csv.damaged").read_bytes().count(b"# segkit evaluate") == 2
    # a file that is not an evaluation CSV is refused and left alone
    other = tmp_path / "other.csv"
    other.write_text("a,b\n1,2\n")
    with pytest.raises(ValueError, match="is not a segkit evaluation CSV"):
        _run(bsds_root, other)
    assert other.read_text() == "a,b\n1,2\n" and len(CALLS) == 2


def test_killed_run_leaves_whole_tasks_and_resumes(bsds_root, tmp_path, registry):
    """A process killed while it computes (SIGKILL: nothing runs after) leaves only whole tasks in the CSV."""
    out = tmp_path / "k.csv"
    calls = tmp_path / "calls"
    calls.mkdir()
    script = textwrap.dedent(f"""
        import os, signal
        import numpy as np
        from segkit import evaluation as E

        def dies_on_third(image, *, axis=1):
            n = len(os.listdir({str(calls)!r}))
            open(os.path.join({str(calls)!r}, f"call{{n}}"), "w").close()
            if n == 2:
                os.kill(os.getpid(), signal.SIGKILL)
            return np.zeros(image.shape[:2], int)

        E.register_method("halves", dies_on_third, {{"axis": 1}})
        E.evaluate("halves", "val", {str(bsds_root)!r}, ids=["3096", "8023", "12084"], max_side={SIDE},
                   output={str(out)!r}, progress=False)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == -signal.SIGKILL, done.stderr
    lines = out.read_bytes().split(b"\n")
    assert lines[-1] == b"" and len(lines) == 1 + 2 * N + 1  # header, two whole tasks, nothing cut
    rows = E.read_rows(out)
    assert sorted({r["image"] for r in rows}) == ["3096", "8023"]
    resumed = _run(bsds_root, out, ids=["3096", "8023", "12084"])
    assert len(CALLS) == 1 and len(resumed) == 3 * N and E.read_rows(out) == resumed


# --- a task is done only with all its rows ----------------------------------------------------------------------

def test_partial_task_is_computed_again_without_double_counting(bsds_root, tmp_path, registry):
    out = tmp_path / "p.csv"
    clean = _run(bsds_root, out)
    lines = _lines(out)
    out.write_bytes(b"\n".join(lines[: 1 + N + 5]) + b"\n")  # cut at a line boundary: 5 rows of image 8023
    CALLS.clear()
    with pytest.warns(UserWarning, match=r"1 task\(s\) have only some of their rows \(image 8023 x halves: 5 of"):
        again = _run(bsds_root, out)
    assert len(CALLS) == 1 and _no_seconds(again) == _no_seconds(clean)
    assert E.read_rows(out) == again
    # every protocol sees both images once
    assert {s["n"] for s in E.summarize(again)} == {2}


def test_partial_task_not_requested_is_kept(bsds_root, tmp_path, registry):
    out = tmp_path / "p.csv"
    _run(bsds_root, out)
    lines = _lines(out)
    out.write_bytes(b"\n".join(lines[: 1 + N + 5]) + b"\n")
    CALLS.clear()
    only_first = _run(bsds_root, out, ids=IDS[:1])
    assert CALLS == [] and len(only_first) == N
    assert len(E.read_rows(out)) == N + 5  # the partial task waits for a run that asks for it


def test_each_task_is_one_write(bsds_root, tmp_path, registry, monkeypatch):
    from segkit.evaluation import results_csv

    writes = []
    real = os.write

    def spy(fd, data):
        writes.append(bytes(data))
        return real(fd, data)

    monkeypatch.setattr(results_csv.os, "write", spy)
    _run(bsds_root, tmp_path / "w.csv")
    assert len(writes) == 2 and all(w.count(b"\r\n") == N and w.endswith(b"\r\n") for w in writes)


def test_repeated_rows_in_the_file_count_once(bsds_root, tmp_path, registry):
    out = tmp_path / "d.csv"
    clean = _run(bsds_root, out)
    lines = _lines(out)
    out.write_bytes(b"\n".join(lines[:-1] + lines[2:5]) + b"\n")  # three rows written twice
    CALLS.clear()
    repeated = rf"3 repeated row\(s\) .* \(line {LAST + 1}, {LAST + 2}, {LAST + 3}\) are dropped"
    with pytest.warns(UserWarning, match=repeated):
        again = _run(bsds_root, out)
    assert CALLS == [] and again == clean and E.read_rows(out) == clean


# --- duplicates ---------------------------------------------------------------------------------------------------

def test_repeated_ids_run_once(bsds_root, tmp_path, registry):
    with pytest.warns(UserWarning, match="`ids`: 3096 given more than once; each image is computed and counted once"):
        rows = _run(bsds_root, tmp_path / "i.csv", ids=["3096", "8023", "3096", 3096])
    assert len(CALLS) == 2 and len(rows) == 2 * N
    assert {s["n"] for s in E.summarize(rows)} == {2}


@pytest.mark.parametrize("methods, params", [
    ("halves,halves", None),
    (["halves", "halves"], None),
    ("halves", {"halves": {"axis": [1, 1]}}),
    ([("halves", {"axis": 0}), ("halves", {"axis": 0})], None),
])
def test_repeated_variants_run_once(bsds_root, tmp_path, registry, methods, params):
    with pytest.warns(UserWarning, match=r"the variant\(s\) halves.* came more than once; each is computed and "
                                         "counted once"):
        rows = E.evaluate(methods, "val", bsds_root, params=params, ids=IDS, max_side=SIDE, progress=False)
    assert len(CALLS) == 2 and len(rows) == 2 * N
    assert len(E.summarize(rows)) == N and {s["n"] for s in E.summarize(rows)} == {2}


def test_repeated_grid_values_are_one_variant():
    with pytest.warns(UserWarning, match=r"kmeans \(k=4\)"):
        v = E.variants("kmeans", {"kmeans": {"k": [4, 8, 4]}})
    assert [p["k"] for _, p in v] == [4, 8]
    with pytest.warns(UserWarning, match="came more than once"):
        assert E.variants("kmeans", {"kmeans": {"position_weight": [0, 0.0]}}) == E.variants("kmeans")


def test_empty_grid_and_empty_ids_are_errors(bsds_root, registry):
    with pytest.raises(ValueError, match=r"`params`: kmeans.k is an empty list of values"):
        E.variants("kmeans", {"kmeans": {"k": []}})
    with pytest.raises(ValueError, match=r"`params`: halves.axis is an empty list"):
        E.evaluate("halves", "val", bsds_root, params={"halves": {"axis": ()}}, progress=False)
    with pytest.raises(ValueError, match="`ids` must name at least one image"):
        E.evaluate("halves", "val", bsds_root, ids=[], progress=False)
    with pytest.raises(ValueError, match="`ids` must be BSDS500 image ids such as '3096'"):
        E.evaluate("halves", "val", bsds_root, ids=["abc"], progress=False)
    assert CALLS == []


def test_summarize_counts_an_image_once():
    rows = [{"method": "m", "params": "{}", "max_side": None, "split": "val", "image": i, "protocol": "VI",
             "all": v, "finest": v, "coarsest": v, "seconds": 0.1} for i, v in (("1", 0.2), ("2", 0.4))]
    with pytest.warns(UserWarning, match=r"1 repeated row\(s\)"):
        s = E.summarize(rows + rows[:1])
    assert s[0]["n"] == 2 and s[0]["mean"] == pytest.approx(0.3)


def test_cli_duplicates_and_empty_values(bsds_root, tmp_path, registry, capsys):
    out = tmp_path / "c.csv"
    base = ["evaluate", "--root", str(bsds_root), "--max-side", str(SIDE), "--no-progress", "--output", str(out)]
    assert main(base + ["--ids", "3096,3096", "--methods", "halves,halves"]) == 0
    err = capsys.readouterr().err
    assert "segkit evaluate: warning: --ids: 3096 given more than once" in err
    assert "warning: --methods/--param: the variant(s) halves came more than once" in err
    assert len(CALLS) == 1 and len(E.read_rows(out)) == N
    for bad, option in ((["--ids", ","], "--ids must name at least one image"),
                        (["--param", "halves.axis=0,,1"], "--param halves.axis: an empty value"),
                        (["--param", "halves.axis="], "--param must look like")):
        assert main(base + ["--methods", "halves"] + bad) == 2
        err = capsys.readouterr().err
        assert option in err and "Traceback" not in err
    assert len(CALLS) == 1


# --- output paths, checked before computing ----------------------------------------------------------------------

def _bad_paths(tmp_path):
    afile = tmp_path / "afile"
    afile.write_text("not a folder")
    folder = tmp_path / "folder"
    folder.mkdir()
    return {
        "a folder": (folder, "is a folder"),
        "under a file": (afile / "x.csv", "'afile' is a file, not a folder|is a file, not a folder"),
        "deeper under a file": (afile / "sub" / "x.csv", "is a file, not a folder"),
        "a trailing separator": (str(tmp_path / "new") + os.sep, "ends with a path separator"),
    }


@pytest.mark.parametrize("which", ["a folder", "under a file", "deeper under a file", "a trailing separator"])
@pytest.mark.parametrize("argument", ["output", "summary"])
def test_bad_output_paths_are_refused_before_computing(bsds_root, tmp_path, registry, capsys, which, argument):
    path, message = _bad_paths(tmp_path)[which]
    kwargs = {argument: path}
    if argument == "summary":
        kwargs["output"] = tmp_path / "ok.csv"
    start = time.perf_counter()
    with pytest.raises(ValueError, match=rf"`{argument}`: .*({message})"):
        E.evaluate("halves", "val", bsds_root, ids=IDS, max_side=SIDE, progress=False, **kwargs)
    assert CALLS == [] and not (tmp_path / "ok.csv").exists()
    # the command line: exit 2, the option named, no traceback, nothing computed
    argv = ["evaluate", "--root", str(bsds_root), "--ids", ",".join(IDS), "--max-side", str(SIDE), "--methods",
            "halves", "--no-progress", "--output", str(kwargs["output"] if argument == "summary" else path)]
    if argument == "summary":
        argv += ["--summary", str(path)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert f"segkit evaluate: error: --{argument}: " in err and "Traceback" not in err
    assert CALLS == [] and not (tmp_path / "ok.csv").exists()
    assert time.perf_counter() - start < 10


def test_summary_default_follows_output_and_never_overwrites_it(bsds_root, tmp_path, registry, capsys):
    out = tmp_path / "r.md"
    assert main(["evaluate", "--root", str(bsds_root), "--ids", IDS[0], "--max-side", str(SIDE), "--methods",
                 "halves", "--no-progress", "--output", str(out)]) == 0
    assert len(E.read_rows(out)) == N and (tmp_path / "r.summary.md").read_text().startswith("Evaluation of")
    (tmp_path / "res.md").mkdir()
    assert main(["evaluate", "--root", str(bsds_root), "--ids", IDS[0], "--max-side", str(SIDE), "--methods",
                 "halves", "--no-progress", "--output", str(tmp_path / "res.csv")]) == 2
    assert "--summary (by default the --output name with .md): " in capsys.readouterr().err
    with pytest.raises(ValueError, match="`summary`: .* is the output CSV itself"):
        _run(bsds_root, tmp_path / "same.csv", summary=tmp_path / "same.csv")
    assert len(CALLS) == 1


@pytest.fixture
def read_only_folder(tmp_path):
    """A folder nobody may write in: chmod for a normal user, the immutable flag for root (skips without it)."""
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    immutable = False
    if os.access(folder, os.W_OK):  # root writes anyway
        chattr = shutil.which("chattr")
        if chattr is None or subprocess.run([chattr, "+i", str(folder)], capture_output=True).returncode != 0:
            folder.chmod(0o755)
            pytest.skip("cannot make a read-only folder here (root without chattr +i)")
        immutable = True
    yield folder
    if immutable:
        subprocess.run([shutil.which("chattr"), "-i", str(folder)], check=True)
    folder.chmod(0o755)


def test_read_only_folder_is_refused_before_computing(bsds_root, registry, read_only_folder, capsys):
    with pytest.raises(ValueError, match=r"`output`: cannot write '.*ro/r.csv': (Permission denied|"
                                         r"Operation not permitted)"):
        _run(bsds_root, read_only_folder / "r.csv")
    assert main(["evaluate", "--root", str(bsds_root), "--ids", IDS[0], "--max-side", str(SIDE), "--methods",
                 "halves", "--no-progress", "--output", str(read_only_folder / "sub" / "r.csv")]) == 2
    err = capsys.readouterr().err
    assert "error: --output: cannot write" in err and "Traceback" not in err
    assert CALLS == [] and list(read_only_folder.iterdir()) == []


def test_read_only_file_is_refused_before_computing(bsds_root, tmp_path, registry):
    if os.geteuid() == 0:
        pytest.skip("root writes to read-only files")
    out = tmp_path / "r.csv"
    _run(bsds_root, out, ids=IDS[:1])
    out.chmod(0o444)
    CALLS.clear()
    with pytest.raises(ValueError, match=r"`output`: cannot write .*Permission denied"):
        _run(bsds_root, out)
    assert CALLS == []


def test_cli_never_prints_a_traceback_for_an_oserror(bsds_root, tmp_path, registry, capsys, monkeypatch):
    from segkit.evaluation import run as run_module

    def disk_full(path, rows):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(run_module, "_write_all", disk_full)
    assert main(["evaluate", "--root", str(bsds_root), "--ids", IDS[0], "--max-side", str(SIDE), "--methods",
                 "halves", "--no-progress", "--output", str(tmp_path / "r.csv")]) == 2
    err = capsys.readouterr().err
    assert "segkit evaluate: error: [Errno 28] No space left on device" in err and "Traceback" not in err


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_scheduler_that_does_not_answer(bsds_root, tmp_path, registry, capsys, monkeypatch):
    pytest.importorskip("distributed")
    from segkit.evaluation import tasks

    monkeypatch.setattr(tasks, "_CONNECT_TIMEOUT_S", 1.0)
    address = f"tcp://127.0.0.1:{_free_port()}"
    start = time.perf_counter()
    with pytest.raises(ConnectionError, match=rf"`scheduler`: no Dask scheduler answered at '{address}' within 1 s"):
        _run(bsds_root, tmp_path / "s.csv", scheduler=address)
    with pytest.raises(ValueError, match=r"`scheduler` must be a Dask scheduler address .*got 'nonsense'"):
        _run(bsds_root, tmp_path / "s.csv", scheduler="nonsense")
    with pytest.raises(TypeError, match=r"`scheduler` must be a Dask scheduler address"):
        _run(bsds_root, tmp_path / "s.csv", scheduler=8786)
    assert main(["evaluate", "--root", str(bsds_root), "--ids", IDS[0], "--max-side", str(SIDE), "--methods",
                 "halves", "--no-progress", "--output", str(tmp_path / "s.csv"), "--scheduler", address]) == 2
    err = capsys.readouterr().err
    assert f"error: --scheduler: no Dask scheduler answered at '{address}'" in err and "Traceback" not in err
    assert time.perf_counter() - start < 15 and CALLS == []


# --- no worker left behind ----------------------------------------------------------------------------------------

_SLOW_RUN = """
import os, sys, time
import numpy as np
from segkit import evaluation as E
from segkit.cli import main

def slow(image, *, flags=""):
    # the first task returns at once (its worker then waits, idle); the other sleeps
    try:
        os.close(os.open(os.path.join(flags, "first"), os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        open(os.path.join(flags, "sleeping"), "w").close()
        time.sleep(120)
    return np.zeros(image.shape[:2], int)

flags, root, out = sys.argv[1:]
E.register_method("slow", slow, {"flags": flags})
sys.exit(main(["evaluate", "--root", root, "--ids", "3096,8023", "--max-side", "32", "--methods", "slow",
               "--jobs", "2", "--output", out, "--no-progress"]))
"""


def _slow_done(image, *, flags=""):
    return halves(image)


def _gone(proc) -> bool:
    import psutil

    try:
        return proc.status() == psutil.STATUS_ZOMBIE  # dead, waiting for init to reap it
    except psutil.NoSuchProcess:
        return True


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_no_worker_left_behind(bsds_root, tmp_path, registry, sig):
    psutil = pytest.importorskip("psutil")
    flags = tmp_path / "flags"
    flags.mkdir()
    out = tmp_path / "w.csv"
    script = tmp_path / "slow_run.py"
    script.write_text(_SLOW_RUN)
    proc = subprocess.Popen([sys.executable, str(script), str(flags), str(bsds_root), str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    children = []
    try:
        deadline = time.monotonic() + 90
        # wait for: one task sleeping in a worker, the other's rows in the CSV, both workers up
        while True:
            assert proc.poll() is None, proc.communicate()[1].decode()
            children = psutil.Process(proc.pid).children(recursive=True)
            workers = [c for c in children if "popen_loky_posix" in " ".join(c.cmdline())]
            if (flags / "sleeping").exists() and out.exists() and out.read_bytes().count(b"\n") == 1 + N \
                    and len(workers) >= 2:
                break
            assert time.monotonic() < deadline, "the workers did not start"
            time.sleep(0.2)
        os.kill(proc.pid, sig)
        proc.wait(timeout=10)
        deadline = time.monotonic() + 5
        while not all(_gone(c) for c in children) and time.monotonic() < deadline:
            time.sleep(0.1)
        left = [c.pid for c in children if not _gone(c)]
        assert left == [], f"still alive 5 s after {sig.name}: {left}"
    finally:
        for c in children:
            if not _gone(c):
                c.kill()
        if proc.poll() is None:
            proc.kill()
        proc.communicate()
    # nothing lost: the finished image is in the CSV, and a resumed run computes only the other one
    E.register_method("slow", _slow_done, {"flags": str(flags)})
    rows = E.evaluate("slow", "val", bsds_root, ids=IDS, max_side=SIDE, output=out, progress=False)
    assert len(CALLS) == 1 and len(rows) == 2 * N and E.read_rows(out) == rows
    assert json.loads(rows[0]["params"]) == {"flags": str(flags)}
