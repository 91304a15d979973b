"""The `ecgprint` command group (argument parsing and printing only)."""

from ..lazy_group import lazy_group

COMMANDS = {
    "render": "cli.ecgprint.render:render_cmd",
    "build": "cli.ecgprint.build:build_cmd",
    "verify": "cli.ecgprint.verify:verify_cmd",
    "inspect": "cli.ecgprint.inspect:inspect_cmd",
    "synth": "cli.ecgprint.synth:synth",
    "gallery": "cli.ecgprint.gallery:gallery",
    "export": "cli.ecgprint.export:export_cmd",
    "digitize": "cli.ecgprint.digitize:digitize_cmd",
    "digitize-score": "cli.ecgprint.digitize_score:digitize_score_cmd",
    "digitize-study": "cli.ecgprint.digitize_study:digitize_study_cmd",
}

main = lazy_group("ecgprint", COMMANDS, "Render 12-lead ECG signals as realistic printed-paper ECG images with exact ground truth.")
