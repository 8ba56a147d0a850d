"""docs/settings.md, written from the settings models so the reference cannot drift from them.

Each field's type, default and description come from the model's JSON Schema: the same
words ``shoprelay settings schema`` prints and editors show while a settings file is typed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from shoprelay.vendors import load_vendor, vendor_names
from shoprelay.vendors.base import VendorSettings

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "docs" / "settings.md"

_FORMATS = {"uri": "URL", "uuid": "UUID", "hostname": "host name", "password": "secret string"}
_BOUNDS = {"minimum": "≥", "exclusiveMinimum": ">", "maximum": "≤", "exclusiveMaximum": "<"}

INTRO = """\
# Vendor settings

<!-- Written by `shoprelay settings docs` from the settings models; edit the models, not this page. -->

A shop's settings for one vendor are one JSON object, stored as a SecureString at
`/shoprelay/<stage>/shops/<shop>/vendors/<vendor>`; only that vendor's function can read it.
The shop's vendor list (`/shoprelay/<stage>/shops/<shop>/vendors`, which `settings put` keeps in
step) names the vendors it has settings for, except those whose settings say `"enabled": false`.

```bash
.venv/bin/shoprelay settings check tracify.json --vendor tracify      # exit 2, one line per problem
.venv/bin/shoprelay settings put --stage dev --shop my-shop.myshopify.com --vendor tracify tracify.json
.venv/bin/shoprelay settings schema tracify                           # JSON Schema, for editors and CI
```

`settings put` checks the file first and writes nothing when it has a problem. A file may hold
one vendor's settings (name the vendor with `--vendor`) or several, keyed by vendor name.

- **Unknown keys are refused**, so a typo is an error rather than a silent default.
- **Numbers and flags may be written as text**: `"5"` for `5`, `"true"` or `"false"` for a flag.
  Text that is not a number (`"five"`) is refused with the field named.
- **Every problem is reported**, each with the setting it is about. No message repeats the
  rejected value, in case it is a key pasted into the wrong setting.
- **Secrets** (type *secret string*) never appear in a log line, a repr or an error message.
- Settings are checked again by the vendor function when it first uses them for a shop, and
  whenever they change; invalid settings send the shop's events to the vendor's dead-letter
  queue with the problems named,
  e.g. `invalid corvidae settings for my-shop.myshopify.com: tracking_host: Field required`.

## Where vendor calls may go

`endpoint` replaces a vendor's production host, for a sandbox, a proxy or a staging API. Vendor
credentials and buyers' personal data travel to it, so it must be an `https` URL to a public
host. Plain `http` is accepted only for loopback (`127.0.0.0/8`, `::1`, `localhost`), where the
local sandboxes listen. Refused, with a settings error:

- link-local and metadata addresses: `169.254.0.0/16` (instance metadata `169.254.169.254`,
  container credentials `169.254.170.2`), `fe80::/10`, `fd00:ec2::254`;
- private ranges: `10.0.0.0/8`, `172.16.0.0/12`, `192.168.0.0/16`, `100.64.0.0/10`, `fc00::/7`,
  and unspecified, multicast and reserved addresses;
- the same addresses written another way (`2852039166`, `0xa9fea9fe`, `::ffff:169.254.169.254`);
- names that exist only inside a private network: a single label (`metadata`) or a name ending
  in `.internal`, `.local`, `.localdomain`, `.home.arpa`, `.intranet`, `.corp` or `.lan`;
- user names, passwords, queries and fragments in the URL (it is a base; paths are appended).

Host names are **not resolved** when settings are checked: the address a name has then proves
nothing about the one it has when a call is made, and some names resolve only inside the
account's network. A public name that points at a private address is therefore not caught here;
keep the right to write settings as narrow as the right to deploy. Corvidae's `tracking_host`
follows the same rules for addresses written literally.
"""


def _type_of(schema: Mapping[str, Any]) -> str:
    """The field's type in words, with its bounds: ``number, > 0, ≤ 30``."""
    options = [option for option in schema.get("anyOf", [schema]) if option.get("type") != "null"]
    nullable = len(options) < len(schema.get("anyOf", [schema]))
    said = " or ".join(_one_type(option) for option in options)
    return f"{said}, or null" if nullable else said


def _one_type(schema: Mapping[str, Any]) -> str:
    if "enum" in schema:
        return " \\| ".join(f"`{json.dumps(choice)}`" for choice in schema["enum"])
    if "const" in schema:
        return f"`{json.dumps(schema['const'])}`"
    words = _FORMATS.get(schema.get("format", ""), schema.get("type", "any"))
    bounds = [f"{sign} {schema[key]:g}" for key, sign in _BOUNDS.items() if key in schema]
    if schema.get("minLength"):
        bounds.append("not empty")
    return ", ".join([words, *bounds])


def _default_of(name: str, schema: Mapping[str, Any], required: Iterable[str]) -> str:
    if name in required:
        return "**required**"
    if "default" not in schema:
        return ""
    return f"`{json.dumps(schema['default'], ensure_ascii=False)}`"


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _table(schema: Mapping[str, Any], names: Iterable[str]) -> list[str]:
    properties = schema["properties"]
    required = schema.get("required", [])
    rows = ["| setting | type | default | meaning |", "|---|---|---|---|"]
    for name in names:
        field = properties[name]
        rows.append(
            f"| `{name}` | {_type_of(field)} | {_default_of(name, field, required)} | "
            f"{_cell(field.get('description', ''))} |"
        )
    return rows


def _own_fields(model: type[VendorSettings], base: Mapping[str, Any]) -> list[str]:
    """The vendor's own fields, and shared ones it gives another default or meaning."""
    schema = model.model_json_schema()["properties"]
    return [name for name, field in schema.items() if base.get(name) != field]


def render() -> str:
    """The whole page, from the models as they are now."""
    base_schema = VendorSettings.model_json_schema()
    lines = [INTRO, "## Settings every vendor accepts", "", *_table(base_schema, base_schema["properties"]), ""]
    for name in vendor_names():
        model = load_vendor(name).settings_model
        schema = model.model_json_schema()
        lines += [f"## {name}", ""]
        if model.__doc__:
            summary = " ".join(model.__doc__.strip().split("\n\n")[0].split()).replace("``", "`")
            lines += [summary, ""]
        lines += [*_table(schema, _own_fields(model, base_schema["properties"])), ""]
    return "\n".join(lines).rstrip() + "\n"


def schema(vendor: str | None) -> dict[str, Any]:
    """One vendor's JSON Schema, or every vendor's keyed by name (the shape of a combined file)."""
    if vendor is not None:
        found: dict[str, Any] = load_vendor(vendor).settings_model.model_json_schema()
        return found
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "shoprelay vendor settings, keyed by vendor",
        "type": "object",
        "additionalProperties": False,
        "properties": {name: load_vendor(name).settings_model.model_json_schema() for name in vendor_names()},
    }
