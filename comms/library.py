"""The shared library: folders of documents, each with the audience that may see it and
every version kept (who uploaded it and when)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max

from accounts import permissions as perms
from audit.services import audit_record
from comms.models import Folder, Resource, ResourceVersion
from comms.selectors import recipients
from comms.services import CommsError, addressed_audit, addressed_write
from kernel.documents import DocumentError, check_document, keep
from registry.models import Network


def may_see(user, resource: Resource) -> bool:

    return perms.can_send_bulletins(user, resource.sender) or user.pk in recipients(resource)


def visible(user, resources):
    return [r for r in resources if may_see(user, r)]


def folder_add(sender, name: str, *, by) -> Folder:

    if not name.strip():
        raise CommsError("Name the folder", field="name")
    owner = {"network": sender} if isinstance(sender, Network) else {"federation": sender}
    with transaction.atomic():
        folder = Folder.objects.create(name=name.strip(), **owner)
        audit_record(
            by=by,
            action="comms.library.folder",
            obj=folder,
            after={"name": name},
            federation=folder.federation,
            network=folder.network,
        )
    return folder


def _checked(file_name: str, data: bytes) -> str:
    try:
        safe_name, _type = check_document(file_name, data, door="library")
    except DocumentError as error:
        raise CommsError(str(error), field="file") from None
    return safe_name


def _keep_version(resource: Resource, *, safe_name: str, data: bytes, note: str, by):
    number = (resource.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = ResourceVersion(resource=resource, number=number, note=note, uploaded_by=by)
    keep(version, file_name=safe_name, data=data).save()
    return version


def _version_fields(version: ResourceVersion) -> dict:
    return {"version": version.number, "file": version.file_name, "sha256": version.sha256}


def version_add(resource: Resource, *, file_name: str, data: bytes, note: str, by):
    """A new version of a document: checked (kind, content, NHS numbers) before it is kept."""
    safe_name = _checked(file_name, data)
    with transaction.atomic():
        version = _keep_version(resource, safe_name=safe_name, data=data, note=note, by=by)
        resource.updated_by = by
        resource.save(update_fields=["updated_by", "updated_at"])
        audit_record(
            by=by,
            action="comms.library.version",
            obj=resource,
            after=_version_fields(version),
            federation=resource.federation,
            network=resource.network,
        )
    return version


DOCUMENT_FIELDS = ["title", "description", "folder"]


def resource_add(resource: Resource, *, file_name: str, data: bytes, by, audience=None):
    """A new document with its first version, checked before anything is kept: one audit
    record of what it is, who may see it and the file."""
    safe_name = _checked(file_name, data)
    with transaction.atomic():
        resource.updated_by = by
        _before, after = addressed_write(resource, fields=DOCUMENT_FIELDS, audience=audience)
        version = _keep_version(
            resource, safe_name=safe_name, data=data, note="First version", by=by
        )
        addressed_audit(
            resource,
            by=by,
            action="comms.library.document",
            before=None,
            after={**after, **_version_fields(version)},
        )
    return resource
