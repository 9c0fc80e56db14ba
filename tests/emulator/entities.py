"""Telegram's text handling: the HTML parse mode, trimming, and entities in user messages.

`parse_html` is a line-by-line port of TDLib's `parse_html` (td/telegram/MessageEntity.cpp), the
code behind the Bot API's `parse_mode=HTML`, so a bot that passes here is accepted by Telegram
and one rejected here gets the same error text. Offsets are UTF-16 code units, like the Bot API.
Errors are `ValueError` carrying TDLib's message; the server adds "can't parse entities: ".
"""

from __future__ import annotations

import re
from typing import Any

Entity = dict[str, Any]

_SPACES = frozenset(b" \t\r\n\0\v\f")  # TDLib's is_space; NUL doubles as the end sentinel
_NAMED = {b"lt": ord("<"), b"gt": ord(">"), b"amp": ord("&"), b"quot": ord('"')}
_TAGS = frozenset(
    {"a", "b", "strong", "i", "em", "s", "strike", "del", "u", "ins", "tg-spoiler", "tg-emoji"}
    | {"span", "pre", "code", "blockquote"}
)
_SIMPLE = {
    "i": "italic",
    "em": "italic",
    "b": "bold",
    "strong": "bold",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "u": "underline",
    "ins": "underline",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
}
# TDLib's sort order: offset ascending, length descending, then this priority.
_PRIORITY = {
    "blockquote": 0,
    "expandable_blockquote": 0,
    "pre": 11,
    "code": 20,
    "text_link": 49,
    "text_mention": 49,
    "bold": 90,
    "italic": 91,
    "underline": 92,
    "strikethrough": 93,
    "spoiler": 94,
    "custom_emoji": 99,
}
_TRIMMED = " \t\r\n\v\f"
_LINK = re.compile(r"(?i)^(?:(https?|tg|ton|tonsite)://)?([^\s/?#]+)([^\s]*)$")
_HOST = re.compile(r"(?i)^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z][a-z0-9-]*[a-z0-9](?::\d+)?$")
_COMMAND = re.compile(r"(?<![\w/<>])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w/<>])")
_MENTION = re.compile(r"(?<!\w)@[A-Za-z0-9_]{2,32}(?!\w)")


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units: the unit of every Bot API entity offset."""
    return len(text.encode("utf-16-le")) // 2


def _decode_entity(data: bytes, pos: int) -> tuple[int, int]:
    """(code point, position after it) for the character reference at `pos`, or (0, pos)."""
    end = pos + 1
    code = 0
    if data[end] == ord("#"):
        end += 1
        hexadecimal = data[end] == ord("x")
        if hexadecimal:
            end += 1
        digits = b"0123456789abcdefABCDEF" if hexadecimal else b"0123456789"
        while data[end] in digits:
            code = code * (16 if hexadecimal else 10) + int(chr(data[end]), 16)
            end += 1
        if code == 0 or code >= 0x10FFFF or end - pos >= 10:
            return 0, pos
    else:
        while chr(data[end]).isascii() and chr(data[end]).isalpha():
            end += 1
        code = _NAMED.get(data[pos + 1 : end], 0)
        if code == 0:
            return 0, pos  # unknown names such as &nbsp; stay in the text literally
    if data[end] == ord(";"):
        end += 1
    return code, end


def _checked_link(url: str) -> str | None:
    """TDLib's get_checked_link, reduced: a normalised URL, or None (the entity is dropped)."""
    match = _LINK.match(url)
    if match is None:
        return None
    scheme, host, rest = match.groups()
    if scheme and scheme.lower() != "http" and scheme.lower() != "https":
        return url
    if not _HOST.match(host):
        return None
    path = rest if rest.startswith("/") else "/" + rest
    return f"{(scheme or 'http').lower()}://{host.lower()}{path}"


