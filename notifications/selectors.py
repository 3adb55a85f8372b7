from django.db.models import QuerySet

from core.models import User

from .models import Notification


def unread_count(user: User) -> int:
    return Notification.objects.filter(
        recipient=user, read_at__isnull=True, kind=Notification.Kind.EVENT
    ).count()


def notifications_for(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user, kind=Notification.Kind.EVENT).order_by(
        "-created_at", "-pk"
    )
