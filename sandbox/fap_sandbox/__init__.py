from .core import Callback, Request, Response
from .server import Sandbox

__all__ = ["Callback", "Request", "Response", "Sandbox"]
