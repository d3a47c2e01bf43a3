"""The one keyboard type, the codec's table of actions and the flows' route tables."""

from __future__ import annotations

import pytest

from bot.devtools.flow_diagrams import specs
from bot.flows.mechanism import ID, Route, code
from bot.messages import callbacks
from bot.messages.keyboard import Button, Keyboard


def test_a_keyboard_is_the_same_as_markup_and_as_outbox_json() -> None:
    keyboard = Keyboard.of(
        [
            [
                Button.press("Yes", callbacks.GOAL, "y", 42),
                Button.press("No", callbacks.GOAL, "n", 42),
            ],
            [],
            [Button.link("Read", "https://example.org/")],
        ]
    )
    assert keyboard.to_json() == {
        "inline_keyboard": [
            [
                {"text": "Yes", "callback_data": "gl:y:42"},
                {"text": "No", "callback_data": "gl:n:42"},
            ],
            [{"text": "Read", "url": "https://example.org/"}],
        ]
    }
    assert keyboard.markup().to_dict() == keyboard.to_json()


def test_a_button_refuses_data_telegram_would_refuse() -> None:
    with pytest.raises(ValueError):
        _ = Button.press("x", callbacks.GOAL, "not plain").data
    with pytest.raises(ValueError):
        _ = Button.press("x", callbacks.GOAL, 2**31).data


def test_no_action_begins_another() -> None:
    callbacks.check_actions(callbacks.ACTIONS)
    with pytest.raises(ValueError, match="share a prefix"):
        callbacks.check_actions({"c", "cl"})
    with pytest.raises(ValueError):
        callbacks.pattern("zz")


def test_a_route_checks_every_part_before_its_handler() -> None:
    async def handler(*_args: object) -> None:
        return None

    route = Route(("p", ID, code("answer", ("a", "b"))), handler)
    assert route.match(["p", "7", "a"]) == [7, "a"]
    assert route.match(["p", "7", "c"]) is None
    assert route.match(["p", str(2**31), "a"]) is None
    assert route.match(["p", "7"]) is None
    assert route.match(["q", "7", "a"]) is None


def test_every_flow_has_one_route_per_shape() -> None:
    for spec in specs():
        shapes = [route.shape for route in spec.routes]
        assert len(shapes) == len(set(shapes)), spec.name
