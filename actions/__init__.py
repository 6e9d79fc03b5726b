"""The use-case layer: the operations the chat, the scheduled jobs, the CLI and a web dashboard
share, each decided and written in one place.

Handlers parse and reply; actions decide and write, through the storage bound to the unit of
work they are given, and queue the messages to *other* people (invitations, "a place opened
up", notices) in each reader's own language. They return small frozen results that the caller
turns into its own reply. What an action may use is :class:`ActionContext`; who may do what is
:mod:`actions.permissions`.

| module | operations |
|---|---|
| ``calls`` | post, join, decline, change, invite more, close and cancel a call; its texts |
| ``invitations`` | invite the best-fitting members, the invitation message |
| ``pledges`` | make, mark done, record hours, reschedule, withdraw, lapse; a place reopened |
| ``roles``, ``cells`` | set a role; link a group chat to a cell, add a cell, move a member |
| ``members`` | import checked CSV rows; a member's own language |
| ``lessons`` | add lesson notes (one, or an import), change one |
| ``questions`` | put aside a help question nobody could answer |
| ``privacy`` | export a member's data; forget a member |
| ``digests``, ``retention`` | the weekly and monthly digests; pruning old traces |
| ``reach`` | who can be written to now, and the link for who cannot |
| ``buttons`` | every button payload, typed |
"""

from actions.context import ActionContext
from actions.permissions import Permission, allowed, require

__all__ = ["ActionContext", "Permission", "allowed", "require"]
