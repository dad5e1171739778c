"""``casework room``: open, close, export and list seminar rooms from the host's command line.

The command uses the same journey store as the server on this host (``$CASEWORK_DATA_DIR`` or
``$CASEWORK_DATABASE_URL``, as ``casework serve`` does), so a room opened here is the room the
course's pages join.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from casework.rooms.codes import display_code, normalise_code
from casework.rooms.links import learner_link, server_page, tutor_address

if TYPE_CHECKING:
    from casework.rooms.store import RoomStore

#: Hours a room stays open by default (as ``casework.rooms.store.DEFAULT_HOURS``; the command
#: line does not load the store until it runs).
HOURS = 3.0


def add_parser(commands: Any) -> None:
    """Add ``room`` and its subcommands to the ``casework`` parser."""
    room = commands.add_parser(
        "room", help="seminar rooms: open one for a case, close it, export its counts"
    )
    actions = room.add_subparsers(dest="room_command", required=True, metavar="ACTION")
    opening = actions.add_parser("open", help="open a room for a case; prints its code and view")
    opening.add_argument("case", metavar="CASE", help="a case id, e.g. clarke")
    opening.add_argument(
        "--hours",
        type=float,
        default=HOURS,
        help=f"close it by itself after this many hours (default {HOURS:g})",
    )
    opening.add_argument(
        "--server",
        metavar="URL",
        help="the course's address as learners reach it (default http://127.0.0.1:8866)",
    )
    closing = actions.add_parser("close", help="close a room now and delete its counts")
    closing.add_argument("code", metavar="CODE")
    export = actions.add_parser("export", help="write a room's anonymous counts as CSV")
    export.add_argument("code", metavar="CODE")
    export.add_argument("--out", required=True, metavar="FILE.room.csv")
    actions.add_parser("list", help="list the open rooms")


def _code(text: str) -> str:
    from casework.rooms.store import RoomError

    code = normalise_code(text)
    if code is None:
        raise RoomError(f"{text!r} is not a room code (six letters, such as ACDEFG)")
    return code


def run(args: argparse.Namespace) -> int:
    """Run ``casework room ...``; 0 on success, 1 with a message on stderr otherwise."""
    from casework.catalog import find_case, load_case
    from casework.rooms.store import RoomError, RoomStore

    try:
        rooms = RoomStore()
        if args.room_command == "open":
            try:
                scenario = load_case(find_case(args.case))
            except FileNotFoundError as error:
                print(f"casework room open: {error}", file=sys.stderr)
                return 1
            opened = rooms.open(scenario.id, args.hours)
            page = server_page(args.server)
            print(f"Room code: {display_code(opened.code)}  ({scenario.title})")
            print(f"Learners join at: {learner_link(page, scenario.id, opened.code)}")
            print(
                f"Your view (keep it to yourself): {tutor_address(page, opened.code, opened.key)}"
            )
            closes = opened.info.closes_at.astimezone().strftime("%H:%M on %d %B")
            print(f"The room closes by itself at {closes}.", file=sys.stderr)
            return 0
        if args.room_command == "close":
            code = _code(args.code)
            gone = rooms.close(code)
            print(f"Room {display_code(code)} is closed; {gone} event(s) deleted.", file=sys.stderr)
            return 0
        if args.room_command == "export":
            return _export(rooms, _code(args.code), Path(args.out))
        for info in rooms.open_rooms():
            closes = info.closes_at.astimezone().strftime("%H:%M on %d %B")
            held = f", paused at {info.held_at}" if info.held_at else ""
            print(f"{display_code(info.code)}  {info.case_id}  closes {closes}{held}")
        return 0
    except RoomError as error:
        print(f"casework room {args.room_command}: {error}", file=sys.stderr)
        return 1


def _export(rooms: RoomStore, code: str, out: Path) -> int:
    from casework.catalog import load_case
    from casework.rooms.export import counts_csv
    from casework.rooms.tally import RoomTally

    info = rooms.tutor(code, None)
    if not info.open:
        print(f"Room {display_code(code)} has closed: its counts were deleted.", file=sys.stderr)
        return 1
    scenario = load_case(info.case_id)
    state = RoomTally(scenario).state(rooms.events(code))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(counts_csv(code, scenario, state), encoding="utf-8")
    print(f"wrote {out}: {state.joined} learner(s) in room {display_code(code)}", file=sys.stderr)
    return 0
