from . import test_foundation_demo
