"""The SymbiYosys wrapper: every registered proof job passes its prove and cover tasks."""

import pytest

from fast_prefill.verify.formal import run_jobs, select_jobs, table
from fast_prefill.verify.proof_jobs import all_jobs

pytestmark = pytest.mark.formal


def test_stream_proofs_and_covers_pass():
    jobs = select_jobs(["stream_*"])
    assert {j.block for j in jobs} == {"stream_fifo", "stream_ram_fifo", "stream_skid_buffer", "stream_fork",
                                       "stream_downsizer"}
    results = run_jobs(jobs, parallel=2, progress=lambda s: None)
    assert len(results) == 2 * len(jobs)
    assert all(r.passed for r in results), table(results)
    covers = [r for r in results if r.task == "cover"]
    assert all(r.vcd is not None and r.vcd.exists() for r in covers)


def test_job_selection():
    assert [j.name for j in select_jobs(["stream_fifo_d4"])] == ["stream_fifo_d4"]
    assert len(select_jobs([])) == len(all_jobs())
    with pytest.raises(SystemExit, match="no proof job matches"):
        select_jobs(["nonexistent*"])


def test_an_unknown_task_is_refused_before_anything_is_written(tmp_path):
    from fast_prefill.verify.formal import run_job

    with pytest.raises(ValueError, match=r"run_job field 'tasks' has 'induction': must be among \('prove', 'cover', 'bmc'\)"):
        run_job(all_jobs()["stream_fifo_d2"], workdir=tmp_path / "x", tasks=("induction",))
    assert not (tmp_path / "x").exists()


def test_bounded_jobs_are_named_and_written_as_such(tmp_path):
    """A job in mode "bmc" (bounded from reset, not k-induction) must say so in its name and its
    .sby asks for that mode; a bad mode is refused with the field named."""
    from fast_prefill.verify.formal import prepare
    from fast_prefill.verify.proof_jobs import ProofJob

    bounded = [j for j in all_jobs().values() if j.mode == "bmc"]
    assert bounded and all(j.name.endswith("_bmc") for j in bounded)
    sby = prepare(bounded[0], tmp_path / "job").read_text()
    assert "prove: mode bmc" in sby and "prove: mode prove" not in sby
    with pytest.raises(ValueError, match="ProofJob field 'mode' = 'induct' is not allowed"):
        ProofJob("x", "kv_cache", {}, mode="induct")
    with pytest.raises(ValueError, match="ProofJob field 'name' = 'x' is not allowed for mode 'bmc'"):
        ProofJob("x", "kv_cache", {}, mode="bmc")


def _alive(pid: int) -> bool:
    import os

    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        with open(f"/proc/{pid}/stat") as f:       # a zombie is not running
            return f.read().split(") ", 1)[1][0] != "Z"
    except FileNotFoundError:                      # gone between the two looks
        return False


def _still_alive_after(pid: int, seconds: float) -> bool:
    """Whether ``pid`` still runs after up to ``seconds`` of waiting for it to end (a SIGKILL takes
    effect asynchronously: a loaded machine can show the process for a moment after killpg)."""
    import time

    deadline = time.monotonic() + seconds
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    return _alive(pid)


def test_run_reaped_kills_what_the_tool_leaves_running(tmp_path):
    """sby can return while an engine it started still runs (seen: an induction smtbmc holding 12 GB
    for half an hour after its test passed). ``run_reaped`` kills the tool's process group once it
    exits; plain ``subprocess.run`` (the planted contrast) leaves the child running."""
    import os
    import signal
    import subprocess

    from fast_prefill.verify.formal import run_reaped

    script = "sleep 300 & echo $! > child.pid; echo DONE"
    out = run_reaped(["bash", "-c", script], tmp_path)
    assert "DONE" in out
    child = int((tmp_path / "child.pid").read_text())
    assert not _still_alive_after(child, 5.0)

    subprocess.run(["bash", "-c", script], cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   start_new_session=True)
    leaked = int((tmp_path / "child.pid").read_text())
    try:
        assert _alive(leaked)
    finally:
        os.kill(leaked, signal.SIGKILL)


def test_the_direct_runner_gives_symbiyosys_verdicts(tmp_path):
    """The default runner carries out each job's .sby file with one yosys run and sby's smtbmc
    engines (verify/formal.py); yowasp-sby itself must agree on every verdict kind: PASS (prove,
    cover, bmc), UNKNOWN (an induction step too short to close), FAIL (an unreachable cover; a
    planted bug's base case). The base case's depth agrees too; a FAIL names a counterexample."""
    import dataclasses

    from fast_prefill.verify import mutants
    from fast_prefill.verify.formal import run_job

    jobs = all_jobs()
    cases = [
        (jobs["stream_fifo_d4"], None, ("prove", "cover", "bmc"), ["PASS", "PASS", "PASS"]),
        (dataclasses.replace(jobs["stream_fifo_d4"], prove_depth=1, cover_depth=2), None,
         ("prove", "cover"), ["UNKNOWN", "FAIL"]),
        (jobs["stream_fifo_d4"], mutants.fifo_drop_when_full(4), ("prove", "bmc"), ["FAIL", "FAIL"]),
    ]
    for i, (job, mutant, tasks, want) in enumerate(cases):
        got = {runner: run_job(job, mutant=mutant, workdir=tmp_path / f"{runner}{i}", tasks=tasks, runner=runner)
               for runner in ("direct", "sby")}
        for runner, results in got.items():
            assert [r.result for r in results] == want, (runner, table(results))
            assert all(r.vcd is not None and r.vcd.exists() for r in results if r.result == "FAIL" and r.task != "cover")
        # depths: every task but a failed prove (whose induction step may print deeper steps before
        # it is stopped, under either runner)
        depth = {runner: [r.depth for r in res if not (r.task == "prove" and r.result == "FAIL")]
                 for runner, res in got.items()}
        assert depth["direct"] == depth["sby"], depth


def test_a_property_file_yosys_cannot_read_is_an_error_on_both_runners(tmp_path, monkeypatch):
    """ERROR, not an exception nor a verdict, with yosys's message in the task's log."""
    import shutil

    from fast_prefill.verify import formal

    props = tmp_path / "props"
    shutil.copytree(formal.PROPERTIES_DIR, props)
    job = all_jobs()["stream_fifo_d2"]
    (props / job.properties).write_text((props / job.properties).read_text() + "\nalways @(*) assert(;\n")
    monkeypatch.setattr(formal, "PROPERTIES_DIR", props)
    for runner in ("direct", "sby"):
        [res] = formal.run_job(job, workdir=tmp_path / runner, tasks=("prove",), runner=runner)
        assert res.result == "ERROR", (runner, res)
        assert "syntax error" in res.log.read_text() or "syntax error" in (res.log.parent.parent / "prove.out").read_text()


def test_a_bad_runner_is_refused(tmp_path):
    from fast_prefill.verify.formal import run_job

    with pytest.raises(ValueError, match=r"run_job field 'runner' = 'abc' is not allowed: must be one of \('direct', 'sby'\)"):
        run_job(all_jobs()["stream_fifo_d2"], workdir=tmp_path / "x", runner="abc")
    assert not (tmp_path / "x").exists()
    from fast_prefill.verify.formal import run_jobs

    with pytest.raises(ValueError, match=r"run_jobs field 'runner' = 'abc' is not allowed"):
        run_jobs([all_jobs()["stream_fifo_d2"]], runner="abc")
