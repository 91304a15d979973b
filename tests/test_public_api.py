"""The re-exported Python API: `import ecgprint` / `import vizecg` stay cheap, every exported name is the documented
object, `ecgprint.render` stays the function, and create_model builds every registered model."""

import json
import subprocess
import sys

import pytest
import torch

import ecgprint
import vizecg
from vizecg.models import list_models

HEAVY = ("torch", "pandas", "wfdb", "pyarrow", "cv2")
DOCUMENTED = {   # (package, name) -> (defining module, name there)
    ("ecgprint", "Record"): ("ecgprint.record", "Record"),
    ("ecgprint", "open_source"): ("ecgprint.sources", "open_source"),
    ("ecgprint", "render"): ("ecgprint.render", "render"),
    ("ecgprint", "RenderConfig"): ("ecgprint.render", "RenderConfig"),
    ("ecgprint", "build"): ("ecgprint.dataset.build", "build"),
    ("ecgprint", "load_recipe"): ("ecgprint.dataset.recipe", "load_recipe"),
    ("vizecg", "VizECGNet"): ("vizecg.models.vizecgnet", "VizECGNet"),
    ("vizecg", "create_model"): ("vizecg.models.registry", "create_model"),
    ("vizecg", "Predictor"): ("vizecg.predict", "Predictor"),
}


def loaded_after(code: str) -> list[str]:
    """The heavy modules in sys.modules after running `code` in a fresh interpreter."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return json.loads(run.stdout.splitlines()[-1])


def test_importing_the_packages_and_the_version_loads_no_heavy_stack():
    assert loaded_after("import ecgprint, vizecg; from ecgprint import __version__; dir(ecgprint)") == []


@pytest.mark.parametrize("package", [ecgprint, vizecg])
def test_all_lists_exactly_the_documented_names_and_dir_shows_them(package):
    assert set(package.__all__) == {name for pkg, name in DOCUMENTED if pkg == package.__name__}
    assert set(package.__all__) <= set(dir(package))
    with pytest.raises(AttributeError, match="no attribute 'nonexistent'"):
        package.nonexistent


@pytest.mark.parametrize("package, name", sorted(DOCUMENTED))
def test_every_exported_name_is_the_documented_object(package, name):
    module, attribute = DOCUMENTED[package, name]
    __import__(module)
    assert getattr(sys.modules[package], name) is getattr(sys.modules[module], attribute)


def test_render_stays_the_function_when_its_module_is_imported_after_the_package():
    code = ("import ecgprint\nimport ecgprint.render\nimport ecgprint.dataset.build\n"
            "from ecgprint import render\nfrom ecgprint.render import RenderConfig\n"
            "assert callable(render) and render is ecgprint.render and render.__module__ == 'ecgprint.render'\n"
            "assert RenderConfig is ecgprint.RenderConfig")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_create_model_builds_every_listed_model_and_runs_it():
    torch.manual_seed(0)
    assert list_models() == ["paper", "small", "tiny"]
    for name in list_models():
        model = vizecg.create_model(name, streams="image", cmam=False).eval()
        assert model.config.streams == "image"
        with torch.no_grad():
            probabilities = model.predict_image(torch.randn(1, 3, 64, 96))
        assert probabilities.shape == (1, 6) and ((probabilities > 0) & (probabilities < 1)).all()
        full = vizecg.create_model(name).eval()
        with torch.no_grad():
            logits = full(torch.randn(2, 12, full.config.signal.stride * 2), torch.randn(2, 3, 64, 96))
        assert logits.signal.shape == logits.image.shape == (2, 6)


def test_create_model_rejects_an_unknown_name_and_names_the_known_ones():
    with pytest.raises(ValueError, match=r"unknown config 'huge'.*'paper', 'small', 'tiny'"):
        vizecg.create_model("huge")
