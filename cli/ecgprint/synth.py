"""`ecgprint synth`: write labelled synthetic 12-lead ECGs as WFDB records plus labels.csv."""

from __future__ import annotations

import sys

import click
from tqdm import tqdm

from ecgprint.labels import LABELS
from ecgprint.sources.wfdb_source import write_wfdb
from ecgprint.synth import NuisanceConfig, SynthConfig, iter_synthetic
from ecgprint.synth.config import parse_labels, parse_prevalence


def _parsed(parser, param_hint: str):
    """A click callback applying `parser` and turning its ValueError into a usage error naming the option."""

    def callback(ctx, param, value):
        if value is None:
            return None
        try:
            return parser(value)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint=param_hint) from None

    return callback


@click.command("synth")
@click.option("-n", "--count", type=click.IntRange(min=1), required=True, help="number of records")
@click.option("-o", "--output", "outdir", required=True, type=click.Path(file_okay=False), help="output folder")
@click.option("--labels", callback=_parsed(parse_labels, "--labels"),
              help=f"give every record exactly these labels: comma-separated {', '.join(LABELS)}, or NORM")
@click.option("--prevalence", callback=_parsed(parse_prevalence, "--prevalence"),
              help="'balanced' (default) or LABEL=P,... independent per-label probabilities")
@click.option("--fs", type=click.FloatRange(100, 10000), default=500.0, show_default=True, help="sampling rate, Hz")
@click.option("--duration", type=click.FloatRange(2.5, 600), default=10.0, show_default=True, help="seconds")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True)
@click.option("--start", type=click.IntRange(min=0), default=0, show_default=True,
              help="index of the first record (shards of one set: same seed, different start)")
@click.option("--records-per-patient", type=click.IntRange(min=1), default=3, show_default=True)
@click.option("--wander", type=float, default=NuisanceConfig.baseline_wander_mv, show_default=True,
              help="max baseline wander per electrode, mV")
@click.option("--powerline", type=float, default=NuisanceConfig.powerline_mv, show_default=True,
              help="max mains hum per electrode, mV")
@click.option("--mains", type=click.Choice(["50", "60"]), default=None, help="mains frequency (default: random)")
@click.option("--emg", type=float, default=NuisanceConfig.emg_mv, show_default=True,
              help="max muscle-noise RMS per electrode, mV")
@click.option("--premature", type=float, default=NuisanceConfig.premature_rate, show_default=True,
              help="probability that a beat is premature")
@click.option("--clean", is_flag=True, help="no nuisances at all (overrides the nuisance options)")
@click.option("--progress/--no-progress", default=None, help="progress bar (default: only on a terminal)")
def synth(count, outdir, labels, prevalence, fs, duration, seed, start, records_per_patient, wander, powerline,
          mains, emg, premature, clean, progress):
    """Generate COUNT labelled synthetic 12-lead ECGs into OUTPUT (WFDB, mV) with a labels.csv."""
    if labels is not None and prevalence is not None:
        raise click.UsageError("give either --labels or --prevalence, not both")
    try:
        nuisance = NuisanceConfig.clean() if clean else NuisanceConfig(
            baseline_wander_mv=wander, powerline_mv=powerline, mains_hz=None if mains is None else int(mains),
            emg_mv=emg, premature_rate=premature)
        config = SynthConfig(fs=fs, duration=duration, seed=seed, labels=labels,
                             prevalence="balanced" if prevalence is None else prevalence,
                             records_per_patient=records_per_patient, nuisance=nuisance)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    # tqdm's disable=None switches the bar off when stderr is not a terminal (CI logs stay quiet).
    records = tqdm(iter_synthetic(count, config, start=start), total=count, unit="rec", desc="generating",
                   file=sys.stderr, disable=None if progress is None else not progress)
    labels_csv = write_wfdb(records, outdir)
    click.echo(f"wrote {count} records and {labels_csv}")
