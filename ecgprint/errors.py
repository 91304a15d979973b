"""The one exception type for unreadable or invalid input, so callers can quarantine bad records."""


class RecordError(ValueError):
    """A record could not be read or is invalid; the message names the file (or record) and the problem."""

    def __init__(self, where: str, reason: str):
        self.where = str(where)
        self.reason = " ".join(str(reason).split())
        super().__init__(f"{self.where}: {self.reason}")
