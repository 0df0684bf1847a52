"""No admin writes a model itself: every save, delete and list edit of our admins is a service call, or the
admin is read-only. Checked on the source (no .save()/.delete()/objects.create… in admin code) and on the
registered admins (a default save or delete path must be switched off)."""

import ast
from pathlib import Path

import pytest
from django.contrib import admin
from django.contrib.admin import ModelAdmin
from django.test import RequestFactory

SRC = Path(__file__).resolve().parents[2] / "src" / "gridgov"
ADMIN_FILES = [*sorted(SRC.glob("*/admin.py")), SRC / "core" / "admin_forms.py", SRC / "core" / "admin_io.py"]
WRITES = {
    "save",
    "delete",
    "create",
    "get_or_create",
    "update_or_create",
    "bulk_create",
    "bulk_update",
    "update",
    "save_model",
    "delete_model",
    "delete_queryset",
    "save_formset",
    "save_related",
}


def _writes(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in WRITES:
            target = node.func.value
            # calling the mixin's own hooks (self.save_model …) is fine; super().save_model … is the model write
            if isinstance(target, ast.Name) and target.id == "self":
                continue
            if isinstance(target, ast.Name) and target.id == "book":
                continue  # admin_io saves an openpyxl workbook into the export, not a model
            found.append(f"{path.relative_to(SRC)}:{node.lineno} .{node.func.attr}()")
    return found


def test_no_model_writes_in_admin_code():
    assert ADMIN_FILES and all(p.exists() for p in ADMIN_FILES)
    found = [w for path in ADMIN_FILES for w in _writes(path)]
    assert found == [], "admin code writes models directly; call a service instead: " + ", ".join(found)


@pytest.mark.django_db
def test_every_writing_admin_path_is_a_service_or_switched_off(django_user_model):
    request = RequestFactory().get("/admin/")
    request.user = django_user_model(username="guard", is_superuser=True, is_staff=True, is_active=True)
    checked = 0
    for model, model_admin in admin.site._registry.items():
        if not model.__module__.startswith("gridgov."):
            continue  # Django's own users and groups
        checked += 1
        cls = type(model_admin)
        name = cls.__name__
        saves = cls.save_model is not ModelAdmin.save_model
        deletes = (
            cls.delete_model is not ModelAdmin.delete_model and cls.delete_queryset is not ModelAdmin.delete_queryset
        )
        if not saves:
            assert not model_admin.has_add_permission(request), f"{name} adds with a bare model save"
            assert not model_admin.has_change_permission(request), f"{name} changes with a bare model save"
        if not deletes:
            assert not model_admin.has_delete_permission(request), f"{name} deletes without a service"
        if model_admin.list_editable:
            assert saves, f"{name} edits its list without a service"
        for inline in model_admin.get_inline_instances(request):
            assert not inline.has_add_permission(request, None), f"{name}: inline {type(inline).__name__} adds"
            assert not inline.has_change_permission(request, None), f"{name}: inline {type(inline).__name__} edits"
            assert not inline.has_delete_permission(request, None), f"{name}: inline {type(inline).__name__} deletes"
    assert checked >= 10
