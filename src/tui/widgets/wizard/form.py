"""One editable RunConfig field: its key, an editor (a text input, or a choice list for literals
and booleans) and the validation message under it."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label, Select, Static


@dataclass(frozen=True)
class FieldSpec:
    key: str                              # dotted: "epochs", "lora.r", "data.path"
    kind: str                             # text | choice | bool | list
    choices: tuple[str, ...] = ()
    optional: bool = False                # None is allowed (an empty input means None)
    is_str: bool = False                  # the text is the value (no YAML scalar parsing)
    default: Any = None
    help: str = ""

    @property
    def widget_id(self) -> str:
        return "wzf-" + self.key.replace(".", "-").replace("_", "-")


class FieldRow(Vertical):
    """`value` is always text: what the user typed, the chosen literal, or "true"/"false"."""

    def __init__(self, spec: FieldSpec, value: str, placeholder: str = "") -> None:
        super().__init__(classes="wz-form-row")
        self.spec = spec
        self.initial = value
        self.placeholder = placeholder

    def compose(self) -> ComposeResult:
        spec = self.spec
        with Horizontal():
            yield Label(spec.key, classes="wz-form-key")
            if spec.kind in ("choice", "bool"):
                options = [(c, c) for c in (spec.choices if spec.kind == "choice" else ("true", "false"))]
                value = self.initial if self.initial in [o[1] for o in options] else options[0][1]
                yield Select(options, value=value, allow_blank=False, compact=True, id=spec.widget_id)
            else:
                yield Input(self.initial, placeholder=self.placeholder, compact=True, id=spec.widget_id,
                            select_on_focus=False)
        message = Static("", classes="wz-form-error", markup=False)
        message.display = False
        yield message

    @property
    def value(self) -> str:
        editor = self.query_one(f"#{self.spec.widget_id}")
        if isinstance(editor, Select):
            return "" if editor.value is Select.BLANK else str(editor.value)
        return editor.value  # type: ignore[union-attr]

    @value.setter
    def value(self, text: str) -> None:
        editor = self.query_one(f"#{self.spec.widget_id}")
        if isinstance(editor, Select):
            editor.value = text
        else:
            editor.value = text  # type: ignore[union-attr]

    def focus_editor(self) -> None:
        self.query_one(f"#{self.spec.widget_id}").focus()

    def set_message(self, text: str | None, kind: str = "error") -> None:
        message = self.query_one(".wz-form-error", Static)
        message.update(text or "")
        message.display = bool(text)
        self.set_class(bool(text) and kind == "error", "-invalid")
        self.set_class(bool(text) and kind == "warning", "-warning")