def _close_entity(
    tag: str, argument: str, offset: int, length: int, inner: str, entities: list[Entity]
) -> None:
    """Append the entity a closed tag produces, merging <pre><code class=…> into one `pre`."""
    if tag in _SIMPLE:
        entities.append({"type": _SIMPLE[tag], "offset": offset, "length": length})
    elif tag == "tg-emoji":
        if not argument.isdigit() or int(argument) == 0:
            raise ValueError("Invalid custom emoji identifier specified")
        emoji: Entity = {"type": "custom_emoji", "offset": offset, "length": length}
        entities.append(emoji | {"custom_emoji_id": argument})
    elif tag == "a":
        url = _checked_link(argument or inner)
        if url is not None:
            entities.append({"type": "text_link", "offset": offset, "length": length, "url": url})
    elif tag == "blockquote":
        kind = "expandable_blockquote" if argument else "blockquote"
        entities.append({"type": kind, "offset": offset, "length": length})
    else:
        last = entities[-1] if entities else None
        same_span = last is not None and (last["offset"], last["length"]) == (offset, length)
        if tag == "pre" and same_span and last and last["type"] == "code" and last.get("language"):
            last["type"] = "pre"
        elif tag == "code" and same_span and last and last["type"] == "pre" and argument:
            last["language"] = argument
        else:
            entity: Entity = {"type": tag, "offset": offset, "length": length}
            if argument:
                entity["language"] = argument
            entities.append(entity)


def _start_tag(data: bytes, begin: int) -> tuple[str, str, int]:
    """Parse `<tag attr=value …>` at `begin`; return (tag, argument, index of the closing '>')."""
    i = begin + 1
    while data[i] not in _SPACES and data[i] != ord(">"):
        i += 1
    if data[i] == 0:
        raise ValueError(f"Unclosed start tag at byte offset {begin}")
    tag = data[begin + 1 : i].decode("utf-8", "replace").lower()
    if tag not in _TAGS:
        raise ValueError(f'Unsupported start tag "{tag}" at byte offset {begin}')
    argument = ""
    while data[i] != ord(">"):
        while data[i] != 0 and data[i] in _SPACES:
            i += 1
        if data[i] == ord(">"):
            break
        name_begin = i
        valueless_ends = b"=>" if tag == "blockquote" else b"="  # <blockquote expandable>
        while data[i] not in _SPACES and data[i] not in valueless_ends:
            i += 1
        name = data[name_begin:i].decode("utf-8", "replace")
        if not name:
            raise ValueError(f'Empty attribute name in the tag "{tag}" at byte offset {begin}')
        while data[i] != 0 and data[i] in _SPACES:
            i += 1
        if data[i] != ord("="):
            if tag == "blockquote" and name == "expandable":
                argument = "1"  # the one attribute Telegram accepts without a value
                continue
            raise ValueError(
                "Expected equal sign in declaration of an attribute of the tag "
                f'"{tag}" at byte offset {begin}'
            )
        i += 1
        while data[i] != 0 and data[i] in _SPACES:
            i += 1
        if data[i] == 0:
            raise ValueError(f'Unclosed start tag "{tag}" at byte offset {begin}')
        value, i = _attribute_value(data, i)
        if data[i] == 0:
            raise ValueError(f"Unclosed start tag at byte offset {begin}")
        if tag == "a" and name == "href":
            argument = value
        elif tag == "code" and name == "class" and value.startswith("language-"):
            argument = value[len("language-") :]
        elif tag == "span" and name == "class" and value.startswith("tg-"):
            argument = value[len("tg-") :]
        elif tag == "tg-emoji" and name == "emoji-id":
            argument = value
    if tag == "span" and argument != "spoiler":
        raise ValueError(f'Tag "span" must have class "tg-spoiler" at byte offset {begin}')
    return tag, argument, i


def _attribute_value(data: bytes, i: int) -> tuple[str, int]:
    """An unquoted name token (lower-cased) or a quoted literal with character references."""
    if data[i] not in b"'\"":
        token_begin = i
        while chr(data[i]).isascii() and (chr(data[i]).isalnum() or data[i] in b".-"):
            i += 1
        if data[i] not in _SPACES and data[i] != ord(">"):
            raise ValueError(f"Unexpected end of name token at byte offset {token_begin}")
        return data[token_begin:i].decode().lower(), i
    quote = data[i]
    i += 1
    value = bytearray()
    while data[i] != quote and data[i] != 0:
        if data[i] == ord("&"):
            code, after = _decode_entity(data, i)
            if code:
                value += chr(code).encode("utf-8", "surrogatepass")
                i = after
                continue
        value.append(data[i])
        i += 1
    if data[i] == quote:
        i += 1
    return value.decode("utf-8", "replace"), i


