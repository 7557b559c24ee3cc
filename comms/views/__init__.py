"""Pages for bulletins, events and the shared library. One module per section:

- ``_shared``: the federation or network named in the address that a person sends,
  organises or keeps a library for, and its kind there;
- ``bulletins``: the inbox, reading one, writing, sending (after a page that confirms it) and
  correcting them, their images and files, the sender's archive with read rates, its email
  settings (reply-to), email preferences, and a directory contact's unsubscribe link;
- ``event_pages``: events, registering and the waiting list, changing and cancelling one,
  attendance, materials;
- ``library_pages``: the shared library, a document's versions, adding documents and folders.

Every view is importable from here (``comms.views.inbox``), as ``comms/urls.py`` uses them.
"""

from comms.views.bulletins import (
    archive,
    bulletin_correct,
    bulletin_detail,
    bulletin_edit,
    bulletin_file,
    bulletin_file_add,
    bulletin_file_remove,
    bulletin_new,
    bulletin_send,
    inbox,
    mail_settings,
    preferences,
    unsubscribe,
)
from comms.views.event_pages import (
    event_cancel,
    event_detail,
    event_edit,
    event_list,
    event_new,
    material_add,
    material_download,
)
from comms.views.library_pages import (
    library_index,
    resource_detail,
    resource_download,
    resource_new,
)

__all__ = [
    "archive",
    "bulletin_correct",
    "bulletin_detail",
    "bulletin_edit",
    "bulletin_file",
    "bulletin_file_add",
    "bulletin_file_remove",
    "bulletin_new",
    "bulletin_send",
    "event_cancel",
    "event_detail",
    "event_edit",
    "event_list",
    "event_new",
    "inbox",
    "library_index",
    "mail_settings",
    "material_add",
    "material_download",
    "preferences",
    "resource_detail",
    "resource_download",
    "resource_new",
    "unsubscribe",
]
