"""The `vizecg` command group (argument parsing and printing only); model commands register here."""

from ..lazy_group import lazy_group

COMMANDS = {
    "train": "cli.vizecg.train:train_cmd",
    "evaluate": "cli.vizecg.evaluate:evaluate_cmd",
    "ablate": "cli.vizecg.ablate:ablate_cmd",
    "compare": "cli.vizecg.compare:compare_cmd",
    "benchmark": "cli.vizecg.benchmark:benchmark_cmd",
    "predict": "cli.vizecg.predict:predict_cmd",
    "export": "cli.vizecg.export:export_cmd",
    "thresholds": "cli.vizecg.thresholds:thresholds_cmd",
    "robustness": "cli.vizecg.robustness:robustness_cmd",
    "explain": "cli.vizecg.explain:explain_cmd",
}

main = lazy_group("vizecg", COMMANDS, "Classify ECG images with VizECGNet (signal-to-image knowledge distillation).")
