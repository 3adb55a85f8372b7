from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from core.permissions import Role, get_course_for_user, get_item_for_user

from . import selectors, services
from .models import Item


@login_required
def course_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The course outline: learners and staff of a cohort running the course."""
    course = get_course_for_user(request.user, pk)
    modules = list(selectors.modules_with_progress(user=request.user, course=course))
    items_by_module: dict[int, list] = {m.pk: [] for m in modules}
    done = set(
        request.user.completions.filter(item__module__course=course).values_list(
            "item_id", flat=True
        )
    )
    for item in Item.objects.filter(module__course=course).order_by("position", "pk"):
        item.is_done = item.pk in done
        items_by_module[item.module_id].append(item)
    for module in modules:
        module.item_list = items_by_module[module.pk]
    return render(
        request,
        "courses/course_detail.html",
        {
            "course": course,
            "modules": modules,
            "progress": selectors.course_progress(modules),
            "next_item": selectors.next_item(user=request.user, course=course),
            # A learner of this course, not merely of some course: staff see no progress here.
            "is_learner": request.user.memberships.filter(
                role=Role.LEARNER, cohort__course=course
            ).exists(),
        },
    )


@login_required
def item_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One lesson: learners and staff of a cohort running the course."""
    item = get_item_for_user(request.user, pk)
    siblings = selectors.module_items(user=request.user, module=item.module)
    index = next(i for i, s in enumerate(siblings) if s.pk == item.pk)
    return render(
        request,
        "courses/item_detail.html",
        {
            "item": item,
            "module": item.module,
            "course": item.module.course,
            "siblings": siblings,
            "is_done": siblings[index].is_done,
            "previous_item": siblings[index - 1] if index > 0 else None,
            "next_item": siblings[index + 1] if index + 1 < len(siblings) else None,
            "can_complete": request.user.memberships.filter(
                role=Role.LEARNER, cohort__course=item.module.course
            ).exists(),
        },
    )


@login_required
@require_POST
def item_complete(request: HttpRequest, pk: int) -> HttpResponse:
    """Learners of the course mark an item done (or not done, with `undo`)."""
    item = get_item_for_user(request.user, pk)
    try:
        if request.POST.get("undo"):
            services.item_uncomplete(user=request.user, item=item)
        else:
            services.item_complete(user=request.user, item=item)
    except services.ProgressError as exc:
        return render(request, "403.html", {"reason": exc.message}, status=403)
    if request.htmx:
        return render(
            request,
            "courses/includes/_complete_button.html",
            {"item": item, "is_done": not request.POST.get("undo"), "can_complete": True},
        )
    return redirect("courses:item", pk=item.pk)
