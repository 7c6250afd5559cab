"""Which tests a run has, and in what order: functions in learning order, experiments last."""
from typing import List

from ..kata import catalog


def graded_names(item) -> List[str]:
    """The exercise functions a test grades (for an experiment: every function it uses)."""
    marker = item.get_closest_marker("experiment")
    if marker:
        return list(catalog.EXPERIMENT_BY_NAME[marker.args[0]].uses)
    marker = item.get_closest_marker("grades")
    return list(marker.args) if marker else []


def experiment_of(item):
    marker = item.get_closest_marker("experiment")
    return marker.args[0] if marker else None


def order(items: list, only) -> None:
    """Sort items in place so a dependency is graded before what uses it; keep only `only`'s tests."""
    rank = {name: i for i, name in enumerate(catalog.FUNCTION_NAMES)}

    def key(item):
        if experiment_of(item):
            return (1, 0)
        names = graded_names(item)
        return (0, rank.get(names[0], 99) if names else 99)

    items.sort(key=key)
    if only:
        items[:] = [i for i in items if not experiment_of(i) and set(graded_names(i)) & set(only)]
