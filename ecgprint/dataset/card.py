"""The dataset card (`OUT/README.md`): Hugging Face YAML front matter, counts, licences, example images."""

from __future__ import annotations

import cv2
import pyarrow.parquet as pq

from ..atomic import inside, write_atomic
from ..image_decode import decode_image
from ..labels import LABEL_NAMES, LABELS
from .manifest import Manifest
from .recipe import Recipe

EXAMPLES_PER_SPLIT = 2
EXAMPLE_WIDTH = 800


def _examples(manifest: Manifest) -> list[tuple[str, str]]:
    """Downscaled first images of each split's first non-empty shard -> (file, caption)."""
    out = manifest.root
    found, done = [], set()
    for shard in manifest.shards:
        if shard.split in done or shard.rows == 0:
            continue
        done.add(shard.split)
        table = pq.read_table(out / shard.file, columns=["id", "image", "labels", "preset", "severity"])
        for row in table.slice(0, EXAMPLES_PER_SPLIT).to_pylist():
            image = decode_image(row["image"]["bytes"], f"{out / shard.file}: row {row['id']}")
            scale = EXAMPLE_WIDTH / image.shape[1]
            small = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
            name = f"examples/{shard.split}-{len(found):02d}.png"
            png = cv2.imencode(".png", cv2.cvtColor(small, cv2.COLOR_RGB2BGR))[1].tobytes()
            write_atomic(inside(out, out / name), png)
            labels = ", ".join(row["labels"]) or "none of the six"
            found.append((name, f"{shard.split}: {row['id']} ({labels}; {row['preset']} {row['severity']:.2f})"))
    return found


def write_card(recipe: Recipe, manifest: Manifest) -> None:
    """Write `README.md` (and `examples/`) into the dataset folder of `manifest`."""
    out, splits = manifest.root, manifest.splits
    licences = sorted({s.license for s in recipe.sources if s.license} | ({recipe.license} - {""}))
    front = ["---", f"pretty_name: {recipe.name}", "license: other" if len(licences) != 1 else
             f"license: {licences[0].lower().replace(' ', '-')}", "configs:", "- config_name: default",
             "  data_files:"]
    front += [f"  - split: {name}\n    path: data/{name}-[0-9]*.parquet" for name in splits]
    front += ["task_categories:", "- image-classification", "tags:", "- ecg", "- electrocardiogram", "---", ""]
    lines = [f"# {recipe.name}", "", recipe.description or "Printed 12-lead ECG images rendered by ecgprint.", "",
             "## Contents", "", "| split | images | " + " | ".join(LABELS) + " |",
             "| --- | --- | " + " | ".join("---" for _ in LABELS) + " |"]
    lines += [f"| {name} | {s.rows} | " + " | ".join(str(s.labels[lab]) for lab in LABELS) + " |"
              for name, s in splits.items()]
    lines += ["", f"Quarantined records (unreadable or invalid, see `quarantine.jsonl`): {manifest.quarantined}.",
              f"Records left out by the label filter: {manifest.filtered}.", "",
              "Labels (fixed order of `label_vector`): "
              + "; ".join(f"`{lab}` {LABEL_NAMES[lab]}" for lab in LABELS) + ".", "",
              "## Examples", ""]
    lines += [f"![{caption}]({name})  \n{caption}\n" for name, caption in _examples(manifest)]
    lines += ["## How it was made", "",
              f"Built by ecgprint {manifest.ecgprint_version} from a recipe (sha256 "
              f"`{manifest.recipe_sha256[:16]}`, stored in full in `manifest.json`): "
              f"{len(recipe.sources)} source(s), {len(recipe.variants)} render variant(s), signals stored at "
              f"{recipe.signal_fs:g} Hz x {recipe.signal_samples} samples, patient-wise splits"
              + (" from the source's folds." if recipe.split_policy == "folds" else
                 f" {recipe.split_ratios} (seed {recipe.seed})."),
              "Each row holds the image, the signal, the labels, the full render config and the exact ground "
              "truth (lead boxes and trace pixel coordinates); every image can be re-made from its seed.", "",
              "## Loading", "", "```python",
              "from datasets import load_dataset",
              "ds = load_dataset('parquet', data_dir='.')      # images decode to PIL, signals to arrays",
              "import pandas as pd; df = pd.read_parquet('data')",
              "import duckdb; duckdb.sql(\"select split, count(*) from 'data/*.parquet' group by split\")",
              "```", "", "## Licence and attribution", ""]
    for src in recipe.sources:
        lines.append(f"- **{src.name}** ({src.type}): {src.license or 'licence not stated'}. "
                     f"{src.attribution}".rstrip())
    if recipe.license:
        lines.append(f"- Dataset as a whole: {recipe.license}.")
    write_atomic(inside(out, out / "README.md"), "\n".join(front + lines) + "\n")
