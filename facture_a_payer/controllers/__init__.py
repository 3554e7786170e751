from . import portal
from . import short_link
