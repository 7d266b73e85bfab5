"""Checks run on every page a journey visits, and optional screenshots of every step.

A `Journey` wraps one signed-in (or signed-out) page. Call `journey.step("what happened")`
after each user action that shows a new page or changes one; the step:

- saves a screenshot when DIRECTORY_SCREENSHOTS names a folder
  (`<folder>/<test>-<viewport>-<nn>-<step>.png`, the whole page);
- at phone width, checks that nothing is wider than the screen
  (`document.scrollingElement.scrollWidth <= innerWidth`);
- checks that the browser logged no console error since the previous step (a CSP
  violation, a 404 favicon, a JavaScript exception are all console errors);
- runs axe-core (vendored from npm in vendor/axe-core) and records every serious or
  critical violation;
- on an English page, records interface text holding a full-width colon "：" or a "、" (what people
  wrote themselves, such as posts and bios, is skipped).

Problems are collected, not raised one by one, so one run tells everything wrong with a
journey; `journey.finish()` raises at the end of the test. Problems that only styling can
fix (overflow, colour contrast) raise `StylingProblem`, so a journey waiting for another
branch's stylesheet can be marked `xfail(raises=StylingProblem, strict=True)` while any
other problem still fails it.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
AXE_SOURCE = (HERE / "vendor" / "axe-core" / "axe.min.js").read_text(encoding="utf-8")
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
VIEWPORTS = {"phone": PHONE, "desktop": DESKTOP}
# Impacts that fail a page; "moderate" and "minor" are reported by axe but tolerated.
FAILING_IMPACTS = {"serious", "critical"}
STYLING_RULES = {"color-contrast"}

_RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ') + ' :: ' + (n.failureSummary || '')),
  }));
}"""

_OVERFLOW = """() => {
  const el = document.scrollingElement;
  const wide = [];
  if (el.scrollWidth > window.innerWidth) {
    for (const node of document.querySelectorAll('body *')) {
      const r = node.getBoundingClientRect();
      if (r.right > window.innerWidth + 1 && r.width > 0) {
        wide.push(node.tagName.toLowerCase() + (node.id ? '#' + node.id : '') +
          (node.className && typeof node.className === 'string'
            ? '.' + node.className.trim().split(/\\s+/).join('.') : '') +
          ' right=' + Math.round(r.right));
        if (wide.length >= 5) break;
      }
    }
  }
  return {scrollWidth: el.scrollWidth, innerWidth: window.innerWidth, wide};
}"""


# In English, interface text with a full-width colon "：" or an enumeration comma "、" is a
# Chinese habit left behind (issue 10). What people wrote themselves (posts, bios, names) is
# theirs and is skipped, and so is `.stored-text`: notifications written before they were
# stored as a message id and values (migration 0013) are shown as they were sent; newer ones
# are rendered in the reader's language and checked like the rest of the page.
_FULL_WIDTH_IN_ENGLISH = """() => {
  if (!(document.documentElement.lang || '').startsWith('en')) return [];
  const theirs = 'textarea, input, select, script, style, [lang]:not(html), .post-body, .bio, .stored-text';
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode() && found.length < 5) {
    const node = walker.currentNode;
    const el = node.parentElement;
    if (!el || el.closest(theirs) || !el.checkVisibility()) continue;
    if (/[\uff1a\u3001]/.test(node.data)) found.push(node.data.trim().slice(0, 80));
  }
  return found;
}"""

_EXPECTED_STATUS = re.compile(r"^Failed to load resource: .*status of 422 \(")


class PageProblem(AssertionError):
    """A journey visited a page that failed a check other than styling."""


class StylingProblem(AssertionError):
    """The only problems found are ones a stylesheet fixes (overflow, colour contrast)."""


@dataclass
class Problem:
    step: str
    url: str
    kind: str  # "overflow" | "console" | "axe:<rule>"
    detail: str

    @property
    def styling(self) -> bool:
        return self.kind == "overflow" or self.kind.removeprefix("axe:") in STYLING_RULES

    def __str__(self) -> str:
        return f"[{self.step}] {self.url} {self.kind}: {self.detail}"


