from . import payment_method, payment_provider, payment_transaction
