"""The player: a case played as a branching widget scenario, in a notebook or a Voila page.

One module per concern:
- ``handover``: Voila's kernel hand-over (who the learner is, also in a preheated kernel);
- ``keepers``: where a journey is kept (a file, or the journey store by resume code);
- ``chart``: the relationship chart view;
- ``player``: the ``Player`` widget and its stages; its styles are in ``player.css``;
- ``page``: ``player_widget``, the player for a page (built when the learner arrives).
"""

from casework.player.chart import CHART_CONFIG, FIRST_CHART_DELAY, ChartView, chart_description
from casework.player.handover import HANDOVER_FAILED, HandoverError, in_voila, request_url
from casework.player.keepers import FileKeeper, JourneyKeeper, StoreKeeper, default_keeper
from casework.player.page import player_widget
from casework.player.player import SAVE_DELAY, STYLE, Player
from casework.player.stage import PLAIN_ERROR, Stage

__all__ = [
    "CHART_CONFIG",
    "FIRST_CHART_DELAY",
    "HANDOVER_FAILED",
    "PLAIN_ERROR",
    "SAVE_DELAY",
    "STYLE",
    "ChartView",
    "FileKeeper",
    "HandoverError",
    "JourneyKeeper",
    "Player",
    "Stage",
    "StoreKeeper",
    "chart_description",
    "default_keeper",
    "in_voila",
    "player_widget",
    "request_url",
]
