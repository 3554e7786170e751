def migrate(cr, version):
    """Trusting a forwarding mailbox's ARC seal is now the merchant's choice: the former default goes."""
    cr.execute(
        "UPDATE res_company SET fap_interac_forwarders = NULL "
        "WHERE fap_interac_forwarders = 'google.com, microsoft.com'"
    )
