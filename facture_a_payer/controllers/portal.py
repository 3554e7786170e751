"""Where the customer approves a quote and pays its invoice: Odoo's portal routes, extended.

Every route answers a missing document, a forged, missing or revoked token and (for actions) a cancelled
document the same way, so that ids cannot be probed. Amounts always come from the document on the server.
"""

import binascii
import math

from werkzeug.exceptions import BadRequest

from odoo import fields, http
from odoo.exceptions import AccessError, MissingError, ValidationError
from odoo.http import request

from odoo.addons.account_payment.controllers import payment as account_payment_payment
from odoo.addons.account_payment.controllers import portal as account_payment_portal
from odoo.addons.payment.controllers import post_processing as payment_post_processing
from odoo.addons.sale.controllers import portal as sale_portal


def customer_lang_prefix(document_sudo):
    """The URL prefix of the customer's language (``/fr``) for a visitor who has not chosen one, else ``""``.

    A language in the URL or one the visitor picked with the portal's selector (the ``frontend_lang`` cookie)
    wins; logged-in users keep theirs.
    """
    if request.cookies.get("frontend_lang") or not request.env.user._is_public():
        return ""
    # Set on the portal's (frontend) routes; a plain route such as the short link gets the default one.
    lang = getattr(request, "lang", None) or request.env["ir.http"]._get_default_lang()
    # Odoo rewrites /fr/my/... to /my/...; the original URI keeps the language the visitor asked for.
    if request.httprequest.environ.get("REQUEST_URI", "").startswith(f"/{lang.url_code}/"):
        return ""
    lang_code = document_sudo.partner_id.lang
    if not lang_code or lang_code == lang.code or lang_code not in request.env["res.lang"]._get_frontend():
        return ""
    return "/" + request.env["res.lang"]._get_data(code=lang_code).url_code


def _follow_customer_lang(document_sudo):
    """Redirect a visitor's first, language-less visit to the customer's language."""
    if prefix := customer_lang_prefix(document_sudo):
        return request.redirect_query(f"{prefix}{request.httprequest.path}", request.httprequest.args)
    return None


def _html_lang():
    """The page's language for its ``<html lang>`` (a website sets it; Odoo's portal alone does not)."""
    lang = getattr(request, "lang", None)
    return {"lang": lang.code.replace("_", "-")} if lang else {}


def _invalid_access():
    # One answer for "no such document" and "wrong token": Odoo's own answer to a wrong token.
    return ValidationError(request.env._("The access token is invalid."))


# A reason longer than this is cut (with a notice): the chatter is not a file store.
DECLINE_REASON_MAX_LENGTH = 2000


# The flows of Odoo's payment form; anything else would reach the database as an unknown operation.
PAYMENT_FLOWS = ("redirect", "direct", "token")
# Beyond any payment (Stripe takes at most 8 digits before the cents), and where rounding to the cent overflows.
MAX_AMOUNT = 1e12


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _page_env():
    """The environment in the language of the page the customer pays from: the portal's language (its cookie,
    set by the page), else the browser's. The payment form shows the messages of its routes as they come."""
    lang = request.env["ir.http"].get_nearest_lang(request.cookies.get("frontend_lang"))
    return request.env(context=dict(request.env.context, lang=lang)) if lang else request.env


def _check_transaction_kwargs(kwargs):
    """Refuse the parameters the payment form never sends: a validation (it pays nothing), an unknown flow,
    an amount that is not a finite number, ids that are not numbers.

    :raise BadRequest: For malformed parameters.
    """
    env = _page_env()
    if kwargs.get("is_validation"):
        raise BadRequest(env._("A payment of this document cannot be a validation."))
    if not isinstance(kwargs.get("flow"), str) or kwargs["flow"] not in PAYMENT_FLOWS:
        raise BadRequest(env._("This way of paying is unknown."))
    amount = kwargs.get("amount")
    if not _is_number(amount) or not math.isfinite(amount):
        raise BadRequest(env._("The amount must be a number."))
    for key in ("provider_id", "payment_method_id", "token_id"):
        if kwargs.get(key) is not None and (not isinstance(kwargs[key], int) or isinstance(kwargs[key], bool)):
            raise BadRequest(env._("The parameter %(name)s must be an id.", name=key))


