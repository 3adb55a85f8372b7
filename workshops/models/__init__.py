"""The workshops app's models, one module per sub-domain; every model (and the helpers the
migrations name, e.g. `workshops.models.private_storage`) is re-exported here, so
`from workshops.models import X` keeps working.

- workshop: the workshop, its phases and assignments, the themes
- experiments: experiments, their teams and audit trail, submissions and their files, drafts
- reviews: reviews and their drafts, rubrics, the marking workflow, peer feedback, the thread
- sessions: workshop sessions, their materials, attendance, calendar feeds
- cohort_settings: a cohort's own marking and peer settings
"""

from .cohort_settings import CohortMarkingSettings, CohortPeerSettings
from .common import private_storage
from .experiments import (
    Draft,
    Experiment,
    ExperimentEvent,
    ExperimentMember,
    Extension,
    RunLogEntry,
    ScanStatus,
    Submission,
    SubmissionFile,
    first_files_sweep,
    phase_due_date,
    preview_path,
    runlog_photo_path,
    submission_file_path,
)
from .reviews import (
    Marking,
    PeerAllocationWanted,
    PeerReview,
    PhaseComment,
    Review,
    ReviewDraft,
    ReviewFile,
    ReviewScore,
    RubricCriterion,
    RubricLevel,
    first_peer_sweep,
    review_file_path,
)
from .sessions import (
    Attendance,
    CalendarFeed,
    SessionMaterial,
    WorkshopSession,
    attended_filter,
    session_material_path,
    session_recording_path,
)
from .workshop import Assignment, Phase, Theme, Workshop

__all__ = [
    "Assignment",
    "Attendance",
    "CalendarFeed",
    "CohortMarkingSettings",
    "CohortPeerSettings",
    "Draft",
    "Experiment",
    "ExperimentEvent",
    "ExperimentMember",
    "Extension",
    "Marking",
    "PeerAllocationWanted",
    "PeerReview",
    "Phase",
    "PhaseComment",
    "Review",
    "ReviewDraft",
    "ReviewFile",
    "ReviewScore",
    "RubricCriterion",
    "RubricLevel",
    "RunLogEntry",
    "ScanStatus",
    "SessionMaterial",
    "Submission",
    "SubmissionFile",
    "Theme",
    "Workshop",
    "WorkshopSession",
    "attended_filter",
    "first_files_sweep",
    "first_peer_sweep",
    "phase_due_date",
    "preview_path",
    "private_storage",
    "review_file_path",
    "runlog_photo_path",
    "session_material_path",
    "session_recording_path",
    "submission_file_path",
]
