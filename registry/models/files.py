import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..uploads import private_storage


def _private_path(instance, filename):
    """A random name: the uploader's file name is kept only as data, never as a path."""
    return f"{instance.storage_folder}/{uuid.uuid4().hex}.{instance.extension}"


class PrivateFile(models.Model):
    """A file checked by its content and stored privately, served only by permission-checked
    views. Written by `registry.uploads.store_private_file`."""

    storage_folder = "files"

    file = models.FileField(_("文件"), upload_to=_private_path, storage=private_storage, max_length=200)
    original_name = models.CharField(_("原文件名"), max_length=200)
    content_type = models.CharField(_("文件类型"), max_length=100)
    extension = models.CharField(_("扩展名"), max_length=8)
    size = models.PositiveIntegerField(_("大小（字节）"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["uploaded_at", "pk"]
