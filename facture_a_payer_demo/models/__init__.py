from . import facture_a_payer_demo
from . import account_chart_template
