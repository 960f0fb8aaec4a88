"""`OdooFake`: an in-memory Odoo database for tests.

Served as the JSON-2 API (``POST /json/2/<model>/<method>``, bearer API key, named
arguments, ``X-Odoo-Database``, errors with their HTTP status and ``name``/``message``) and
as the legacy JSON-RPC (``/jsonrpc``: ``common.login`` and ``object.execute_kw``, errors in
an ``error`` object with HTTP 200), over one small ORM: products, locations, quants, sale
orders with command-tuple lines and ``action_confirm``, and posted invoices / credit notes.
"""

from __future__ import annotations

from retail_canon.testing.odoo._fake import API_KEY, DATABASE, LOGIN, PARTNER_ID, OdooFake

__all__ = ["API_KEY", "DATABASE", "LOGIN", "OdooFake", "PARTNER_ID"]
