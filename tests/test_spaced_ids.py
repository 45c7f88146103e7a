"""The matcher of ids with spaces around them that the OneRoster readers share."""

from __future__ import annotations

from rostergraph.io.spaced_ids import SpacedIds


def test_a_cell_names_itself_then_its_stripped_form_then_a_padded_id() -> None:
    """Exact ids win over a match ignoring spaces; a padded id is found from its plain
    spelling and from another padding; nothing matches an id of no pool."""
    named = SpacedIds([{"a": 1, " b ": 2}, {"c", " a"}])
    assert named("a") == "a"  # (itself, though " a" is an id too)
    assert named(" a") == " a"
    assert named("  a  ") == "a"
    assert named("b") == " b " and named("b  ") == " b "
    assert named(" c") == "c"
    assert named("d") is None and named("") is None


def test_ids_added_to_a_pool_after_a_lookup_are_found() -> None:
    """A reader's ids grow while it reads (they are never taken out): the index of padded
    ids is built again once a pool has grown."""
    ids: dict[str, int] = {" w": 0}
    named = SpacedIds([ids])
    assert named("x") is None and named("w") == " w"
    ids[" x "] = 1
    assert named("x") == " x " and named("w") == " w"
