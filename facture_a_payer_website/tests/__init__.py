from . import test_customer_pages