def _check_amount_range(amount):
    # Last, so that the app's own checks answer first with the amounts they take.
    if abs(amount) >= MAX_AMOUNT:
        raise BadRequest(_page_env()._("The amount is too large."))


def _within(currency, amount, minimum, maximum):
    """Whether ``amount`` rounds into ``[minimum, maximum]`` (huge amounts are out before any rounding)."""
    if not minimum - 1 <= amount <= maximum + 1:
        return False
    return currency.compare_amounts(amount, minimum) >= 0 and currency.compare_amounts(amount, maximum) <= 0


def _checked_order_amount(order_sudo, amount):
    """The amount a quote of the app takes: its deposit or its total, else a clear refusal.

    :raise ValidationError: For any other amount (a payment link of another amount, a tampered form).
    """
    env = _page_env()
    currency = order_sudo.currency_id.with_env(env)
    if not order_sudo._has_to_be_paid():
        raise ValidationError(env._("This quote takes no payment now: approve it on its page, then pay its invoice."))
    deposit = order_sudo._fap_deposit_amount()
    for allowed in (deposit, order_sudo.amount_total) if deposit else (order_sudo.amount_total,):
        if _within(currency, amount, allowed, allowed):
            return allowed
    if deposit:
        raise ValidationError(
            env._(
                "Pay this quote's deposit, %(deposit)s, or its total, %(total)s.",
                deposit=currency.format(deposit),
                total=currency.format(order_sudo.amount_total),
            )
        )
    raise ValidationError(env._("Pay this quote in full: %(total)s.", total=currency.format(order_sudo.amount_total)))


def _checked_invoice_amount(invoice_sudo, amount):
    """The amount an invoice of the app takes: what is due, the next installment Odoo offers, or a part within
    the company's bounds (at least a cent), else a clear refusal — never another amount in its place.

    :raise ValidationError: For any other amount.
    """
    env = _page_env()
    currency = invoice_sudo.currency_id.with_env(env)
    payment_values = invoice_sudo._get_invoice_next_payment_values()
    for allowed in (payment_values.get("amount_due"), payment_values.get("next_amount_to_pay")):
        if allowed is not None and _within(currency, amount, allowed, allowed):
            return allowed
    bounds = invoice_sudo._fap_partial_bounds()
    if bounds and _within(currency, amount, *bounds):
        return currency.round(amount)
    if bounds:
        raise ValidationError(
            env._(
                "Pay from %(minimum)s to %(maximum)s.",
                minimum=currency.format(bounds[0]),
                maximum=currency.format(bounds[1]),
            )
        )
    raise ValidationError(
        env._(
            "Pay this invoice in full: %(amount)s.",
            amount=currency.format(payment_values.get("amount_due") or invoice_sudo.amount_residual),
        )
    )


def _check_offered(document_sudo, partner_sudo, amount, kwargs, **context):
    """Refuse a provider, payment method or token that the document's page does not offer.

    Only what Odoo offers there is accepted: enabled providers of the document's company, compatible with the
    partner, the amount and the currency — else the money would land in another company's account.

    :param document_sudo: The sudoed invoice or order.
    :param partner_sudo: The sudoed partner paying (the document's when logged out).
    :param float amount: The amount the transaction will have.
    :param dict kwargs: The route's parameters.
    :param context: Extra criteria of `_get_compatible_providers` (e.g. ``sale_order_id``).
    :raise ValidationError: For a provider, method or token not offered on the page.
    """
    providers_sudo = (
        request.env["payment.provider"]
        .sudo()
        ._get_compatible_providers(
            document_sudo.company_id.id,
            partner_sudo.id,
            amount,
            currency_id=document_sudo.currency_id.id,
            **context,
        )
    )
    if kwargs.get("flow") == "token":
        token_sudo = request.env["payment.token"].sudo().browse(kwargs.get("token_id")).exists()
        offered = token_sudo and token_sudo in request.env["payment.token"].sudo()._get_available_tokens(
            providers_sudo.ids, partner_sudo.id
        )
        offered = offered and token_sudo.provider_id.id == kwargs.get("provider_id", token_sudo.provider_id.id)
    else:
        methods_sudo = (
            request.env["payment.method"]
            .sudo()
            ._get_compatible_payment_methods(
                providers_sudo.ids, partner_sudo.id, currency_id=document_sudo.currency_id.id
            )
        )
        offered = kwargs.get("provider_id") in providers_sudo.ids and (
            kwargs.get("payment_method_id")
            in methods_sudo.filtered(lambda m: kwargs["provider_id"] in m.provider_ids.ids).ids
        )
    if not offered:
        raise ValidationError(request.env._("This payment method is not available for this document."))


