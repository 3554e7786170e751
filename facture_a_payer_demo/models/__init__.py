from . import facture_a_payer_demo
