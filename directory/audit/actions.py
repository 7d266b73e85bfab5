"""The audit actions, with the words the audit page shows for each."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

ACTIONS = {
    "auth.sign_in": _l("登录"),
    "contact.reveal": _l("查看联系方式"),
    "account.create": _l("创建账号"),
    "account.reset": _l("重置密码"),
    "account.activate": _l("启用账号"),
    "account.deactivate": _l("停用账号"),
    "account.admin_grant": _l("授予系统管理员"),
    "account.admin_revoke": _l("撤销系统管理员"),
    "org.admin_add": _l("任命组织管理员"),
    "org.admin_remove": _l("撤销组织管理员"),
    "claim.confirm": _l("确认职务申报"),
    "claim.reject": _l("驳回职务申报"),
    "transfer": _l("组织关系转接"),
    "group.create": _l("创建群组"),
    "group.edit": _l("修改群组"),
    "group.delete": _l("删除话题或回帖"),
    "group.edit_post": _l("修改回帖"),
    "group.invite": _l("邀请入群"),
    "group.hide": _l("隐藏回帖"),
    "group.restore": _l("恢复回帖"),
    "group.pin": _l("置顶话题"),
    "group.unpin": _l("取消置顶"),
    "group.lock": _l("锁定话题"),
    "group.unlock": _l("解锁话题"),
    "group.report_hidden": _l("举报成立并隐藏"),
    "group.report_dismissed": _l("驳回举报"),
    "group.remove": _l("移出成员"),
    "group.ban": _l("禁止入群"),
    "group.unban": _l("解除禁止"),
    "group.appoint": _l("任命群管理员"),
    "group.demote": _l("撤销群管理员"),
    "group.hand_over": _l("移交群组"),
    "roster.export": _l("导出花名册"),
    "roster.import": _l("导入花名册"),
    "liaison.assign": _l("安排定点联系"),
    "liaison.end": _l("结束定点联系"),
}


def label(action: str) -> str:
    """The words for an action (the action itself when unknown)."""
    found = ACTIONS.get(action)
    return str(found) if found is not None else action
