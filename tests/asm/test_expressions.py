"""asar math: tokenizing, both evaluation orders, widths (getlen) and errors."""

from __future__ import annotations

import pytest

from triforce.asm import assemble
from triforce.asm import expr as X


class _Env:
    def __init__(self):
        self.labels = {"Lab": 0x8123, "Far": 0x7E0010}

    def label(self, name):
        return self.labels[name]

    def label_len(self, name):
        return 2 if name in self.labels and self.labels[name] >> 16 == 0 else 3

    def call(self, name, args, scope):
        raise AssertionError("no calls here")

    def char(self, c):
        return ord(c)


def ev(text, pri=False):
    return X.evaluate(X.parse(text, pri), _Env())


@pytest.mark.parametrize("text, left_to_right, precedence", [
    ("2+3*4", 20, 14),
    ("1+2<<3", 24, 24),
    ("1<<2+3", 7, 32),
    ("10-2-3", 5, 5),
    ("2*3+4*5", 50, 26),
    ("$10|$01&$0F", 1, 1),
    ("1|2*4", 12, 9),
    ("(2+3)*4", 20, 20),
    ("2**3*2", 16, 16),
])
def test_orders(text, left_to_right, precedence):
    assert ev(text) == left_to_right
    assert ev(text, pri=True) == precedence


@pytest.mark.parametrize("text, value", [
    ("$FF", 255), ("%1010", 10), ("'A'", 65), ("-1", -1), ("~0", -1), ("<:$7E1234", 0x7E),
    ("Lab", 0x8123), ("Far>>16", 0x7E), ("7/2", 3.5), ("7%4", 3), ("1 == 1", 1), ("2 < 1", 0),
    ("1 && 0", 0), ("0 || 3", 1), ("!0", 1), ("1.5*2", 3.0),
])
def test_values(text, value):
    assert ev(text, pri=True) == value


def test_percent_is_binary_or_modulo_by_position():
    assert [t.kind for t in X.tokenize("%101%%11")] == ["bin", "op", "bin"]
    assert ev("%101%%11") == 5 % 3


@pytest.mark.parametrize("text, bank, width", [
    ("$12", False, 1), ("$0012", False, 2), ("$000012", False, 3), ("$123", False, 2),
    ("255", False, 1), ("256", False, 2), ("65536", False, 3), ("%111111111", False, 2),
    ("Lab", False, 2), ("Far", False, 3), ("Lab>>16", True, 1), ("Far/65536", True, 1),
    ("Lab>>16", False, 2), ("$12+Far", False, 3),
])
def test_get_len(text, bank, width):
    assert X.get_len(text, _Env(), bank) == width


@pytest.mark.parametrize("text, code", [
    ("", "A115"), ("(1+2", "A116"), ("1+", "A115"), ("1/0", "A120"), ("1%0", "A121"),
    ("1 @ 2", "A113"), ("$", "A110"), ("'ab'", "A111"), ("1 2", "A117"), ("1<<-1", "A122"),
])
def test_errors(text, code):
    with pytest.raises(X.ExprError) as info:
        ev(text, pri=True)
    assert info.value.code == code


def test_format_number():
    assert X.format_number(3) == "3"
    assert X.format_number(3.0) == "3"
    assert X.format_number(2.5) == "2.5"


def test_define_math_uses_current_order():
    r = assemble("org $008000\n!a #= 2+3*4\nmath pri on\n!b #= 2+3*4\ndb !a, !b\n")
    assert r.data == bytes((20, 14))


def test_labels_in_freespace_are_long_and_forward_labels_settle():
    src = "org $008000\nlda Later\nlda.w Later\nLater:\nrts\n"
    r = assemble(src)
    assert r.ok and r.data == bytes.fromhex("AD 06 80 AD 06 80 60")


def test_asar_version_header_picks_the_math_order():
    for version, value in (("1.9", 14), ("1.91", 14), ("1.81", 20)):
        r = assemble(f"asar {version}\norg $008000\ndb 2+3*4\n")
        assert r.ok and r.data == bytes((value,)), version
    r = assemble("asar 2.0\norg $008000\n")
    assert [d.code for d in r.diagnostics] == ["A715"]
