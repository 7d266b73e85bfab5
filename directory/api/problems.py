"""Errors as RFC 9457 problem details (`application/problem+json`), in the caller's language."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, request
from flask_babel import gettext as _
from pydantic import BaseModel, Field

PROBLEM_TYPE = "application/problem+json"


class FieldProblem(BaseModel):
    """One invalid input: where it is and what is wrong with it."""

    field: str
    message: str


class Problem(BaseModel):
    """RFC 9457 problem details; `errors` lists invalid fields when there are any."""

    type: str = Field("about:blank", description="A URI naming the kind of problem")
    title: str = Field(description="A short summary of the kind of problem")
    status: int = Field(ge=400, le=599)
    detail: str = Field("", description="What went wrong this time, in the caller's language")
    instance: str = Field("", description="The request path")
    errors: list[FieldProblem] = Field(default_factory=list)


def _titles() -> dict[int, str]:
    return {
        400: _("请求有误。"),
        401: _("需要有效的访问令牌或登录会话。"),
        403: _("你没有权限执行此操作。"),
        404: _("请求的资源不存在，或你无权查看。"),
        405: _("不支持该请求方式。"),
        409: _("状态已变化，请求未执行。"),
        412: _("资源已被修改。"),
        413: _("上传的内容太大。"),
        415: _("请以 JSON 格式提交。"),
        422: _("提交的内容有误。"),
        429: _("请求过于频繁，请稍后再试。"),
        500: _("服务器出错了，我们已记录此问题。"),
    }


class ApiProblem(Exception):
    """Raised inside API code to answer with a problem document."""

    def __init__(
        self,
        status: int,
        detail: str = "",
        errors: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.errors = errors or []
        self.headers = headers or {}


def problem(
    status: int,
    detail: str = "",
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """A problem+json response."""
    titles = _titles()
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": titles.get(status, titles[400 if status < 500 else 500]),
        "status": status,
        "detail": detail or titles.get(status, ""),
        "instance": request.path,
        "errors": errors or [],
    }
    response = current_app.response_class(
        current_app.json.dumps(body, ensure_ascii=False), status=status, mimetype=PROBLEM_TYPE
    )
    for key, value in (headers or {}).items():
        response.headers[key] = value
    if status == 401:
        response.headers.setdefault("WWW-Authenticate", 'Bearer realm="api"')
    return response
