"""Example call flows served by ``vxmlkit serve``: the seed use cases of vxmlkit.

Each module holds one flow; :data:`FLOWS` lists them all. The modules use relative imports
only, so they work both from a source checkout (``apps``) and inside the installed package
(``vxmlkit.examples``).
"""

from .appointment_reminder import AppointmentReminder
from .order_confirmation import OrderConfirmation
from .password_reset import PasswordReset
from .payment_reminder import PaymentReminder
from .survey import Survey

FLOWS = [PaymentReminder, PasswordReset, OrderConfirmation, AppointmentReminder, Survey]

__all__ = ["FLOWS", "AppointmentReminder", "OrderConfirmation", "PasswordReset", "PaymentReminder", "Survey"]
