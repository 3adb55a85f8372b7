class DomainError(Exception):
    """An expected failure with a translated message that a view shows to the person."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
