"""Exceptions a user can read.

Every failure caused by the user's input (a file that is not a video, a clip with no
person in view, a broken model file) is raised as one of these, with a message written
for the person who chose the file, not for the developer.
"""


class RepLabError(Exception):
    """Base class: the message is meant to be shown to a user as it is."""


class VideoError(RepLabError):
    """The file cannot be read as a video (not a video, truncated, empty, unknown codec)."""


class PoseError(RepLabError):
    """Pose extraction could not run or found nothing usable (no person, bad model file)."""
