"""Reading what a view answered, streamed or not."""


def body(response) -> bytes:
    """The whole body, streamed or not (reading a stream to its end also closes the file)."""
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content
