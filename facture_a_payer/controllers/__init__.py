from . import portal
from . import short_link
from . import sms_twilio
from . import reminder