class FapSalePortal(sale_portal.CustomerPortal):
    def _document_check_access(self, model_name, document_id, access_token=None):
        # A token that is not text, or not ASCII (Odoo's comparison raises on both), is a wrong token: every
        # portal route then answers as for a forged one rather than with a server error.
        if access_token and not (isinstance(access_token, str) and access_token.isascii()):
            access_token = ""
        return super()._document_check_access(model_name, document_id, access_token=access_token)

    def _get_page_view_values(self, document, access_token, values, session_history, no_breadcrumbs, **kwargs):
        # The templates show the app's page only for a document of the app's flow, else Odoo's untouched.
        values = super()._get_page_view_values(
            document, access_token, values, session_history, no_breadcrumbs, **kwargs
        )
        if document._name in ("sale.order", "account.move"):
            values["fap_flow"] = document._fap_in_flow()
            if values["fap_flow"]:
                values.update(document._fap_portal_page_values(), html_data=_html_lang())
                if request.env.user._is_public():
                    # A visitor who came by the link sees the document and its answers, not Odoo's portal
                    # around them (a logged-in portal user keeps it all).
                    values.update(fap_visitor=True, no_breadcrumbs=True)
        return values

    @http.route()
    def portal_order_page(self, order_id, report_type=None, access_token=None, **kwargs):
        try:
            order_sudo = self._document_check_access("sale.order", order_id, access_token=access_token)
        except (AccessError, MissingError):
            return request.redirect("/my")
        if not order_sudo._fap_in_flow():
            return super().portal_order_page(order_id, report_type=report_type, access_token=access_token, **kwargs)
        if not report_type and (redirect := _follow_customer_lang(order_sudo)):
            return redirect
        closed = order_sudo._fap_portal_closed_reason()
        if closed and report_type:
            # The link of a cancelled quote no longer gives its documents.
            return request.redirect("/my")
        if closed:
            return request.render(
                "facture_a_payer.portal_document_closed",
                {"document": order_sudo, "reason": closed, "company": order_sudo.company_id},
            )
        invoice_sudo = order_sudo._fap_portal_invoice()
        if invoice_sudo and not report_type:
            # « Après avoir approuvé la soumission, le client sera redirigé vers la page de Facture. »
            return request.redirect(invoice_sudo.get_portal_url())
        response = super().portal_order_page(order_id, report_type=report_type, access_token=access_token, **kwargs)
        if not report_type:
            # « Back » after approving asks the server again (which sends to the invoice), not the browser's copy.
            response.headers["Cache-Control"] = "no-store"
        return response

    @http.route()
    def portal_quote_accept(self, order_id, access_token=None, name=None, signature=None):
        access_token = access_token or request.httprequest.args.get("access_token")
        if any(value is not None and not isinstance(value, str) for value in (access_token, name, signature)):
            return {"error": request.env._("Invalid order.")}
        try:
            order_sudo = self._document_check_access("sale.order", order_id, access_token=access_token)
        except (AccessError, MissingError):
            return {"error": request.env._("Invalid order.")}
        if not order_sudo._fap_in_flow():
            return super().portal_quote_accept(order_id, access_token=access_token, name=name, signature=signature)
        signed = order_sudo._has_to_be_signed()
        if signed:
            # Stored as Odoo does; but Odoo would also make two PDFs of the quote (for the chatter, for its
            # confirmation email) while the customer waits: the app sends neither.
            if not signature:
                return {"error": request.env._("Signature is missing.")}
            try:
                order_sudo.write({"signed_by": name, "signed_on": fields.Datetime.now(), "signature": signature})
                request.env.cr.flush()
            except (TypeError, binascii.Error):
                return {"error": request.env._("Invalid signature data.")}
            order_sudo._fap_post_customer_note(order_sudo._fap_merchant().env._("Quote signed by %s.", name))
            if order_sudo._fap_deposit_amount():
                # A quote asking a deposit is approved by paying it (Odoo's page offers the payment next).
                return {
                    "force_refresh": True,
                    "redirect_url": order_sudo.get_portal_url(query_string="&message=sign_ok&allow_payment=yes"),
                }
        elif order_sudo.fap_approved and (invoice_sudo := order_sudo._fap_portal_invoice()):
            # Approved already (« Approuver » again on a page the browser kept): off to its invoice.
            return {"force_refresh": True, "redirect_url": invoice_sudo.get_portal_url()}
        elif not order_sudo._fap_can_be_approved():
            return {"error": request.env._("This quote can no longer be approved.")}
        else:
            order_sudo._fap_post_customer_note(order_sudo._fap_merchant().env._("Quote approved by the customer."))
        # Confirmed without Odoo's confirmation email (see ``_send_order_notification_mail``): the customer is on
        # their invoice, whose payment brings the app's receipt.
        invoice_sudo = order_sudo._fap_confirm_and_invoice()[:1]
        # Not invoiced automatically: Odoo's confirmed order page, with its « confirmed » notice.
        return {
            "force_refresh": True,
            "redirect_url": invoice_sudo.get_portal_url()
            if invoice_sudo
            else order_sudo.get_portal_url(query_string="&message=sign_ok"),
        }

    @http.route()
    def portal_quote_decline(self, order_id, access_token=None, decline_message=None, **kwargs):
        try:
            order_sudo = self._document_check_access("sale.order", order_id, access_token=access_token)
        except (AccessError, MissingError):
            return request.redirect("/my")
        if not order_sudo._fap_in_flow():
            return super().portal_quote_decline(
                order_id, access_token=access_token, decline_message=decline_message, **kwargs
            )
        if order_sudo.state not in ("draft", "sent"):
            return request.redirect(order_sudo.get_portal_url(query_string="&message=cant_reject"))
        # Natively only a quote awaiting a signature can be declined, and only with a message: here always,
        # the reason being optional.
        reason = (decline_message or "").strip()
        if len(reason) > DECLINE_REASON_MAX_LENGTH:
            reason = request.env._(
                "%(reason)s… (cut: the customer wrote %(count)s characters)",
                reason=reason[:DECLINE_REASON_MAX_LENGTH],
                count=len(reason),
            )
        order_sudo._fap_decline(reason)
        return request.redirect(order_sudo.get_portal_url())


