"""A long file name keeps its extension when it is cut to the column's 255 characters."""

from types import SimpleNamespace

from portal.files import original_name


def named(name):
    return SimpleNamespace(name=name)


def test_a_short_name_is_kept_as_it_is():
    assert original_name(named("检测报告.pdf")) == "检测报告.pdf"


def test_a_long_name_loses_the_end_of_its_stem_not_its_extension():
    name = "r" * 300 + ".pdf"
    kept = original_name(named(name))
    assert len(kept) == 255
    assert kept.endswith("r.pdf")


def test_a_long_name_without_an_extension_is_cut():
    assert original_name(named("x" * 300)) == "x" * 255


def test_what_follows_a_dot_far_from_the_end_is_no_extension():
    name = "report." + "y" * 300
    assert original_name(named(name)) == name[:255]
