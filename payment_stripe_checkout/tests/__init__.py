from . import (
    test_stripe_checkout,
    test_stripe_checkout_concurrency,
    test_stripe_checkout_money_safety,
    test_stripe_checkout_refund,
    test_stripe_checkout_tour,
    test_stripe_checkout_webhook,
    test_stripe_contracts,
)
