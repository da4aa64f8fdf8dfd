"""README.md stays in step with what generates it."""

from fast_prefill.cli import README_REGMAP_BEGIN, readme_with_regmap
from fast_prefill.rtl.top.regmap import RegisterMap
from fast_prefill.tools import REPO_ROOT


def test_readme_register_table_is_generated():
    text = (REPO_ROOT / "README.md").read_text()
    assert README_REGMAP_BEGIN in text
    assert readme_with_regmap(text, RegisterMap().markdown_table()) == text


def test_readme_names_the_two_setup_commands():
    text = (REPO_ROOT / "README.md").read_text()
    assert "make verilog" in text and "make test" in text


def test_every_cited_design_section_exists():
    """Docstrings, property files and docs cite `docs/design.md section N`; the page and each cited
    section exist, and nothing cites a design document outside the repository."""
    import re
    import subprocess

    files = subprocess.run(["git", "ls-files"], cwd=REPO_ROOT, capture_output=True, text=True).stdout.split()
    design = (REPO_ROOT / "docs" / "design.md").read_text()
    sections = set(re.findall(r"^### (\d+)\. ", design, re.M))
    cited = set()
    for f in files:
        if f.endswith((".py", ".sv", ".svh", ".md")) and f != "docs/design.md":
            text = (REPO_ROOT / f).read_text()
            assert "DESIGN" + ".md" not in text, f
            cited |= set(re.findall(r"docs/design\.md section (\d+)", text))
    assert cited and cited <= sections, (cited, sections)
