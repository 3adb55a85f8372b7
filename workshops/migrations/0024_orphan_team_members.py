from django.db import migrations
from django.db.models import Exists, OuterRef


def remove_orphaned_team_rows(apps, schema_editor):
    """Places on teams whose learner is no longer a learner of the experiment's cohort (the
    membership was deleted in the admin before leaving a cohort left its teams, or changed
    role) go, as workshops.receivers_team takes them from now on. What the person wrote stays;
    an experiment left with nobody on its team stays for the cohort's staff. Nobody is told:
    the person left long ago. A card still found by such a person's town is found by it until
    `manage.py search_rebuild` (or the card's next change) analyses it again."""
    ExperimentMember = apps.get_model("workshops", "ExperimentMember")
    Membership = apps.get_model("learners", "Membership")
    learner = Membership.objects.filter(
        cohort_id=OuterRef("cohort_id"), user_id=OuterRef("user_id"), role="learner"
    )
    ExperimentMember.objects.exclude(Exists(learner)).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("learners", "0010_calendar_bounds"),
        ("workshops", "0023_file_reason_codes"),
    ]

    operations = [
        migrations.RunPython(remove_orphaned_team_rows, migrations.RunPython.noop, elidable=True),
    ]
