"""RenderResult.save: the files `ecgprint render` writes, byte for byte, and no file outside the output folder."""

import dataclasses

import pytest
from click.testing import CliRunner

from cli.ecgprint import main
from ecgprint.paper import Paper
from ecgprint.render import RenderConfig, render
from ecgprint.synth import example_record
from tests.conftest import spike_record


@pytest.mark.parametrize("args, save_options", [
    (["--mask"], {}),
    (["--format", "jpg", "--quality", "70", "--no-truth"], {"fmt": "jpg", "quality": 70, "truth": False}),
])
def test_save_writes_the_files_the_cli_writes(tmp_path, args, save_options):
    cli_out = tmp_path / "cli"
    res = CliRunner().invoke(main, ["render", "--example", "-o", str(cli_out), "--dpi", "72", "--seed", "3",
                                    "--preset", "scan", *args])
    assert res.exit_code == 0, res.output
    config = RenderConfig(paper=Paper(dpi=72.0), preset="scan", severity=0.5, mask="--mask" in args)
    result = render(dataclasses.replace(example_record(), record_id="example"), config, seed=3)
    written = result.save(tmp_path / "lib", **save_options)
    assert sorted(p.name for p in written) == sorted(p.name for p in cli_out.iterdir())
    for path in written:
        assert path.read_bytes() == (cli_out / path.name).read_bytes(), path.name


def test_save_names_files_safely_and_refuses_names_outside_the_folder(tmp_path):
    result = render(spike_record(record_id="../a/b"), RenderConfig(paper=Paper(dpi=72)))
    assert [p.name for p in result.save(tmp_path / "out")] == ["a_b.png", "a_b.json"]
    for name in ("../escape", "sub/x", str(tmp_path / "abs")):
        with pytest.raises(ValueError, match="outside the output folder"):
            result.save(tmp_path / "out", name)
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["a_b.json", "a_b.png", "out"]
