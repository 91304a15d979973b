"""`ecgprint render`: print records as ECG page images with their ground truth."""

from __future__ import annotations

import sys
from collections import deque
from pathlib import Path

import click

from ecgprint.artifacts import PRESETS
from ecgprint.batch import PageJob, write_pages
from ecgprint.errors import RecordError
from ecgprint.layout import LAYOUTS
from ecgprint.paper import GRID_STYLES, PAGE_SIZES_MM, Paper
from ecgprint.plausibility import check_record
from ecgprint.render import IMAGE_FORMATS, PNG_LEVEL, PNG_MODES, RenderConfig, safe_name
from ecgprint.sources import list_source
from ecgprint.sources.item import failing_item
from ecgprint.style import STYLE_MODES, seeded_style
from ecgprint.truth_encoding import TRUTH_FORMATS

from .options import parse_colour, parse_layout, parse_leads


def iter_inputs(inputs: tuple[str, ...], example: bool):
    """(where, loader) for every record named on the command line, in order; a source that cannot even be
    listed yields one loader that raises its RecordError."""
    if example:
        from ecgprint.synth import example_record  # here: the generator imports scipy.signal (~0.5 s)
        yield "example", example_record
    for path in inputs:
        try:
            items = list(list_source(path))
        except RecordError as exc:
            items = [failing_item(path, exc)]
        for item in items:
            yield item.path, item.load


def read_artifacts(value: str | None) -> str | None:
    """--artifacts: inline JSON, or the text of a .json file (RenderConfig validates it)."""
    if value is None or not value.strip().endswith(".json"):
        return value
    try:
        return Path(value.strip()).read_text()
    except OSError as exc:
        raise click.BadParameter(f"{value}: {exc.strerror}", param_hint="--artifacts") from None


@click.command("render")
@click.argument("inputs", nargs=-1, type=click.Path())
@click.option("-o", "--output", "outdir", required=True, type=click.Path(file_okay=False), help="output folder")
@click.option("--example", is_flag=True, help="also render the built-in example record (no download)")
@click.option("--layout", default="3x4", show_default=True, help=f"{', '.join(LAYOUTS)}, inline JSON or a .json file")
@click.option("--rhythm", default=None, help="rhythm-strip leads, comma-separated, or 'none' (default: layout's)")
@click.option("--paper", "paper_size", type=click.Choice(sorted(PAGE_SIZES_MM)), default="letter", show_default=True)
@click.option("--orientation", type=click.Choice(["landscape", "portrait"]), default="landscape", show_default=True)
@click.option("--dpi", type=float, default=200.0, show_default=True)
@click.option("--speed", type=float, default=25.0, show_default=True, help="paper speed, mm/s")
@click.option("--gain", type=float, default=10.0, show_default=True, help="mm/mV")
@click.option("--grid", type=click.Choice(list(GRID_STYLES)), default="red", show_default=True)
@click.option("--trace-color", default="black", show_default=True, help="name, #rrggbb or R,G,B")
@click.option("--text-color", default="black", show_default=True)
@click.option("--line-width", type=float, default=0.3, show_default=True, help="trace width, mm")
@click.option("--start", type=float, default=0.0, show_default=True, help="seconds into the record")
@click.option("--duration", type=float, default=10.0, show_default=True, help="seconds across the page")
@click.option("--format", "fmt", type=click.Choice(IMAGE_FORMATS), default="png", show_default=True)
@click.option("--quality", type=click.IntRange(1, 100), default=95, show_default=True, help="JPEG quality")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--truth", "truth", type=click.Choice(TRUTH_FORMATS), default="json", is_flag=False, flag_value="json",
              show_default=True, help="ground truth file: <record>.json (coordinates to 0.01 px) or <record>.npz "
                                      "(float32 coordinates, a quarter of the size; docs/performance.md)")
@click.option("--no-truth", is_flag=True, help="write no ground truth file")
@click.option("--png-level", type=click.IntRange(0, 9), default=PNG_LEVEL, show_default=True,
              help="zlib level of PNG pages: higher is smaller and slower (docs/performance.md)")