class FapSalePaymentPortal(sale_portal.PaymentPortal):
    @http.route()
    def portal_order_transaction(self, order_id, access_token=None, **kwargs):
        try:
            order_sudo = self._document_check_access("sale.order", order_id, access_token)
        except (AccessError, MissingError):
            raise _invalid_access() from None
        _check_transaction_kwargs(kwargs)
        if order_sudo._fap_in_flow():
            # A quote of the app is paid with its deposit or in full (both approve it), whatever the link or the
            # browser says; outside the app, the amount is Odoo's (a payment link's, the page's).
            kwargs["amount"] = _checked_order_amount(order_sudo, kwargs["amount"])
        _check_amount_range(kwargs["amount"])
        partner_sudo = order_sudo.partner_id if request.env.user._is_public() else request.env.user.partner_id
        _check_offered(order_sudo, partner_sudo, kwargs["amount"], kwargs, sale_order_id=order_sudo.id)
        return super().portal_order_transaction(order_id, access_token, **kwargs)


class FapInvoicePaymentPortal(account_payment_payment.PaymentPortal):
    @http.route()
    def invoice_transaction(self, invoice_id, access_token=None, **kwargs):
        try:
            invoice_sudo = self._document_check_access("account.move", invoice_id, access_token)
        except (AccessError, MissingError):
            raise _invalid_access() from None
        # A draft may be paid as in Odoo (its payment posts it); a cancelled or paid invoice takes no more money.
        if invoice_sudo.state == "cancel" or (invoice_sudo.state == "posted" and not invoice_sudo._has_to_be_paid()):
            raise _invalid_access()
        _check_transaction_kwargs(kwargs)
        if invoice_sudo._fap_in_flow():
            # What is due, the next installment or a part the company allows, else refused: never replaced.
            # Outside the app, the amount is Odoo's (a payment link's, the page's).
            kwargs["amount"] = _checked_invoice_amount(invoice_sudo, kwargs["amount"])
        _check_amount_range(kwargs["amount"])
        partner_sudo = invoice_sudo.partner_id if request.env.user._is_public() else request.env.user.partner_id
        _check_offered(invoice_sudo, partner_sudo, kwargs["amount"], kwargs)
        return super().invoice_transaction(invoice_id, access_token, **kwargs)


