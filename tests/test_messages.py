"""The engine's coded messages (engine/messages.py): one registry of English, a Chinese text for every
code with the same placeholders, rendering in both languages, the English fallback, and
docs/messages.md showing both side by side (issue 16)."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from engine.messages import EngineMessage, english, message, placeholders, register, registered
from tui.i18n import set_language, tables
from tui.messages import DOCS, docs_markdown, message_text, text_of

SAMPLE = {"int": 3, "float": 2.5, "str": "x", "list": ["a", "b"]}


def sample_params(template: str) -> dict:
    """A value for every placeholder of a template: numbers where a format spec wants one."""
    out = {}
    for name, spec in placeholders(template):
        out[name] = 1234.5 if spec and spec[-1:] in "fe%" else 1234 if spec else "«" + name + "»"
    return out


@pytest.fixture
def zh():
    set_language("zh")
    yield
    set_language("en")


def test_a_code_not_registered_yet_imports_only_its_own_domain():
    # engine.messages.template() imports the modules DOMAIN_HOMES names for the code's domain; every domain's
    # codes must then be found without the import of every domain (load_all), in a process that imported nothing.
    from engine.messages import DOMAIN_HOMES, DOMAIN_MODULES, domain
    codes: dict[str, list[str]] = {}
    for code in registered():
        codes.setdefault(domain(code), []).append(code)
    assert set(codes) == set(DOMAIN_HOMES) and {m for ms in DOMAIN_HOMES.values() for m in ms} == set(DOMAIN_MODULES)
    script = (
        "import sys, json, engine.messages as M\n"
        "def refuse(): raise AssertionError('load_all')\n"
        "M.load_all = refuse\n"
        "codes = json.loads(sys.argv[1])\n"
        "[M.english(c, None) if not M.placeholders(M.template(c)) else M.template(c) for c in codes]\n"
        "print(sorted(m for m in sys.modules if m.endswith('_messages')))\n")
    for name, domain_codes in codes.items():
        p = subprocess.run([sys.executable, "-c", script, json.dumps(domain_codes)], capture_output=True, text=True)
        assert p.returncode == 0, (name, p.stderr[-600:])
        loaded = set(eval(p.stdout))   # only the domain's own modules (and what they import)
        assert "engine.load_messages" not in loaded or name == "load", (name, loaded)


def test_every_registered_code_has_chinese_with_the_same_placeholders():
    codes = registered()
    assert {c.split(".")[0] for c in codes} >= {"lint", "config"}
    zh_table = tables()["zh"]
    missing = [c for c in codes if not zh_table.get(c, "").strip()]
    assert not missing, f"no Chinese for {missing}"
    mismatched = {c: (placeholders(e), placeholders(zh_table[c])) for c, e in codes.items()
                  if placeholders(e) != placeholders(zh_table[c])}
    assert not mismatched, mismatched
    # and the TUI's English is the registry's, not a copy that could drift
    assert all(tables()["en"][c] == e for c, e in codes.items())


def test_every_code_renders_in_both_languages(zh):
    for code, template in registered().items():
        params = sample_params(template)
        msg = message(code, **params)
        assert msg.text == english(code, params)
        assert not any("{" + name in msg.text for name, _ in placeholders(template)), code
        chinese = message_text(code, params, msg.text)
        assert chinese != msg.text or not any(ord(ch) > 0x2e80 for ch in tables()["zh"][code]), code
        for name, spec in placeholders(template):
            shown = format(params[name], spec)
            assert shown in msg.text, (code, shown)
            assert shown in chinese, (code, shown)


def test_lists_are_joined_and_the_dict_form_round_trips(zh):
    msg = message("config.extra_forbidden.suggest", field="lora.rr", suggestion="r", allowed=["r", "alpha"],
                  loc=["lora", "rr"], type="extra_forbidden", value="8")
    assert msg.text == "lora.rr: unknown key (did you mean 'r'?); allowed keys: r, alpha"
    data = json.loads(json.dumps(msg.to_dict()))
    assert data["code"] == "config.extra_forbidden.suggest" and data["params"]["allowed"] == ["r", "alpha"]
    assert EngineMessage.from_dict(data) == msg
    assert text_of(data) == "lora.rr: 未知的键（是不是想写 'r'？）；可用的键：r、alpha"   # Chinese enumerates with 、
    set_language("en")
    assert text_of(data) == msg.text


def test_unknown_codes_and_params_that_do_not_fit_fall_back_to_english(zh):
    assert message_text("lint.no-such-code", {"n": 1}, "the English text") == "the English text"
    # a message from another tunewiz version whose params do not fit today's template
    assert message_text("config.greater_than", {"field": "epochs"}, "epochs: too small") == "epochs: too small"
    assert message_text("lint.no-such-code", {}, None) == "lint.no-such-code"


def test_a_code_cannot_get_two_english_texts(monkeypatch):
    import engine.messages
    monkeypatch.setattr(engine.messages, "_registry", dict(registered()))   # keep the test's codes out of the real one
    register({"test.same": "one {x}"})
    register({"test.same": "one {x}"})     # the same again: harmless
    with pytest.raises(ValueError):
        register({"test.same": "another {x}"})
    with pytest.raises(ValueError):
        register({"nodomain": "text"})


def test_docs_show_english_and_chinese_side_by_side_and_are_current():
    text = DOCS.read_text(encoding="utf-8")
    assert text == docs_markdown(), "docs/messages.md is out of date: run python -m tui.messages --write-docs"
    assert "| `config.missing` | {field}: required | {field}: 必填 |" in text
    check = subprocess.run([sys.executable, "-m", "tui.messages", "--check"], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
