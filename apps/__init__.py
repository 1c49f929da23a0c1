"""Example call flows served by ``vxmlkit serve``: the seed use cases of vxmlkit.

Each module holds one flow; :data:`FLOWS` lists them all. The modules use relative imports
only, so they work both from a source checkout (``apps``) and inside the installed package
(``vxmlkit.examples``).
"""

from .payment_reminder import PaymentReminder

FLOWS = [PaymentReminder]

__all__ = ["FLOWS", "PaymentReminder"]
