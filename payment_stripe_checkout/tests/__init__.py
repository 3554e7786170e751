from . import test_stripe_checkout
