"""The audit actions, with the words the audit page shows for each.

Each is the name of something that happened ("Roster exported"), so it has the context
"audit action": the same Chinese text elsewhere is an action to take ("Export a roster").
"""

from __future__ import annotations

from flask_babel import lazy_pgettext

ACTIONS = {
    "auth.sign_in": lazy_pgettext("audit action", "登录"),
    "contact.reveal": lazy_pgettext("audit action", "查看联系方式"),
    "account.create": lazy_pgettext("audit action", "创建账号"),
    "account.reset": lazy_pgettext("audit action", "重置密码"),
    "account.activate": lazy_pgettext("audit action", "启用账号"),
    "account.deactivate": lazy_pgettext("audit action", "停用账号"),
    "account.admin_grant": lazy_pgettext("audit action", "授予系统管理员"),
    "account.admin_revoke": lazy_pgettext("audit action", "撤销系统管理员"),
    "org.admin_add": lazy_pgettext("audit action", "任命组织管理员"),
    "org.admin_remove": lazy_pgettext("audit action", "撤销组织管理员"),
    "claim.confirm": lazy_pgettext("audit action", "确认职务申报"),
    "claim.reject": lazy_pgettext("audit action", "驳回职务申报"),
    "transfer": lazy_pgettext("audit action", "组织关系转接"),
    "group.create": lazy_pgettext("audit action", "创建群组"),
    "group.edit": lazy_pgettext("audit action", "修改群组"),
    "group.delete": lazy_pgettext("audit action", "删除话题或回帖"),
    "group.edit_post": lazy_pgettext("audit action", "修改回帖"),
    "group.invite": lazy_pgettext("audit action", "邀请入群"),
    "group.hide": lazy_pgettext("audit action", "隐藏回帖"),
    "group.restore": lazy_pgettext("audit action", "恢复回帖"),
    "group.pin": lazy_pgettext("audit action", "置顶话题"),
    "group.unpin": lazy_pgettext("audit action", "取消置顶"),
    "group.lock": lazy_pgettext("audit action", "锁定话题"),
    "group.unlock": lazy_pgettext("audit action", "解锁话题"),
    "group.report_hidden": lazy_pgettext("audit action", "举报成立并隐藏"),
    "group.report_dismissed": lazy_pgettext("audit action", "驳回举报"),
    "group.remove": lazy_pgettext("audit action", "移出成员"),
    "group.ban": lazy_pgettext("audit action", "禁止入群"),
    "group.unban": lazy_pgettext("audit action", "解除禁止"),
    "group.appoint": lazy_pgettext("audit action", "任命群管理员"),
    "group.demote": lazy_pgettext("audit action", "撤销群管理员"),
    "group.hand_over": lazy_pgettext("audit action", "移交群组"),
    "roster.export": lazy_pgettext("audit action", "导出花名册"),
    "roster.import": lazy_pgettext("audit action", "导入花名册"),
    "liaison.assign": lazy_pgettext("audit action", "安排定点联系"),
    "liaison.end": lazy_pgettext("audit action", "结束定点联系"),
}


def label(action: str) -> str:
    """The words for an action (the action itself when unknown)."""
    found = ACTIONS.get(action)
    return str(found) if found is not None else action
