from . import account_move
from . import payment_transaction
from . import product_product
from . import res_company
from . import res_partner
from . import sale_order
