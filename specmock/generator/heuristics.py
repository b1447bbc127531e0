"""Realistic values chosen by format and by property name.

A schema says `type: string`; the name says it is an email. Looking at both is
what makes generated data read like data rather than noise.
"""

from __future__ import annotations

import base64
import functools
import random
import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from faker import Faker
from faker.providers.lorem.en_US import Provider as _Lorem
from faker.providers.person.en_US import Provider as _Person

Maker = Callable[[random.Random, Faker], Any]

_EPOCH = datetime(2020, 1, 1, tzinfo=UTC)
_SPAN = int(timedelta(days=7 * 365).total_seconds())


def _moment(rng: random.Random) -> datetime:
    return _EPOCH + timedelta(seconds=rng.randrange(_SPAN))


# Faker's weighted pickers cost ~60 µs a call; plain choices over its own word lists
# read the same and cost ~1 µs, which matters when every answer is generated anew.
_FIRST = tuple(_Person.first_names)
_LAST = tuple(_Person.last_names)
_WORDS = tuple(_Lorem.word_list)


def first_name(rng: random.Random, _: Faker | None = None) -> str:
    return rng.choice(_FIRST)


def last_name(rng: random.Random, _: Faker | None = None) -> str:
    return rng.choice(_LAST)


def full_name(rng: random.Random, _: Faker | None = None) -> str:
    return f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"


def word(rng: random.Random, _: Faker | None = None) -> str:
    return rng.choice(_WORDS)


def sentence(words: int) -> Maker:
    def make(rng: random.Random, _: Faker | None = None) -> str:
        text = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(max(1, words - 3), words)))
        return text[:1].upper() + text[1:] + "."

    return make


def _uuid(rng: random.Random, _: Faker) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _hex(n: int) -> Maker:
    return lambda rng, _: "".join(rng.choice("0123456789abcdef") for _ in range(n))


FORMATS: dict[str, Maker] = {
    "date-time": lambda r, _: _moment(r).strftime("%Y-%m-%dT%H:%M:%SZ"),
    "date": lambda r, _: _moment(r).strftime("%Y-%m-%d"),
    "time": lambda r, _: _moment(r).strftime("%H:%M:%SZ"),
    "duration": lambda r, _: f"P{r.randint(1, 30)}DT{r.randint(0, 23)}H",
    "email": lambda r, f: f.email(safe=True),
    "idn-email": lambda r, f: f.email(safe=True),
    "uri": lambda r, f: f.url() + f.uri_path(),
    "url": lambda r, f: f.url() + f.uri_path(),
    "iri": lambda r, f: f.url(),
    "uri-reference": lambda r, f: "/" + f.uri_path(),
    "iri-reference": lambda r, f: "/" + f.uri_path(),
    "uri-template": lambda r, f: f.url() + "{id}",
    "hostname": lambda r, f: f.domain_name(),
    "idn-hostname": lambda r, f: f.domain_name(),
    "ipv4": lambda r, f: f.ipv4(),
    "ipv6": lambda r, f: f.ipv6(),
    "uuid": _uuid,
    "byte": lambda r, _: base64.b64encode(r.randbytes(12)).decode(),
    "binary": lambda r, f: f.pystr(min_chars=8, max_chars=16),
    "password": lambda r, f: f.password(length=12),
    "regex": lambda r, _: "^[a-z]+$",
    "json-pointer": lambda r, f: "/" + f.word(),
    "relative-json-pointer": lambda r, _: "0",
    "phone": lambda r, f: f.phone_number(),
}

# The `basic` quality level: format values from the seeded rng alone, without Faker.
BASIC_FORMATS: dict[str, Maker] = {
    **FORMATS,
    "email": lambda r, _: f"{word(r)}@example.com",
    "idn-email": lambda r, _: f"{word(r)}@example.com",
    "uri": lambda r, _: f"https://example.com/{word(r)}",
    "url": lambda r, _: f"https://example.com/{word(r)}",
    "iri": lambda r, _: f"https://example.com/{word(r)}",
    "uri-reference": lambda r, _: f"/{word(r)}",
    "iri-reference": lambda r, _: f"/{word(r)}",
    "uri-template": lambda r, _: "https://example.com/{id}",
    "hostname": lambda r, _: "example.com",
    "idn-hostname": lambda r, _: "example.com",
    "ipv4": lambda r, _: f"192.0.2.{r.randint(1, 254)}",
    "ipv6": lambda r, _: f"2001:db8::{r.randint(1, 0xFFFF):x}",
    "binary": lambda r, _: word(r),
    "password": lambda r, _: f"{word(r)}{r.randint(1000, 9999)}",
    "json-pointer": lambda r, _: f"/{word(r)}",
    "phone": lambda r, _: f"+1555{r.randint(1000000, 9999999)}",
}

