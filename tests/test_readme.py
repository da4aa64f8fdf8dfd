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
