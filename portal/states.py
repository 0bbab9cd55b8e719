"""The one check every status change goes through.

Each model with a status writes its legal edges once, as `TRANSITIONS = {from: {to, ...}}`;
services call `check_transition` before they assign the new status, and the tests walk the
same dicts, so the dict is the state machine rather than documentation of it.
"""

from django.utils.translation import gettext as _

from portal.errors import InvalidTransition


def check_transition(obj, to_status: str) -> str:
    """Refuse an edge that `type(obj).TRANSITIONS` does not list; return the current status.

    `obj` should be the row as locked by the caller, so the check and the write see the same
    state.
    """
    if to_status not in type(obj).TRANSITIONS.get(obj.status, set()):
        status_field = type(obj)._meta.get_field("status")
        labels = dict(status_field.flatchoices)
        names = {
            "status": str(labels.get(obj.status, obj.status)).lower(),
            "to": str(labels.get(to_status, to_status)).lower(),
        }
        if obj.status == to_status:  # a second click, a second official, a retry
            raise InvalidTransition(_("This is already %(status)s.") % names)
        raise InvalidTransition(_("This is %(status)s and cannot become %(to)s.") % names)
    return obj.status
