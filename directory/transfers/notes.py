"""Audit notes the system writes: stored in Chinese, shown in the reader's language.

A note typed by a person is kept and shown as written. A note the system writes (an
automatic approval, a reminder) is stored as its Chinese message id with its values filled
in, whatever the language of whoever triggered it, and translated when it is shown.
"""

from __future__ import annotations

import re

from flask_babel import gettext as _

AUTO_APPROVED = "由转出组织管理员发起，视为转出审批通过。"
REMINDED = "已等待 %(n)d 天，已提醒“%(org)s”的管理员。"
_REMINDED = re.compile(r"^已等待 (\d+) 天，已提醒“(.*)”的管理员。$", re.S)


def reminded(days: int, org: str) -> str:
    """The stored note of a reminder."""
    return REMINDED % {"n": days, "org": org}


def shown(note: str) -> str:
    """A stored note in the reader's language."""
    if note == AUTO_APPROVED:
        return _(AUTO_APPROVED)
    match = _REMINDED.match(note)
    if match:
        return _(REMINDED, n=int(match[1]), org=match[2])
    return note
