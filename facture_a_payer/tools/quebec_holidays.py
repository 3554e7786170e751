"""Québec's statutory holidays (Loi sur les normes du travail, art. 60 and the Loi sur la fête nationale)."""

import functools
from datetime import date, timedelta

from dateutil.easter import easter
from dateutil.relativedelta import MO, relativedelta


@functools.cache
def quebec_holidays(year):
    """The days of ``year`` on which a Québec business reminds nobody."""
    easter_sunday = easter(year)
    return frozenset(
        {
            date(year, 1, 1),  # Jour de l'An
            easter_sunday - timedelta(days=2),  # Vendredi saint
            easter_sunday + timedelta(days=1),  # Lundi de Pâques (the employer's choice of the two: both are quiet)
            date(year, 5, 24) + relativedelta(weekday=MO(-1)),  # Journée nationale des patriotes
            date(year, 6, 24),  # Fête nationale du Québec
            date(year, 7, 1),  # Fête du Canada
            date(year, 9, 1) + relativedelta(weekday=MO(1)),  # Fête du Travail
            date(year, 10, 1) + relativedelta(weekday=MO(2)),  # Action de grâce
            date(year, 12, 25),  # Noël
        }
    )