@dataclass
class Journey:
    """One page driven through a journey, checked at every step."""

    page: Any
    name: str
    viewport: str
    shots: Path | None = None
    problems: list[Problem] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    steps: int = 0
    pages_checked: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.page.on("console", self._on_console)
        self.page.on("pageerror", lambda exc: self.console.append(f"pageerror: {exc}"))

    def _on_console(self, msg: Any) -> None:
        # An invalid form answers 422 with the form and its messages (docs/ARCHITECTURE:
        # htmx swaps it); Chromium logs every 4xx as a failed resource, so only that one
        # status is expected. Any other failed load (a 404 favicon, a 500) still counts.
        if msg.type == "error" and not _EXPECTED_STATUS.search(msg.text):
            where = msg.location.get("url", "") if msg.location else ""
            self.console.append(f"{msg.text} ({where})")

    def step(self, label: str, *, axe: bool = True) -> None:
        """Check the page as it is now (and screenshot it when asked)."""
        page = self.page
        page.wait_for_load_state("load")
        # Let htmx finish swapping before judging the page.
        page.wait_for_function(
            "() => !document.querySelector('.htmx-request')"
            " && document.getAnimations().every(a => a.playState !== 'running')"
        )
        self.steps += 1
        url = re.sub(r"^https?://[^/]+", "", page.url)
        self.pages_checked.append(url)
        if self.shots is not None:
            self.shots.mkdir(parents=True, exist_ok=True)
            slug = re.sub(r"[^\w.-]+", "_", label)[:60]
            path = self.shots / f"{self.name}-{self.viewport}-{self.steps:02d}-{slug}.png"
            page.screenshot(path=str(path), full_page=True, caret="initial")
        if self.viewport == "phone":
            width = page.evaluate(_OVERFLOW)
            if width["scrollWidth"] > width["innerWidth"]:
                detail = (
                    f"scrollWidth {width['scrollWidth']} > {width['innerWidth']}: "
                    + ", ".join(width["wide"])
                )
                self.problems.append(Problem(label, url, "overflow", detail))
        for text in self.console:
            self.problems.append(Problem(label, url, "console", text))
        for text in page.evaluate(_FULL_WIDTH_IN_ENGLISH):
            self.problems.append(
                Problem(label, url, "english", f"full-width colon or 、 in {text!r}")
            )
        self.console.clear()
        if axe:
            for v in self.axe():
                if v["impact"] in FAILING_IMPACTS:
                    detail = f"{v['impact']} {v['help']}: " + " | ".join(
                        n.replace("Fix any of the following:\n", "")[:240] for n in v["nodes"]
                    )
                    self.problems.append(Problem(label, url, f"axe:{v['id']}", detail))

    def axe(self) -> list[dict[str, Any]]:
        """axe-core's violations on the page as it is now (all impacts)."""
        # Evaluated through the DevTools protocol, which the page's CSP does not govern;
        # a <script> tag would be refused by script-src 'self'.
        if not self.page.evaluate("() => typeof window.axe !== 'undefined'"):
            self.page.evaluate(AXE_SOURCE + "\n;true")
        return list(self.page.evaluate(_RUN_AXE))

    def finish(self) -> None:
        """Raise if any checked page had a problem (StylingProblem if only styling ones)."""
        if not self.problems:
            return
        text = f"{len(self.problems)} problem(s) on {self.name} ({self.viewport}):\n" + "\n".join(
            str(p) for p in self.problems
        )
        if all(p.styling for p in self.problems):
            raise StylingProblem(text)
        raise PageProblem(text)


def screenshot_dir() -> Path | None:
    """The folder named by DIRECTORY_SCREENSHOTS, if set."""
    value = os.environ.get("DIRECTORY_SCREENSHOTS", "").strip()
    return Path(value).resolve() if value else None