def _end_tag(data: bytes, begin: int, open_tag: str) -> int:
    """Check `</tag>` (or `</>`) at `begin` against the innermost open tag; return its '>'."""
    i = begin + 1
    while data[i] not in _SPACES and data[i] != ord(">"):
        i += 1
    name = data[begin + 2 : i].decode("utf-8", "replace").lower()
    while data[i] in _SPACES and data[i] != 0:
        i += 1
    if data[i] != ord(">"):
        raise ValueError(f"Unclosed end tag at byte offset {begin}")
    if name and name != open_tag:
        raise ValueError(
            f'Unmatched end tag at byte offset {begin}, expected "</{open_tag}>", found "</{name}>"'
        )
    return i


def parse_html(source: str) -> tuple[str, list[Entity]]:
    """Telegram's HTML parse mode: (plain text, entities) or ValueError with TDLib's message."""
    data = source.encode("utf-8") + b"\0"
    out = bytearray()
    utf16 = 0
    entities: list[Entity] = []
    stack: list[tuple[str, str, int, int]] = []  # tag, argument, utf16 offset, output position
    surrogate = False
    i = 0
    while i < len(data) - 1:
        byte = data[i]
        if byte == ord("&"):
            code, after = _decode_entity(data, i)
            if code:
                utf16 += 2 if code > 0xFFFF else 1
                surrogate |= 0xD800 <= code <= 0xDFFF
                out += chr(code).encode("utf-8", "surrogatepass")
                i = after
                continue
        if byte != ord("<"):
            if byte & 0xC0 != 0x80:  # first byte of a character
                utf16 += 2 if byte >= 0xF0 else 1
            out.append(byte)
            i += 1
            continue
        if data[i + 1] != ord("/"):
            tag, argument, i = _start_tag(data, i)
            stack.append((tag, argument, utf16, len(out)))
        else:
            if not stack:
                raise ValueError(f"Unexpected end tag at byte offset {i}")
            tag, argument, offset, position = stack.pop()
            i = _end_tag(data, i, tag)
            if utf16 > offset:
                inner = out[position:].decode("utf-8", "replace")
                _close_entity(tag, argument, offset, utf16 - offset, inner, entities)
        i += 1
    if stack:
        raise ValueError(f"Can't find end tag corresponding to start tag {stack[-1][0]}")
    if surrogate:
        raise ValueError(
            "Text contains invalid Unicode characters after decoding HTML entities, "
            "check for unmatched surrogate code units"
        )
    for entity in entities:
        if entity["type"] == "code":
            entity.pop("language", None)  # only <pre><code class=…> keeps a language
    return out.decode("utf-8"), sort_entities(entities)


def sort_entities(entities: list[Entity]) -> list[Entity]:
    """TDLib's canonical entity order, which is the order the Bot API returns."""
    return sorted(entities, key=lambda e: (e["offset"], -e["length"], _PRIORITY.get(e["type"], 50)))


def trim(text: str, entities: list[Entity]) -> tuple[str, list[Entity]]:
    """Strip leading/trailing whitespace as Telegram does, clipping entities to what remains."""
    left = text.lstrip(_TRIMMED)
    shift = utf16_len(text) - utf16_len(left)
    result = left.rstrip(_TRIMMED)
    total = utf16_len(result)
    kept = []
    for entity in entities:
        start = max(entity["offset"] - shift, 0)
        end = min(entity["offset"] + entity["length"] - shift, total)
        if end > start:
            kept.append({**entity, "offset": start, "length": end - start})
    return result, kept


def detect_entities(text: str) -> list[Entity]:
    """The entities Telegram adds to a user's text itself: bot commands and @mentions."""
    found = [("bot_command", m) for m in _COMMAND.finditer(text)]
    found += [("mention", m) for m in _MENTION.finditer(text)]
    return sort_entities(
        [
            {
                "type": kind,
                "offset": utf16_len(text[: m.start()]),
                "length": utf16_len(m.group()),
            }
            for kind, m in found
        ]
    )
