"""The hotel ban: the listed barred from star-rated hotels, refused at check-in where it is enforced.

One of the "high consumption" restrictions of the Supreme People's Court (Fa Shi [2015] No. 17,
art. 3(2)), which courts must impose on everyone on the court blacklist from 22 July 2015. Check-ins
are drawn among the listed like ticket purchases (``sanctions.purchases``), from the hotel ban's own
stream; a refused stay does not count towards ``people_blocked`` (blocked travel).
"""

from __future__ import annotations

from ..outputs import PERSON_TIMES, TOTAL, Output, declare
from .sanctions import PurchaseBan, purchases
from .schedules import day_index

OUT = declare(
    "hotels",
    Output("hotel_attempts_total", "Hotel check-ins by the banned", PERSON_TIMES, TOTAL,
           "Attempts by people under the hotel ban to check in at a star-rated hotel."),
    Output("hotel_blocks_total", "Hotel check-ins refused", PERSON_TIMES, TOTAL,
           "Check-ins at star-rated hotels refused to people under the hotel ban."),
)


class HotelStays(PurchaseBan):
    name, section, ban, step = "hotels", "sanctions.hotels", "hotels", purchases
    does = "star-rated hotel check-ins of the listed, refused where the ban is enforced"
    columns = (OUT.hotel_attempts_total, OUT.hotel_blocks_total)
    marks_blocked = False
    writes = ("roster: felt",)

    def __init__(self, scenario, people):
        super().__init__(scenario, people)
        hotels = scenario.sanctions.hotels
        self.start = day_index(hotels.start, scenario.start_date) if hotels.enabled and scenario.system else None

    def today(self, day):
        on = self.start is not None and day >= self.start
        return super().today(day)._replace(max_rate=self.max_rate if on else 0.0)