class FapInvoicePortal(account_payment_portal.PortalAccount):
    @http.route()
    def portal_my_invoice_detail(self, invoice_id, access_token=None, report_type=None, **kwargs):
        try:
            invoice_sudo = self._document_check_access("account.move", invoice_id, access_token)
        except (AccessError, MissingError):
            return request.redirect("/my")
        if not invoice_sudo._fap_in_flow():
            return super().portal_my_invoice_detail(
                invoice_id, access_token=access_token, report_type=report_type, **kwargs
            )
        if not report_type and (redirect := _follow_customer_lang(invoice_sudo)):
            return redirect
        if invoice_sudo.state == "cancel":
            if report_type:
                return request.redirect("/my")
            return request.render(
                "facture_a_payer.portal_document_closed",
                {"document": invoice_sudo, "reason": "cancel", "company": invoice_sudo.company_id},
            )
        if report_type == "pdf":
            invoice_sudo._fap_generate_invoice_pdf()
        return super().portal_my_invoice_detail(
            invoice_id, access_token=access_token, report_type=report_type, **kwargs
        )

    def _invoice_get_page_view_values(self, invoice, access_token, **kwargs):
        values = super()._invoice_get_page_view_values(invoice, access_token, **kwargs)
        if invoice._fap_in_flow():
            # As the quote page does natively: the header shows the merchant's logo, not the first company's.
            values["res_company"] = invoice.company_id
        return values

    def _show_report(self, model, report_type, report_ref, download=False):
        # A posted invoice of the app is the invoice, not a pro forma, even before Odoo sends it.
        if model._name == "account.move" and model._fap_in_flow() and model.state == "posted":
            request.update_context(proforma_invoice=False)
        if model._name in ("account.move", "sale.order") and model._fap_in_flow() and customer_lang_prefix(model):
            # The PDF's name in the customer's language, as its page (the PDF itself follows the report's).
            model = model.with_context(lang=model.partner_id.lang)
        return super()._show_report(model, report_type, report_ref, download=download)


class FapPaymentPostProcessing(payment_post_processing.PaymentPostProcessing):
    @http.route()
    def display_status(self, **kwargs):
        # The page back from Stripe wears the merchant's branding, not the database's first company's.
        response = super().display_status(**kwargs)
        tx_sudo = response.qcontext.get("tx") if hasattr(response, "qcontext") else None
        documents = tx_sudo and (tx_sudo.invoice_ids or tx_sudo.sale_order_ids)
        if documents and any(document._fap_in_flow() for document in documents):
            response.qcontext["res_company"] = tx_sudo.company_id
            response.qcontext["fap_company"] = tx_sudo.company_id
            response.qcontext["fap_flow"] = True
            response.qcontext["html_data"] = _html_lang()
            response.qcontext["title"] = request.env._("Payment · %(company)s", company=tx_sudo.company_id.name)
            if request.env.user._is_public():
                # As on the document's page: the visitor's lean bundles (views/visitor_assets_templates.xml).
                response.qcontext["fap_visitor"] = True
        return response