@click.option("--png-mode", type=click.Choice(PNG_MODES), default="rgb", show_default=True,
              help="auto: a one-channel PNG when every pixel is grey (e.g. --grid grey): the same pixels, half the "
                   "bytes")
@click.option("--workers", type=click.IntRange(1, 256), default=1, show_default=True,
              help="worker processes; the files are the same for any number")
@click.option("--progress/--no-progress", default=None,
              help="progress bar over several records (default: only on a terminal)")
@click.option("--mask", is_flag=True, help="write <record>_mask.png: pixel k = trace of lead k (1..12), 0 = none")
@click.option("--preset", type=click.Choice(list(PRESETS)), default="clean", show_default=True,
              help="print/scan/photo/damage artifacts (docs/artifacts.md)")
@click.option("--severity", type=click.FloatRange(0, 1), default=0.5, show_default=True,
              help="artifact strength: 0 = the clean page, 1 = the preset's worst")
@click.option("--artifacts", "artifacts", default=None,
              help="custom artifacts after the preset's: a JSON list (e.g. '[\"skew\", {\"name\": \"jpeg\", "
                   "\"p\": 0.5}]') or a .json file")
@click.option("--style", type=click.Choice(STYLE_MODES), default="default", show_default=True,
              help="drawing style; random: paper, grid, layout, pen and text drawn from --seed (docs/rendering.md)")
def render_cmd(inputs, outdir, example, layout, rhythm, paper_size, orientation, dpi, speed, gain, grid,
               trace_color, text_color, line_width, start, duration, fmt, quality, seed, truth, no_truth,
               png_level, png_mode, workers, progress, mask, preset, severity, artifacts, style):
    """Render WFDB/Challenge records, PTB-XL or CODE-15% folders (INPUTS) as printed ECG pages."""
    if not inputs and not example:
        raise click.UsageError("give at least one INPUT or --example")
    try:
        config = RenderConfig(
            paper=Paper(size=paper_size, orientation=orientation, dpi=dpi, speed=speed, gain=gain, grid=grid),
            layout=parse_layout(layout), rhythm=parse_leads(rhythm), start=start, duration=duration,
            trace_color=parse_colour(trace_color), text_color=parse_colour(text_color),
            line_width_mm=line_width, mask=mask, preset=preset, severity=severity,
            artifacts=read_artifacts(artifacts))
        if style == "random":
            config = seeded_style(seed, config)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    save_options = {"fmt": fmt, "quality": quality, "truth": not no_truth and truth, "png_level": png_level,
                    "png_mode": png_mode}
    sources = list(iter_inputs(inputs, example))
    bar = progress_bar(len(sources), progress)
    claimed: set[str] = set()
    wheres: deque[str] = deque()
    failed = rendered = 0

    def report(where: str, exc: Exception) -> None:
        nonlocal failed
        failed += 1
        click.echo(f"error: {exc}" if isinstance(exc, RecordError) else f"error: {where}: {exc}", err=True)
        if bar is not None:
            bar.update()

    def jobs():
        """Read and check each record here, in order; a record id claims its file name once it has loaded."""
        for where, load in sources:
            try:
                record = load()
                check_record(record)
                name = safe_name(record.record_id)
                if name in claimed:
                    raise RecordError(where, f"record id {record.record_id!r} was already rendered; not overwriting")
            except (RecordError, ValueError) as exc:
                report(where, exc)
                continue
            claimed.add(name)
            wheres.append(where)
            yield PageJob(record, config, seed, out, name, save_options)

    for result in write_pages(jobs(), min(workers, len(sources))):
        where = wheres.popleft()
        if isinstance(result, ValueError):
            report(where, result)
            continue
        rendered += 1
        if bar is not None:
            bar.update()
    if bar is not None:
        bar.close()
    click.echo(f"rendered {rendered} record(s) to {out}" + (f", {failed} failed" if failed else ""),
               err=bool(failed))
    if failed:
        sys.exit(1)


def progress_bar(total: int, progress: bool | None):
    """A tqdm bar on stderr for several records (tqdm imported only then); by default shown only on a terminal."""
    if total < 2 or progress is False:
        return None
    from tqdm import tqdm
    return tqdm(total=total, unit="page", desc="rendering", file=sys.stderr,
                disable=None if progress is None else False)
