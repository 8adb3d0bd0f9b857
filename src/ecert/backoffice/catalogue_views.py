"""The catalogue settings the province administrator edits in the back office (issue 17): the
exam codes the replacement package names its files with. Reading the catalogue is in views.py."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ecert.backoffice.access import requires, staff_user
from ecert.backoffice.catalogue_forms import ExamCodeForm
from ecert.catalogue.selectors import qualification_get
from ecert.catalogue.services import exam_code_set
from ecert.core.errors import EcertError
from ecert.core.rules.roles import Perm
from ecert.i18n import in_language


@requires(Perm.MANAGE_CATALOGUE)
@require_http_methods(["GET", "POST"])
def catalogue_exam_code(request: HttpRequest, key: str) -> HttpResponseBase:
    """Set the exam code of one of the qualification's exams; errors beside their field."""
    qualification = qualification_get(key=key)
    if qualification is None:
        raise Http404
    form = ExamCodeForm(request.POST or None, qualification=qualification)
    if request.method == "POST" and form.is_valid():
        level = form.level_name()
        try:
            exam_code_set(
                actor=staff_user(request),
                qualification=qualification,
                level=level,
                code=form.cleaned_data["code"],
            )
        except EcertError as error:
            field = error.field if error.field in form.fields else None
            form.add_error(field, in_language(*error.texts()))
        else:
            messages.success(
                request,
                _("Exam code of %(exam)s set to %(code)s.")
                % {
                    "exam": f"{level or ''}{qualification.name}",
                    "code": form.cleaned_data["code"].strip(),
                },
            )
            return redirect("backoffice:qualification_detail", key=key)
    return render(
        request,
        "backoffice/qualification_detail.html",
        {"qualification": qualification, "exam_code_form": form},
        status=200,
    )


urlpatterns: list[URLPattern] = [
    path(
        "catalogue/qualifications/<slug:key>/exam-code/",
        catalogue_exam_code,
        name="catalogue_exam_code",
    ),
]
