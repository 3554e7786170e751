from .server import Callback, Request, Response, Sandbox

__all__ = ["Callback", "Request", "Response", "Sandbox"]
