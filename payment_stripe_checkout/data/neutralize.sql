-- disable the Stripe Checkout payment provider
UPDATE payment_provider
   SET stripe_checkout_secret_key = NULL,
       stripe_checkout_webhook_secret = NULL;
