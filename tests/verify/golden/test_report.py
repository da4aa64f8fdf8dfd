"""Report command smoke + content checks (small N)."""

import json

from fast_prefill.verify.golden import report


def test_report_quick_writes_json(tmp_path, capsys):
    out = tmp_path / "acc.json"
    rc = report.main(["--n", "1024", "--block", "64", "--d", "16", "--time-n", "0",
                      "--cache-blocks", "4", "--pinned", "1", "--out", str(out)])
    assert rc == 0
    data = json.loads(out.read_text())
    assert len(data["rows"]) == 4
    for r in data["rows"]:
        assert 0 < r["density"] <= 1
        c = r["cache"]
        assert c["compulsory"] <= c["belady"] <= c["liveness"] and c["belady"] <= c["lru"]
        assert c["liveness_single_tier"] == c["belady"]
        assert r["err_fixed_vs_float_sparse"] < 0.2
    assert "| N | head |" in capsys.readouterr().out


def test_report_rejects_bad_args(capsys):
    import pytest
    with pytest.raises(SystemExit):
        report.main(["--pinned", "40", "--cache-blocks", "8"])
    assert "--pinned" in capsys.readouterr().err
