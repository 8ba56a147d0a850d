"""`shoprelay settings`: a vendor's JSON Schema, a check before SSM, the write itself, the reference page.

``check`` and ``put`` read a file holding one vendor's settings (``--vendor`` names it) or
several vendors' settings keyed by vendor name, as ``shoprelay local --settings`` and
``shoprelay translate --settings`` do. A problem is one line on stderr and exit status 2;
``put`` writes nothing unless every setting is valid.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shoprelay.problems import SettingsError
from shoprelay.vendors import load_vendor, vendor_names
from shoprelay_tools import settings_reference

STDIN = "-"
PROBLEM = 2
STAGE = re.compile(r"^[a-z0-9-]+$")
"""The template's ``Stage`` parameter pattern: the stage spells the SSM prefix ``/shoprelay/<stage>``."""


class SettingsFileError(Exception):
    """The file cannot be checked at all; the message is the line to print."""


@dataclass(frozen=True)
class VendorDocument:
    vendor: str
    settings: Mapping[str, Any]
    where: str
    """How problems name the document: ``file.json`` or ``file.json: tracify``."""


def configure(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    schema = actions.add_parser("schema", help="print the JSON Schema of one vendor's settings, or of every vendor's")
    schema.add_argument("vendor", nargs="?", choices=vendor_names(), metavar="VENDOR")

    check = actions.add_parser("check", help="check a settings file; exit 2 with one line per problem")
    check.add_argument("file", help="JSON file (- for stdin): one vendor's settings, or several keyed by vendor")
    check.add_argument("--vendor", choices=vendor_names(), help="the vendor the file is for (else: keyed by vendor)")

    put = actions.add_parser("put", help="check one vendor's settings, then store them for a shop in SSM")
    put.add_argument("file", help="JSON file (- for stdin)")
    put.add_argument("--stage", required=True, help="the stack's Stage parameter (the SSM prefix /shoprelay/STAGE)")
    put.add_argument("--shop", required=True, help="the shop, e.g. my-shop.myshopify.com")
    put.add_argument("--vendor", required=True, choices=vendor_names())
    put.add_argument("--endpoint-url", help="an AWS emulator, e.g. the local stack's")
    put.add_argument("--region", help="AWS region (default: the environment's or profile's)")

    docs = actions.add_parser("docs", help="write the settings reference (docs/settings.md) from the models")
    docs.add_argument("--check", action="store_true", help="write nothing; exit 1 when the page is out of date")
    docs.add_argument("--output", type=Path, default=settings_reference.REFERENCE, help=argparse.SUPPRESS)


def run(args: argparse.Namespace) -> int:
    action = {"schema": _schema, "check": _check, "put": _put, "docs": _docs}[args.action]
    try:
        return action(args)
    except SettingsFileError as error:
        print(error, file=sys.stderr)
        return PROBLEM


def _schema(args: argparse.Namespace) -> int:
    print(json.dumps(settings_reference.schema(args.vendor), indent=2, ensure_ascii=False))
    return 0


def _check(args: argparse.Namespace) -> int:
    documents = vendor_documents(args.file, args.vendor)
    problems = [line for document in documents for line in problems_in(document)]
    for line in problems:
        print(line, file=sys.stderr)
    if problems:
        return PROBLEM
    for document in documents:
        print(f"{document.where}: valid {document.vendor} settings")
    return 0


def _put(args: argparse.Namespace) -> int:
    from shoprelay.config import shops
    from shoprelay_tools.aws_access import AwsTarget
    from shoprelay_tools.demo import put_vendor_settings

    if not shops.valid_shop_key(args.shop):
        raise SettingsFileError(f"{args.shop!r} is not a shop (a host name such as my-shop.myshopify.com)")
    if not STAGE.fullmatch(args.stage):
        raise SettingsFileError(f"{args.stage!r} is not a stage (lower-case letters, digits and hyphens, as deployed)")
    (document,) = vendor_documents(args.file, args.vendor)
    problems = problems_in(document)
    for line in problems:
        print(line, file=sys.stderr)
    if problems:
        print(f"nothing written to SSM for {args.shop}", file=sys.stderr)
        return PROBLEM
    prefix = f"/shoprelay/{args.stage}"
    text = json.dumps(document.settings, ensure_ascii=False, separators=(",", ":"))
    ssm = AwsTarget(endpoint_url=args.endpoint_url, region=args.region).client("ssm")
    put_vendor_settings(ssm, prefix, args.shop, args.vendor, text)
    name = shops.parameter_name(prefix, args.shop, shops.vendor_leaf(args.vendor))
    state = "enabled" if shops.settings_enable_vendor(text) else "disabled"
    print(f"stored {name} (SecureString, {len(text.encode())} bytes); {args.vendor} is {state} for {args.shop}")
    return 0


def _docs(args: argparse.Namespace) -> int:
    page = settings_reference.render()
    output: Path = args.output
    current = output.read_text(encoding="utf-8") if output.exists() else ""
    if args.check:
        if current == page:
            return 0
        print(f"{output} is out of date: run `shoprelay settings docs`", file=sys.stderr)
        return 1
    if current != page:
        output.write_text(page, encoding="utf-8")
    print(f"{output}: {'written' if current != page else 'up to date'}")
    return 0


def problems_in(document: VendorDocument) -> list[str]:
    """One line per problem, each naming the file, the vendor when keyed, and the setting."""
    try:
        load_vendor(document.vendor).settings_model.parse(document.settings)
    except SettingsError as error:
        return [f"{document.where}: {problem}" for problem in error.problems]
    return []


def vendor_documents(name: str, vendor: str | None) -> list[VendorDocument]:
    """The vendor settings ``name`` holds, for ``vendor`` or for every vendor it is keyed by."""
    document = _read_json(name)
    keyed = isinstance(document, dict) and bool(document) and all(key in vendor_names() for key in document)
    if not keyed:
        if vendor is None:
            raise SettingsFileError(
                f"{name}: name the vendor with --vendor, or key the file by vendor name ({', '.join(vendor_names())})"
            )
        return [_document(vendor, document, name)]
    if vendor is not None:
        if vendor not in document:
            raise SettingsFileError(f"{name}: no {vendor} settings in the file (it has: {', '.join(document)})")
        return [_document(vendor, document[vendor], f"{name}: {vendor}")]
    return [_document(key, value, f"{name}: {key}") for key, value in document.items()]


def _document(vendor: str, settings: Any, where: str) -> VendorDocument:
    if not isinstance(settings, dict):
        raise SettingsFileError(f"{where}: settings must be a JSON object")
    return VendorDocument(vendor, settings, where)


def _read_json(name: str) -> Any:
    try:
        text = sys.stdin.read() if name == STDIN else Path(name).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise SettingsFileError(f"cannot read {name}: {getattr(error, 'strerror', None) or error}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise SettingsFileError(
            f"{name}: not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})"
        ) from None
