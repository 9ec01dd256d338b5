#!/usr/bin/env python3
"""git merge driver for gettext catalogs: a three-way union of both sides' messages.

    po_union.py %O %A %B   -> writes the merged catalog to %A, exit 0

Enabled per clone by `make merge-driver` (.gitattributes names it for the catalogs); without
it git merges the catalogs as plain text.

Per message: a side that changed the translation since the base wins; when both changed it,
ours (%A) wins. Messages only one side has are kept. Run `make extract` after the merge.
"""
import sys

from babel.messages.pofile import read_po, write_po


def load(path):
    with open(path, "rb") as f:
        return read_po(f, abort_invalid=False)


def text(msg):
    return None if msg is None else msg.string


def main():
    base_p, ours_p, theirs_p = sys.argv[1:4]
    try:
        base = load(base_p)
    except Exception:
        base = None
    ours, theirs = load(ours_p), load(theirs_p)
    for msg in theirs:
        if not msg.id:
            continue
        mine = ours.get(msg.id, msg.context)
        old = base.get(msg.id, msg.context) if base is not None else None
        if mine is None:
            ours[msg.id] = msg
        else:
            untranslated = not (mine.string if isinstance(mine.string, str)
                                else any(mine.string))
            only_theirs_changed = text(mine) == text(old) and text(msg) != text(old)
            if untranslated or (only_theirs_changed and msg.string):
                mine.string = msg.string
    with open(ours_p, "wb") as f:
        write_po(f, ours, sort_output=True, omit_header=False, width=100)
    return 0


if __name__ == "__main__":
    sys.exit(main())