_STRINGS: dict[str, Maker] = {
    "email": FORMATS["email"],
    "name": full_name,
    "full_name": full_name,
    "display_name": full_name,
    "first_name": first_name,
    "given_name": first_name,
    "last_name": last_name,
    "family_name": last_name,
    "surname": last_name,
    "username": lambda r, f: f.user_name(),
    "user_name": lambda r, f: f.user_name(),
    "login": lambda r, f: f.user_name(),
    "city": lambda r, f: f.city(),
    "country": lambda r, f: f.country(),
    "country_code": lambda r, f: f.country_code(),
    "street": lambda r, f: f.street_address(),
    "address": lambda r, f: f.street_address(),
    "address1": lambda r, f: f.street_address(),
    "zip": lambda r, f: f.postcode(),
    "zipcode": lambda r, f: f.postcode(),
    "postcode": lambda r, f: f.postcode(),
    "postal_code": lambda r, f: f.postcode(),
    "phone": lambda r, f: f.phone_number(),
    "phone_number": lambda r, f: f.phone_number(),
    "mobile": lambda r, f: f.phone_number(),
    "company": lambda r, f: f.company(),
    "organization": lambda r, f: f.company(),
    "title": lambda r, f: sentence(4)(r).rstrip("."),
    "description": sentence(10),
    "summary": sentence(8),
    "bio": sentence(12),
    "comment": sentence(8),
    "message": sentence(8),
    "body": sentence(20),
    "text": sentence(8),
    "note": sentence(6),
    "color": lambda r, f: f.color_name(),
    "currency": lambda r, f: f.currency_code(),
    "language": lambda r, f: f.language_code(),
    "locale": lambda r, f: f.locale(),
    "ip": lambda r, f: f.ipv4(),
    "ip_address": lambda r, f: f.ipv4(),
    "uuid": _uuid,
    "guid": _uuid,
    "token": _hex(40),
    "secret": _hex(40),
    "sha": _hex(40),
    "hash": _hex(40),
    "slug": lambda r, f: f.slug(),
    "tag": word,
    "domain": lambda r, f: f.domain_name(),
    "host": lambda r, f: f.domain_name(),
    "mime_type": lambda r, f: f.mime_type(),
    "content_type": lambda r, f: f.mime_type(),
    "file_name": lambda r, f: f.file_name(),
    "filename": lambda r, f: f.file_name(),
    "timezone": lambda r, f: f.timezone(),
}

_SUFFIXES: list[tuple[str, Maker]] = [
    ("_email", FORMATS["email"]),
    ("_url", FORMATS["url"]),
    ("_uri", FORMATS["url"]),
    ("_at", FORMATS["date-time"]),
    ("_time", FORMATS["date-time"]),
    ("_date", FORMATS["date"]),
    ("_name", full_name),
    ("_phone", lambda r, f: f.phone_number()),
    ("_city", lambda r, f: f.city()),
]

_NUMBERS: dict[str, tuple[float, float, int]] = {  # low, high, decimals
    "price": (1, 500, 2),
    "amount": (1, 1000, 2),
    "cost": (1, 500, 2),
    "total": (1, 2000, 2),
    "balance": (0, 10000, 2),
    "latitude": (-90, 90, 6),
    "lat": (-90, 90, 6),
    "longitude": (-180, 180, 6),
    "lng": (-180, 180, 6),
    "lon": (-180, 180, 6),
    "age": (1, 99, 0),
    "count": (0, 100, 0),
    "quantity": (1, 20, 0),
    "qty": (1, 20, 0),
    "year": (1990, 2030, 0),
    "rating": (0, 5, 1),
    "score": (0, 100, 1),
    "percent": (0, 100, 1),
    "port": (1024, 65535, 0),
    "weight": (0.1, 80, 1),
    "height": (10, 250, 0),
    "page": (1, 10, 0),
    "size": (1, 100, 0),
    "limit": (1, 100, 0),
    "offset": (0, 100, 0),
}

_CAMEL = re.compile(r"([a-z0-9])([A-Z])")


@functools.lru_cache(maxsize=8192)  # names repeat on every request: one regex per name
def snake(name: str) -> str:
    return _CAMEL.sub(r"\1_\2", name).replace("-", "_").lower()


def string_maker(name: str | None) -> Maker | None:
    """A generator suggested by a property name, or None."""
    if not name:
        return None
    key = snake(name)
    if key in _STRINGS:
        return _STRINGS[key]
    if key in ("url", "website", "homepage", "href", "link") or key.endswith("_link"):
        return FORMATS["url"]
    if key == "id" or key.endswith("_id"):
        return _uuid
    for suffix, maker in _SUFFIXES:
        if key.endswith(suffix):
            return maker
    return None


def number_hint(name: str | None) -> tuple[float, float, int] | None:
    if not name:
        return None
    key = snake(name)
    if key in _NUMBERS:
        return _NUMBERS[key]
    last = key.rsplit("_", 1)[-1]
    return _NUMBERS.get(last)
